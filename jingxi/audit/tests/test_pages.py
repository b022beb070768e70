"""The auditor reads, filters and exports the trail; everyone else finds no such pages."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import Cast, World
from jingxi.audit.choices import AuditKind
from jingxi.audit.models import AuditEntry
from jingxi.audit.services import audit_record
from jingxi.audit.tests.conftest import Administrators, client_for
from jingxi.lib.tabular import xlsx_read
from jingxi.org.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("audit:entry-list")
EXPORT = reverse("audit:entry-export")


def logged_in_with_password(username: str, password: str) -> None:
    Client(REMOTE_ADDR="192.0.2.10").post(
        reverse("login"), {"username": username, "password": password}
    )


def shown_ids(response: Any) -> list[int]:
    return [e.id for e in response.context["entries"]]


def test_the_auditor_reads_other_users_logins(cast: Cast, admins: Administrators) -> None:
    logged_in_with_password("dispatcher", cast.password)
    logged_in_with_password("handler_a", "wrong-password")
    response = client_for(admins.auditor).get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-kind="login_succeeded"' in html and "dispatcher" in html
    assert 'data-kind="login_failed"' in html and "handler_a" in html
    assert "192.0.2.10" in html


@pytest.mark.parametrize(
    "who",
    ["dispatcher", "inspector", "road_chief", "handler_a", "unit_head_a", "assessor", "leader",
     "operator", "citizen", "outsider", "system", "security"],
)  # fmt: skip
def test_everyone_but_the_auditor_finds_no_audit_pages(
    cast: Cast, admins: Administrators, who: str
) -> None:
    user = getattr(admins, who, None) or getattr(cast, who)
    entry = audit_record(kind=AuditKind.LOGIN_SUCCEEDED, actor=user, client_address="")
    client = client_for(user)
    assert client.get(LIST).status_code == 404
    assert client.get(LIST, {"date_from": "not-a-date"}).status_code == 404
    assert client.get(EXPORT, {"format": "csv"}).status_code == 404
    assert client.get(reverse("audit:entry-detail", args=[entry.pk])).status_code == 404
    assert not AuditEntry.objects.filter(kind=AuditKind.AUDIT_EXPORTED).exists()


def test_a_visitor_is_sent_to_the_login_page(db: None) -> None:
    response = Client().get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_trail_is_not_in_the_admin_at_all() -> None:
    assert AuditEntry not in admin.site._registry


def test_the_auditor_filters_by_kind_user_and_date(cast: Cast, admins: Administrators) -> None:
    a = audit_record(kind=AuditKind.LOGIN_SUCCEEDED, actor=cast.leader, client_address="")
    b = audit_record(kind=AuditKind.LOGGED_OUT, actor=cast.leader, client_address="")
    c = audit_record(kind=AuditKind.LOGIN_SUCCEEDED, actor=cast.operator, client_address="")
    client = client_for(admins.auditor)
    assert shown_ids(client.get(LIST, {"kind": "login_succeeded", "user": "leader"})) == [a.pk]
    assert shown_ids(client.get(LIST, {"user": "leader"})) == [b.pk, a.pk]
    today = timezone.localdate().isoformat()
    by_day = shown_ids(client.get(LIST, {"date_from": today, "date_to": today, "user": "operator"}))
    assert by_day == [c.pk]
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert shown_ids(client.get(LIST, {"date_from": tomorrow})) == []


@pytest.mark.parametrize(
    "query",
    [{"date_from": "2026-13-40"}, {"kind": "no-such-kind"}, {"before": "99999999999999999999"},
     {"date_from": "2026-05-02", "date_to": "2026-05-01"}, {"before": "-3"}],
)  # fmt: skip
def test_bad_filters_answer_400_with_a_message(
    admins: Administrators, query: dict[str, str]
) -> None:
    client = client_for(admins.auditor)
    for url in (LIST, EXPORT):
        response = client.get(url, query)
        assert response.status_code == 400
        assert 'id="audit-error"' in response.content.decode()
    assert not AuditEntry.objects.filter(kind=AuditKind.AUDIT_EXPORTED).exists()


def test_pages_run_newest_first_and_go_back_in_time(cast: Cast, admins: Administrators) -> None:
    made = [
        audit_record(kind=AuditKind.LOGGED_OUT, actor=cast.leader, client_address="").pk
        for _ in range(55)
    ]
    client = client_for(admins.auditor)
    first = client.get(LIST, {"kind": "logged_out"})
    assert shown_ids(first) == made[::-1][:50]
    older = first.context["older"]
    assert older
    second = client.get(f"{LIST}?{older}")
    assert shown_ids(second) == made[::-1][50:]
    assert second.context["older"] == ""


def test_the_list_reads_the_same_few_queries_however_long_the_trail(
    cast: Cast, admins: Administrators, django_assert_max_num_queries: Any
) -> None:
    for _ in range(60):
        audit_record(kind=AuditKind.LOGIN_SUCCEEDED, actor=cast.leader, client_address="")
    client = client_for(admins.auditor)
    with django_assert_max_num_queries(6):
        assert client.get(LIST).status_code == 200


def test_the_auditor_sees_only_their_jurisdictions_entries(
    cast: Cast, admins: Administrators
) -> None:
    own = audit_record(kind=AuditKind.LOGIN_SUCCEEDED, actor=cast.leader, client_address="")
    foreign = audit_record(kind=AuditKind.LOGIN_SUCCEEDED, actor=cast.outsider, client_address="")
    nobodys = audit_record(
        kind=AuditKind.LOGIN_FAILED, actor=None, client_address="", username="ghost"
    )
    client = client_for(admins.auditor)
    ids = shown_ids(client.get(LIST))
    assert own.pk in ids and nobodys.pk in ids and foreign.pk not in ids
    assert client.get(reverse("audit:entry-detail", args=[foreign.pk])).status_code == 404


def test_an_entry_shows_its_values_before_and_after(world: World, admins: Administrators) -> None:
    client = client_for(admins.system)
    unit = world.traffic
    client.post(
        reverse("admin:org_unit_change", args=[unit.pk]),
        {"jurisdiction": unit.jurisdiction_id, "code": unit.code, "name": "县交通警察大队",
         "kind": unit.kind, "ranking_group": unit.ranking_group, "is_active": "on"},
    )  # fmt: skip
    entry = AuditEntry.objects.get(kind=AuditKind.MASTER_DATA_CHANGED)
    response = client_for(admins.auditor).get(reverse("audit:entry-detail", args=[entry.pk]))
    assert response.status_code == 200
    assert response.context["diff"] == [("name", "县交警大队", "县交通警察大队")]
    html = response.content.decode()
    assert 'data-field="name"' in html and entry.hash in html


def test_a_huge_entry_number_is_not_found(admins: Administrators) -> None:
    url = reverse("audit:entry-detail", args=[1]).replace("/1/", f"/{2**64}/")
    assert client_for(admins.auditor).get(url).status_code == 404


def test_the_auditor_exports_the_trail_and_the_export_is_recorded(
    cast: Cast, admins: Administrators
) -> None:
    audit_record(kind=AuditKind.LOGIN_SUCCEEDED, actor=cast.leader, client_address="192.0.2.1")
    audit_record(
        kind=AuditKind.LOGIN_FAILED, actor=None, client_address="", username="=cmd|' /C calc'!A0"
    )
    client = client_for(admins.auditor)
    response = client.get(EXPORT, {"format": "xlsx", "kind": "login_succeeded"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    rows = xlsx_read(response.content)
    # The auditor's own login (client_for) and the leader's.
    assert {r.get("用户名") for r in rows} == {"leader", "auditor"}
    assert {r.get("来源地址") for r in rows} >= {"192.0.2.1"}
    exported = AuditEntry.objects.get(kind=AuditKind.AUDIT_EXPORTED)
    assert (exported.username, exported.details["format"], exported.details["rows"]) == (
        "auditor",
        "xlsx",
        2,
    )
    assert exported.details["filters"]["kind"] == "login_succeeded"

    response = client.get(EXPORT, {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][0] == "编号"
    usernames = [row[4] for row in table[1:]]
    assert "'=cmd|' /C calc'!A0" in usernames  # a formula is written as text
    assert AuditEntry.objects.filter(kind=AuditKind.AUDIT_EXPORTED).count() == 2


def test_an_export_too_large_is_refused_with_a_message(
    admins: Administrators, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jingxi.audit import export

    monkeypatch.setattr(export, "EXPORT_MAX_ROWS", 0)
    response = client_for(admins.auditor).get(EXPORT, {"format": "csv"})
    assert response.status_code == 400
    assert "超过单次导出上限" in response.content.decode()
    assert not AuditEntry.objects.filter(kind=AuditKind.AUDIT_EXPORTED).exists()


def test_a_superuser_of_no_jurisdiction_is_not_an_auditor(db: None) -> None:
    root = UserFactory(username="root", jurisdiction=None, is_staff=True, is_superuser=True)
    assert client_for(root).get(LIST).status_code == 404
