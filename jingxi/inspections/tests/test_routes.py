"""Routes on the conftest world's network, and their GPX."""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from conftest import Cast, World
from jingxi.cases.choices import Status
from jingxi.cases.models import Case
from jingxi.cases.tests.factories import CaseFactory
from jingxi.inspections.gpx import GPX_NS, route_gpx
from jingxi.inspections.models import Plan, Route
from jingxi.inspections.planning import route_waypoints
from jingxi.inspections.roster import roster_fill
from jingxi.inspections.routes import nearest_next_route_m, plan_make
from jingxi.inspections.tasks import plan_tomorrow
from jingxi.inspections.tests.factories import InspectorFactory, RouteStartFactory
from jingxi.org.models import User
from jingxi.org.tests.factories import UserFactory

DAY = dt.date(2026, 6, 10)
pytestmark = pytest.mark.django_db


def _one_inspector(world: World) -> User:
    user: User = UserFactory(jurisdiction=world.jurisdiction)
    start = RouteStartFactory(jurisdiction=world.jurisdiction, lng=113.95, lat=34.71)
    InspectorFactory(
        jurisdiction=world.jurisdiction, user=user, start=start, capacity_km=Decimal("20")
    )
    roster_fill(jurisdiction=world.jurisdiction, inspectors=[user], start=DAY, end=DAY)
    return user


def test_route_walks_every_assigned_segment_from_and_back_to_the_start(world: World) -> None:
    user = _one_inspector(world)
    plan = plan_make(jurisdiction=world.jurisdiction, day=DAY, by=None, reason="test")
    route = Route.objects.get(plan=plan, inspector=user)
    walked = [s["id"] for s in route.stops if s["kind"] == "segment"]
    assert sorted(walked) == sorted(s.pk for s in world.segments.values())
    # The network is a cross of four dead ends: the shortest closed walk takes each arm
    # there and back.
    assert route.length_m == pytest.approx(2 * route.required_m, abs=0.5)
    coords = route.geometry["coordinates"]
    assert route.geometry["type"] == "LineString"
    assert coords[0] == pytest.approx(coords[-1], abs=1e-5)
    assert coords[0] == pytest.approx([113.95, 34.71], abs=1e-4)
    assert route.minutes == round(route.length_m / 4000 * 60)
    assert nearest_next_route_m(plan=plan)[user.pk] >= route.length_m - 0.5


def test_route_passes_pending_checks_near_its_segments(world: World, cast: Cast) -> None:
    user = _one_inspector(world)
    case = CaseFactory(
        jurisdiction=world.jurisdiction, category=world.exposed_garbage, lng=113.97, lat=34.7195
    )
    Case.objects.filter(pk=case.pk).update(status=Status.CHECKING)
    plan = plan_make(jurisdiction=world.jurisdiction, day=DAY, by=None, reason="test")
    route = Route.objects.get(plan=plan, inspector=user)
    assert {"kind": "case", "id": case.pk, "number": case.number} in route.stops
    root = ET.fromstring(route_gpx(route=route, name="x", waypoints=route_waypoints(route)))
    (wpt,) = root.findall(f"{{{GPX_NS}}}wpt")
    assert float(wpt.get("lat", "")) == pytest.approx(34.7195)
    assert case.number in (wpt.findtext(f"{{{GPX_NS}}}name") or "")


def test_gpx_of_a_route_parses_with_its_points(world: World) -> None:
    user = _one_inspector(world)
    plan = plan_make(jurisdiction=world.jurisdiction, day=DAY, by=None, reason="test")
    route = Route.objects.get(plan=plan, inspector=user)
    root = ET.fromstring(route_gpx(route=route, name="测试路线"))
    assert root.tag == f"{{{GPX_NS}}}gpx"
    points = root.findall(f".//{{{GPX_NS}}}trkpt")
    assert len(points) == len(route.geometry["coordinates"])
    first = route.geometry["coordinates"][0]
    assert float(points[0].get("lon", "")) == pytest.approx(first[0])
    assert float(points[0].get("lat", "")) == pytest.approx(first[1])


def test_the_command_plans_a_day_with_routes(world: World) -> None:
    user = _one_inspector(world)
    out = io.StringIO()
    call_command("inspection_plan", day=DAY.isoformat(), jurisdiction="410122", stdout=out)
    plan = Plan.objects.get(jurisdiction=world.jurisdiction, day=DAY)
    assert Route.objects.filter(plan=plan, inspector=user).exists()
    assert "路线 1 条" in out.getvalue()


def test_the_evening_job_plans_tomorrow_where_someone_is_on_duty(world: World) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    user: User = UserFactory(jurisdiction=world.jurisdiction)
    roster_fill(jurisdiction=world.jurisdiction, inspectors=[user], start=tomorrow, end=tomorrow)
    assert plan_tomorrow.call_local() == 1
    assert Plan.objects.filter(jurisdiction=world.jurisdiction, day=tomorrow).exists()
