"""Reporters' personal data (个人信息保护法): never on public pages; erased after the
retention period by the purge job."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import Cast, World
from jingxi.cases.choices import Action, Source
from jingxi.cases.models import Case
from jingxi.cases.services import case_report, case_transition
from jingxi.public.privacy import reporter_contact_purge
from jingxi.public.tasks import reporter_contact_purge_daily
from jingxi.public.tests.test_citizen import LAT, LNG, closed_case, form_data, tracked_client

NAME, PHONE = "王小明", "13812341234"


@pytest.fixture(autouse=True)
def _public_site(settings: Any, tmp_path: Path) -> Any:
    settings.JINGXI_PUBLIC_JURISDICTION = "410122"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    yield
    cache.clear()


def _assert_private(html: str) -> None:
    for secret in (NAME, PHONE, "138****1234", "王*"):
        assert secret not in html, secret


def _report(world: World, **kwargs: Any) -> Case:
    return case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=LNG,
        lat=LAT,
        description="路边垃圾",
        source=Source.CITIZEN_WEB,
        reporter_name=NAME,
        reporter_phone=PHONE,
        **kwargs,
    )


def test_public_pages_never_show_the_reporters_contact(world: World, cast: Cast) -> None:
    client = Client()
    response = client.post(reverse("public:report"), form_data(world))
    case = Case.objects.get()
    assert case.reporter_name == NAME and case.reporter_phone == PHONE
    _assert_private(client.get(response["Location"]).content.decode())  # the thank-you page
    for action, actor in [
        (Action.FILE, cast.dispatcher),
        (Action.DISPATCH, cast.dispatcher),
        (Action.ACCEPT, cast.handler_a),
        (Action.REPORT_BACK, cast.handler_a),
        (Action.VERIFY_PASS, cast.inspector),
    ]:
        case_transition(case_id=case.pk, action=action, actor=actor, note="已联系王小明13812341234")
    track = reverse("public:track", kwargs={"number": case.number})
    _assert_private(Client().get(track).content.decode())  # by number only
    owner = tracked_client(case)
    _assert_private(owner.get(track).content.decode())  # with the token
    owner.post(reverse("public:feedback", kwargs={"number": case.number}), {"rating": "satisfied"})
    _assert_private(owner.get(track).content.decode())
    _assert_private(Client().get(reverse("public:track-search")).content.decode())
    _assert_private(Client().get(reverse("public:report")).content.decode())


def test_staff_notes_never_reach_the_track_page(world: World, cast: Cast) -> None:
    case = closed_case(world, cast)
    case_transition(
        case_id=case.pk, action=Action.REOPEN, actor=cast.dispatcher, note="内部意见：单位敷衍"
    )
    html = Client().get(reverse("public:track", kwargs={"number": case.number})).content.decode()
    assert "内部意见" not in html and "重新立案办理" in html


def _close_at(world: World, cast: Cast, when: dt.datetime) -> Case:
    case = _report(world, now=when)
    for action, actor in [
        (Action.FILE, cast.dispatcher),
        (Action.DISPATCH, cast.dispatcher),
        (Action.ACCEPT, cast.handler_a),
        (Action.REPORT_BACK, cast.handler_a),
        (Action.VERIFY_PASS, cast.inspector),
    ]:
        case_transition(case_id=case.pk, action=action, actor=actor, now=when)
    return case


def test_purge_erases_contact_of_cases_closed_past_retention(
    world: World, cast: Cast, settings: Any
) -> None:
    settings.JINGXI_CONTACT_RETENTION_DAYS = 180
    now = timezone.now()
    old = _close_at(world, cast, now - dt.timedelta(days=200))
    recent = _close_at(world, cast, now - dt.timedelta(days=10))
    still_open = _report(world, now=now - dt.timedelta(days=400))
    rejected_old = _report(world, now=now - dt.timedelta(days=300))
    case_transition(
        case_id=rejected_old.pk,
        action=Action.REJECT,
        actor=cast.dispatcher,
        note="不属于受理范围",
        now=now - dt.timedelta(days=300),
    )
    rejected_recent = _report(world)
    case_transition(
        case_id=rejected_recent.pk, action=Action.REJECT, actor=cast.dispatcher, note="重复"
    )

    assert reporter_contact_purge(now=now) == 2
    contact = dict(Case.objects.values_list("pk", "reporter_phone"))
    assert contact[old.pk] == "" and contact[rejected_old.pk] == ""
    assert contact[recent.pk] == PHONE
    assert contact[still_open.pk] == PHONE and contact[rejected_recent.pk] == PHONE
    assert Case.objects.get(pk=old.pk).reporter_name == ""
    assert reporter_contact_purge(now=now) == 0  # nothing left to erase


def test_retention_is_configurable(world: World, cast: Cast, settings: Any) -> None:
    case = _close_at(world, cast, timezone.now() - dt.timedelta(days=10))
    settings.JINGXI_CONTACT_RETENTION_DAYS = 30
    assert reporter_contact_purge() == 0
    settings.JINGXI_CONTACT_RETENTION_DAYS = 7
    assert reporter_contact_purge() == 1
    assert Case.objects.get(pk=case.pk).reporter_phone == ""


def test_purge_runs_as_a_command_and_a_daily_job(world: World, cast: Cast) -> None:
    _close_at(world, cast, timezone.now() - dt.timedelta(days=365))
    out = io.StringIO()
    call_command("purge_contacts", stdout=out)
    assert "已删除 1 件" in out.getvalue()
    _close_at(world, cast, timezone.now() - dt.timedelta(days=365))
    reporter_contact_purge_daily()
    assert not Case.objects.exclude(reporter_phone="").exists()
