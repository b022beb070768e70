"""The office's pages: who may open them, and what positions show."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import Cast, World
from jingxi.inspections.tests.factories_office import plan_make, point_add, round_make
from jingxi.org.choices import Role
from jingxi.org.models import Membership, Unit, User

READ_PAGES = (
    "inspections:overview",
    "inspections:coverage",
    "inspections:coverage-export",
    "inspections:coverage-map",
    "inspections:coverage-geojson",
    "inspections:gaps",
)
POSITION_PAGES = ("inspections:positions", "inspections:positions-data")


def _get(client: Client, user: User, name: str, query: str = "") -> int:
    client.force_login(user)
    return client.get(reverse(name) + query).status_code


@pytest.mark.parametrize("name", READ_PAGES)
def test_readers_open_the_reports(client: Client, cast: Cast, name: str) -> None:
    for user in (cast.dispatcher, cast.leader, cast.inspector):
        assert _get(client, user, name) == 200, user
    for user in (cast.handler_a, cast.road_chief, cast.operator, cast.citizen):
        assert _get(client, user, name) == 404, user


@pytest.mark.parametrize("name", POSITION_PAGES)
def test_positions_only_to_the_office(client: Client, cast: Cast, name: str) -> None:
    for user in (cast.dispatcher, cast.leader):
        assert _get(client, user, name) == 200, user
    # An inspector reads the reports, never the others' positions.
    for user in (cast.inspector, cast.handler_a, cast.citizen):
        assert _get(client, user, name) == 404, user


def test_anonymous_logs_in(client: Client, world: World) -> None:
    response = client.get(reverse("inspections:positions-data"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_positions_show_open_rounds_only(client: Client, world: World, cast: Cast) -> None:
    today = timezone.localdate()
    ended = round_make(
        jurisdiction=world.jurisdiction, inspector=cast.road_chief, day=today, ratios={}, end=9
    )
    point_add(ended, seq=1, lng=113.96, lat=34.71, minute=1)
    live = round_make(
        jurisdiction=world.jurisdiction, inspector=cast.inspector, day=today, ratios={}, end=None
    )
    point_add(live, seq=1, lng=113.952, lat=34.711, minute=1)
    client.force_login(cast.dispatcher)
    data = client.get(reverse("inspections:positions-data")).json()
    assert [f["geometry"]["coordinates"] for f in data["features"]] == [[113.952, 34.711]]
    # Once ended, the position is gone.
    live.status, live.ended_at = "ended", timezone.now()
    live.save()
    data = client.get(reverse("inspections:positions-data")).json()
    assert data["features"] == []


def test_other_county_sees_its_own_only(client: Client, world: World, cast: Cast) -> None:
    today = timezone.localdate()
    live = round_make(
        jurisdiction=world.jurisdiction, inspector=cast.inspector, day=today, ratios={}, end=None
    )
    point_add(live, seq=1, lng=113.952, lat=34.711, minute=1)

    outsider = cast.outsider
    assert outsider.jurisdiction is not None
    unit = Unit.objects.create(jurisdiction=outsider.jurisdiction, code="X1", name="外县精细办")
    Membership.objects.create(user=outsider, unit=unit, role=Role.DISPATCHER)
    client.force_login(outsider)
    assert client.get(reverse("inspections:positions-data")).json()["features"] == []


def test_pages_show_the_day(client: Client, world: World, cast: Cast) -> None:
    day = dt.date(2026, 11, 18)
    s = world.segments
    plan_make(
        jurisdiction=world.jurisdiction,
        day=day,
        items=[(s["qingnian-west"], cast.inspector), (s["qingnian-east"], cast.inspector)],
    )
    round_make(
        jurisdiction=world.jurisdiction,
        inspector=cast.inspector,
        day=day,
        ratios={s["qingnian-west"]: 1.0},
    )
    client.force_login(cast.dispatcher)
    gaps = client.get(reverse("inspections:gaps") + "?day=2026-11-18")
    assert f'data-segment="{s["qingnian-east"].pk}"' in gaps.text
    assert f'data-segment="{s["qingnian-west"].pk}"' not in gaps.text
    coverage = client.get(
        reverse("inspections:coverage") + "?day=2026-11-18&period=week&group=road"
    )
    assert "青年路" in coverage.text
    export = client.get(
        reverse("inspections:coverage-export") + "?day=2026-11-18&period=day&group=inspector"
    )

    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert values[0][:5] == ["督导员小张", 2, 3.66, 1, 1.83]
    geo = client.get(reverse("inspections:coverage-geojson") + "?day=2026-11-18").json()
    assert len(geo["features"]) == 2
    bad = client.get(reverse("inspections:coverage") + "?day=nonsense&period=year&group=x")
    assert bad.status_code == 200


def test_positions_tab_only_for_whom_may_see_them(client: Client, cast: Cast) -> None:
    link = reverse("inspections:positions")
    client.force_login(cast.dispatcher)
    assert link in client.get(reverse("inspections:gaps")).text
    client.force_login(cast.inspector)
    assert link not in client.get(reverse("inspections:gaps")).text
    assert link not in client.get(reverse("inspections:overview")).text
