"""The planning pages: who reads, who changes, and an inspector's own route only."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from conftest import Cast, World
from jingxi.inspections.choices import DutyStatus
from jingxi.inspections.models import Duty, DutyChange, Plan, PlanChange, Route
from jingxi.inspections.roster import roster_fill
from jingxi.inspections.routes import plan_make
from jingxi.inspections.tests.factories import InspectorFactory
from jingxi.org.models import User
from jingxi.org.tests.factories import UserFactory

DAY = dt.date(2026, 6, 10)
pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _planned(world: World, cast: Cast) -> tuple[Plan, User]:
    other: User = UserFactory(jurisdiction=world.jurisdiction)
    for u in (cast.inspector, other):
        InspectorFactory(jurisdiction=world.jurisdiction, user=u)
    roster_fill(
        jurisdiction=world.jurisdiction, inspectors=[cast.inspector, other], start=DAY, end=DAY
    )
    return plan_make(jurisdiction=world.jurisdiction, day=DAY, by=None, reason="test"), other


def test_plan_page_shows_inspectors_and_shortfall_to_readers(world: World, cast: Cast) -> None:
    _planned(world, cast)
    url = f"/inspections/plans/{DAY.isoformat()}/"
    for user in (cast.dispatcher, cast.leader, cast.inspector):
        response = _client(user).get(url)
        assert response.status_code == 200
        assert b'id="plan-inspectors"' in response.content
        assert b'id="shortfall"' in response.content
    assert _client(cast.handler_a).get(url).status_code == 404
    assert _client(cast.dispatcher).get("/inspections/plans/not-a-day/").status_code == 404


def test_only_planners_regenerate_with_a_reason(world: World, cast: Cast) -> None:
    plan, _other = _planned(world, cast)
    url = f"/inspections/plans/{DAY.isoformat()}/"
    assert _client(cast.leader).post(url, {"reason": "x"}).status_code == 403
    assert _client(cast.dispatcher).post(url, {"reason": ""}).status_code == 400
    response = _client(cast.dispatcher).post(url, {"reason": "小张请假"})
    assert response.status_code == 302
    change = PlanChange.objects.get(plan=plan, version=2)
    assert change.by == cast.dispatcher and change.reason == "小张请假"


def test_roster_page_marks_an_absence_with_its_reason(world: World, cast: Cast) -> None:
    _planned(world, cast)
    url = f"/inspections/roster/?week={DAY.isoformat()}"
    response = _client(cast.dispatcher).get(url)
    assert response.status_code == 200 and b'id="roster-grid"' in response.content
    data = {
        "action": "absent",
        "inspector": cast.inspector.pk,
        "day": DAY.isoformat(),
        "reason": "病假",
    }
    assert _client(cast.inspector).post(url, data).status_code == 403
    assert _client(cast.dispatcher).post(url, data).status_code == 302
    duty = Duty.objects.get(inspector=cast.inspector, day=DAY)
    assert duty.status == DutyStatus.ABSENT
    assert DutyChange.objects.get(duty=duty).by == cast.dispatcher


def test_an_inspector_sees_only_their_own_route(world: World, cast: Cast) -> None:
    plan, other = _planned(world, cast)
    mine = Route.objects.get(plan=plan, inspector=cast.inspector)
    theirs = Route.objects.get(plan=plan, inspector=other)
    inspector = _client(cast.inspector)
    response = inspector.get(f"/inspections/routes/{mine.pk}/")
    assert response.status_code == 200 and b'id="route-map"' in response.content
    assert inspector.get(f"/inspections/routes/{theirs.pk}/").status_code == 404
    assert inspector.get(f"/inspections/routes/{theirs.pk}/gpx/").status_code == 404
    assert _client(cast.dispatcher).get(f"/inspections/routes/{theirs.pk}/").status_code == 200
    assert _client(cast.outsider).get(f"/inspections/routes/{mine.pk}/").status_code == 404
    gpx = inspector.get(f"/inspections/routes/{mine.pk}/gpx/")
    assert gpx.status_code == 200 and gpx["Content-Type"] == "application/gpx+xml"
    assert ET.fromstring(gpx.content).tag.endswith("gpx")
