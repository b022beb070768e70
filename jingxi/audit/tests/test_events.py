"""What is recorded: logins, failures, lockouts, logouts, passwords, users and roles,
tokens and keys, admin edits with before and after, and unmasked personal data."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from conftest import Cast, World
from jingxi.audit import receivers
from jingxi.audit.admin_site import AuditedAdminMixin
from jingxi.audit.choices import AuditKind
from jingxi.audit.models import AuditEntry
from jingxi.audit.tests.conftest import Administrators, client_for
from jingxi.cases.choices import Source
from jingxi.cases.models import Case
from jingxi.cases.services import case_report
from jingxi.hotline.choices import CallOutcome
from jingxi.hotline.services import call_log
from jingxi.lib.tabular import xlsx_write
from jingxi.open311.services import api_client_create, api_client_revoke
from jingxi.org.choices import Role
from jingxi.org.imports import STAFF_COLUMNS, staff_import_xlsx
from jingxi.org.models import Membership, Unit, User

pytestmark = pytest.mark.django_db


def entries(kind: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(kind=kind).order_by("id"))


def last(kind: str) -> AuditEntry:
    found = entries(kind)
    assert found, f"no {kind} entry"
    return found[-1]


def citizen_case(world: World, **kwargs: Any) -> Case:
    return case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        description="路边有垃圾",
        source=Source.HOTLINE,
        reporter_name="张三",
        reporter_phone="13812345678",
        **kwargs,
    )


# --- logins and logouts ---------------------------------------------------------------


def test_a_login_is_recorded_with_who_and_from_where(cast: Cast) -> None:
    client = Client(REMOTE_ADDR="203.0.113.5")
    response = client.post(reverse("login"), {"username": "dispatcher", "password": cast.password})
    assert response.status_code == 302
    entry = last(AuditKind.LOGIN_SUCCEEDED)
    assert (entry.user_id, entry.username) == (cast.dispatcher.pk, "dispatcher")
    assert entry.client_address == "203.0.113.5"
    assert entry.jurisdiction_id == cast.dispatcher.jurisdiction_id


def test_a_failed_login_records_the_username_tried_and_never_the_password(cast: Cast) -> None:
    client = Client(REMOTE_ADDR="198.51.100.23")
    client.post(reverse("login"), {"username": "dispatcher", "password": "Secret-Guess-42"})
    client.post(reverse("login"), {"username": "nobody", "password": "Secret-Guess-43"})
    known, unknown = entries(AuditKind.LOGIN_FAILED)
    assert (known.username, known.user_id, known.subject_id) == (
        "dispatcher",
        None,  # nobody is logged in: the account tried is the subject
        str(cast.dispatcher.pk),
    )
    assert known.client_address == "198.51.100.23"
    assert (unknown.username, unknown.subject_id, unknown.jurisdiction_id) == ("nobody", "", None)
    everything = str(list(AuditEntry.objects.values()))
    assert "Secret-Guess" not in everything


def test_a_logout_is_recorded(cast: Cast) -> None:
    client = client_for(cast.operator)
    client.post(reverse("logout"))
    entry = last(AuditKind.LOGGED_OUT)
    assert (entry.username, entry.client_address) == ("operator", "203.0.113.9")


def test_a_lockout_by_django_axes_is_recorded(cast: Cast) -> None:
    receivers.on_locked_out("axes", request=None, username="leader", ip_address="192.0.2.44")
    entry = last(AuditKind.LOCKED_OUT)
    assert (entry.username, entry.client_address) == ("leader", "192.0.2.44")
    assert entry.subject_id == str(cast.leader.pk)


def test_django_axes_lockouts_reach_the_trail(cast: Cast) -> None:
    from axes.signals import user_locked_out

    user_locked_out.send("axes", request=None, username="leader", ip_address="192.0.2.45")
    assert last(AuditKind.LOCKED_OUT).client_address == "192.0.2.45"


# --- keys and tokens ------------------------------------------------------------------


def test_open311_keys_issued_and_revoked_are_recorded_without_the_key(world: World) -> None:
    client, key = api_client_create(jurisdiction=world.jurisdiction, name="随手拍 App")
    api_client_revoke(client=client)
    api_client_revoke(client=client)  # revoking twice records once
    issued = last(AuditKind.OPEN311_KEY_ISSUED)
    assert (issued.subject_type, issued.subject_id) == ("open311.apiclient", str(client.pk))
    assert issued.details["key_prefix"] == key[:12]
    assert len(entries(AuditKind.OPEN311_KEY_REVOKED)) == 1
    assert key not in str(list(AuditEntry.objects.values()))


def test_api_tokens_issued_and_revoked_in_the_admin_are_recorded(
    cast: Cast, admins: Administrators
) -> None:
    client = client_for(admins.security)
    response = client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": cast.inspector.pk})
    assert response.status_code == 302, response.content
    token = Token.objects.get(user=cast.inspector)
    issued = last(AuditKind.API_TOKEN_ISSUED)
    assert issued.username == "secadmin"
    assert issued.details["after"]["user"] == cast.inspector.pk
    assert issued.details["after"]["key"] == "******"
    assert token.key not in str(list(AuditEntry.objects.values()))
    response = client.post(
        reverse("admin:authtoken_tokenproxy_delete", args=[cast.inspector.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Token.objects.filter(user=cast.inspector).exists()
    revoked = last(AuditKind.API_TOKEN_REVOKED)
    assert revoked.details["action"] == "delete"
    assert revoked.details["before"]["user"] == cast.inspector.pk


# --- users, roles, passwords ------------------------------------------------------------


def test_a_membership_added_in_the_admin_is_recorded_with_its_values(
    world: World, cast: Cast, admins: Administrators
) -> None:
    client = client_for(admins.security)
    response = client.post(
        reverse("admin:org_membership_add"),
        {"user": cast.inspector.pk, "unit": world.office.pk, "role": Role.OPERATOR, "title": ""},
    )
    assert response.status_code == 302, response.content
    entry = last(AuditKind.MEMBERSHIP_CHANGED)
    membership = Membership.objects.get(user=cast.inspector, role=Role.OPERATOR)
    assert (entry.subject_type, entry.subject_id) == ("org.membership", str(membership.pk))
    assert entry.details["action"] == "add"
    assert entry.details["after"]["role"] == Role.OPERATOR
    assert entry.details["before"] is None


def test_a_role_removed_on_the_users_page_is_recorded(
    world: World, cast: Cast, admins: Administrators
) -> None:
    membership = Membership.objects.get(user=cast.leader)
    client = client_for(admins.security)
    url = reverse("admin:org_user_change", args=[cast.leader.pk])
    data = {
        "username": "leader",
        "full_name": "县领导",
        "phone": "",
        "email": "",
        "jurisdiction": world.jurisdiction.pk,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "08:00:00",
        "memberships-TOTAL_FORMS": 1,
        "memberships-INITIAL_FORMS": 1,
        "memberships-0-id": membership.pk,
        "memberships-0-user": cast.leader.pk,
        "memberships-0-unit": world.office.pk,
        "memberships-0-role": Role.LEADER,
        "memberships-0-title": "",
        "memberships-0-DELETE": "on",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not Membership.objects.filter(pk=membership.pk).exists()
    entry = last(AuditKind.MEMBERSHIP_CHANGED)
    assert entry.details["action"] == "delete"
    assert entry.details["before"]["role"] == Role.LEADER
    assert entry.subject_id == str(membership.pk)


def test_a_password_set_by_the_security_administrator_is_recorded(
    cast: Cast, admins: Administrators
) -> None:
    client = client_for(admins.security)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[cast.handler_a.pk]),
        {"password1": "Another-Pass-2026", "password2": "Another-Pass-2026"},
    )
    assert response.status_code == 302, response.content
    entry = last(AuditKind.PASSWORD_CHANGED)
    assert (entry.username, entry.subject_id) == ("secadmin", str(cast.handler_a.pk))
    assert "Another-Pass" not in str(entry.details)


def test_the_staff_import_records_users_roles_and_passwords(
    world: World, cast: Cast, admins: Administrators
) -> None:
    source = xlsx_write(
        [
            (
                "人员",
                STAFF_COLUMNS,
                [
                    ("newbie", "新人", "", "JXB", "督导员", "", ""),
                    ("leader", "县领导", "", "JXB", "热线话务员", "", "Fresh-Pass-2026"),
                ],
            )
        ]
    )
    staff_import_xlsx(
        jurisdiction=world.jurisdiction,
        source=source,
        actor=admins.security,
        client_address="203.0.113.77",
    )
    newbie = User.objects.get(username="newbie")
    users = entries(AuditKind.USER_CHANGED)
    assert [(e.subject_id, e.details["action"]) for e in users] == [
        (str(newbie.pk), "add"),
        (str(cast.leader.pk), "change"),
    ]
    assert users[1].details["changed"] == ["password", "password_changed_at"]
    roles = entries(AuditKind.MEMBERSHIP_CHANGED)
    assert sorted(e.details["after"]["role"] for e in roles) == [Role.INSPECTOR, Role.OPERATOR]
    assert all(e.details["via"] == "import:staff" for e in roles)
    assert last(AuditKind.PASSWORD_CHANGED).subject_id == str(cast.leader.pk)
    assert {e.client_address for e in users + roles} == {"203.0.113.77"}


# --- admin edits of master data ----------------------------------------------------------


def test_every_registered_model_admin_is_audited() -> None:
    unaudited = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedAdminMixin)
    ]
    assert unaudited == []


def test_a_master_data_edit_is_recorded_with_the_values_before_and_after(
    world: World, admins: Administrators
) -> None:
    unit = world.traffic
    client = client_for(admins.system)
    url = reverse("admin:org_unit_change", args=[unit.pk])
    response = client.post(
        url,
        {
            "jurisdiction": unit.jurisdiction_id,
            "code": unit.code,
            "name": "县公安局交通警察大队",
            "short_name": "交警",
            "kind": unit.kind,
            "ranking_group": unit.ranking_group,
            "contact_name": "",
            "contact_phone": "",
            "address": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = last(AuditKind.MASTER_DATA_CHANGED)
    assert (entry.username, entry.subject_type, entry.subject_id) == (
        "sysadmin",
        "org.unit",
        str(unit.pk),
    )
    assert entry.details["changed"] == ["name", "short_name"]
    assert entry.details["before"] == {"name": "县交警大队", "short_name": ""}
    assert entry.details["after"] == {"name": "县公安局交通警察大队", "short_name": "交警"}


def test_a_master_data_deletion_is_recorded_with_what_was_deleted(
    world: World, admins: Administrators
) -> None:
    landmark = world.jurisdiction.landmarks.get()
    client = client_for(admins.system)
    response = client.post(
        reverse("admin:places_landmark_delete", args=[landmark.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    entry = last(AuditKind.MASTER_DATA_CHANGED)
    assert entry.details["action"] == "delete"
    assert entry.details["before"]["name"] == "县第一实验小学"
    assert entry.details["after"] is None


def test_an_import_of_master_data_is_recorded(world: World, admins: Administrators) -> None:
    client = client_for(admins.system)
    source = xlsx_write([("单位", ("单位编码", "名称", "类型"), [("XX1", "新单位", "职能部门")])])
    upload = SimpleUploadedFile("units.xlsx", source)
    response = client.post(
        reverse("admin:org_unit_import"), {"jurisdiction": world.jurisdiction.pk, "file": upload}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Unit.objects.filter(code="XX1").exists()
    entry = last(AuditKind.MASTER_DATA_CHANGED)
    assert entry.details["import"] == "units"
    assert entry.details["created"] == 1


# --- personal data shown unmasked ------------------------------------------------------


def test_the_dispatcher_opening_a_citizens_case_is_recorded(world: World, cast: Cast) -> None:
    case = citizen_case(world)
    response = client_for(cast.dispatcher).get(reverse("cases:case-detail", args=[case.pk]))
    assert response.status_code == 200
    entry = last(AuditKind.PERSONAL_DATA_VIEWED)
    assert (entry.username, entry.subject_type, entry.subject_id) == (
        "dispatcher",
        "cases.case",
        str(case.pk),
    )
    assert entry.details["surface"] == "cases:case-detail"


def test_a_role_without_contact_rights_records_nothing(world: World, cast: Cast) -> None:
    case = citizen_case(world)
    client_for(cast.inspector).get(reverse("cases:case-detail", args=[case.pk]))
    client_for(cast.inspector).get(reverse("api-case-detail", args=[case.pk]))
    assert entries(AuditKind.PERSONAL_DATA_VIEWED) == []


def test_the_api_records_the_contacts_it_shows(world: World, cast: Cast) -> None:
    first, second = citizen_case(world), citizen_case(world)
    staff_case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        description="巡查发现",
        source=Source.INSPECTOR,
        actor=cast.inspector,
    )
    client = client_for(cast.operator)
    assert client.get(reverse("api-case-list")).status_code == 200
    listed = last(AuditKind.PERSONAL_DATA_VIEWED)
    assert listed.details["ids"] == [str(second.pk), str(first.pk)]
    assert str(staff_case.pk) not in listed.details["ids"]
    assert listed.details["fields"] == ["reporter_name", "reporter_phone"]
    client.get(reverse("api-case-detail", args=[first.pk]))
    assert last(AuditKind.PERSONAL_DATA_VIEWED).details["surface"] == "api-case-detail"


def test_the_callback_queue_records_the_callers_it_shows(world: World, cast: Cast) -> None:
    response = client_for(cast.operator).get(reverse("hotline:callback-list"))
    assert response.status_code == 200
    # Nothing closed yet: nobody to call back, nothing shown, nothing recorded.
    assert entries(AuditKind.PERSONAL_DATA_VIEWED) == []


def test_opening_a_hotline_call_in_the_admin_is_recorded(
    world: World, cast: Cast, admins: Administrators
) -> None:
    call = call_log(
        operator=cast.operator,
        caller_phone="13812345678",
        caller_name="李四",
        text="咨询垃圾清运时间",
        outcome=CallOutcome.INFO_ONLY,
    )
    response = client_for(admins.system).get(reverse("admin:hotline_call_change", args=[call.pk]))
    assert response.status_code == 200
    entry = last(AuditKind.PERSONAL_DATA_VIEWED)
    assert (entry.subject_type, entry.subject_id) == ("hotline.call", str(call.pk))
    assert entry.details["fields"] == ["caller_name", "caller_phone"]


def test_exporting_staff_is_recorded_as_personal_data_exported(
    world: World, cast: Cast, admins: Administrators
) -> None:
    response = client_for(admins.security).get(
        reverse("admin:org_user_export"), {"jurisdiction__id__exact": world.jurisdiction.pk}
    )
    assert response.status_code == 200
    entry = last(AuditKind.PERSONAL_DATA_EXPORTED)
    assert entry.details["fields"] == ["full_name", "phone"]
    assert str(cast.dispatcher.pk) in entry.details["ids"]
