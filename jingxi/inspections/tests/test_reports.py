"""The office's reports on handmade plans and rounds."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import Cast, World
from jingxi.inspections import compliance, livemap, reports
from jingxi.inspections.models import FrequencyRule, TrackPoint
from jingxi.inspections.reports import Grouping, Period
from jingxi.inspections.tests.factories_office import (
    at,
    finding_make,
    plan_make,
    point_add,
    round_make,
)
from jingxi.org.choices import Role
from jingxi.org.models import Membership, User

DAY = dt.date(2026, 11, 18)  # a Wednesday


@pytest.fixture
def second(world: World) -> User:
    user = User.objects.create_user(
        username="inspector2", full_name="督导员小王", jurisdiction=world.jurisdiction
    )
    Membership.objects.create(user=user, unit=world.office, role=Role.INSPECTOR)
    return user


@pytest.fixture
def day_walked(world: World, cast: Cast, second: User) -> None:
    """Plan: the inspector has 青年路 west and east, the second inspector 建设路 south;
    建设路 north is unassigned. The inspector walks west, half of east and (unplanned)
    建设路 north, with one finding; the second walks nothing."""
    s = world.segments
    plan_make(
        jurisdiction=world.jurisdiction,
        day=DAY,
        items=[
            (s["qingnian-west"], cast.inspector),
            (s["qingnian-east"], cast.inspector),
            (s["jianshe-south"], second),
            (s["jianshe-north"], None),
        ],
        overdue={s["jianshe-south"].pk: 2},
    )
    rnd = round_make(
        jurisdiction=world.jurisdiction,
        inspector=cast.inspector,
        day=DAY,
        ratios={s["qingnian-west"]: 0.95, s["qingnian-east"]: 0.4, s["jianshe-north"]: 0.8},
        start=8,
        end=11,
    )
    finding_make(rnd, segment=s["qingnian-west"], category_id=world.exposed_garbage.pk)


def _by_label(report: reports.CoverageReport) -> dict[str, reports.CoverageRow]:
    return {r.label: r for r in report.rows}


def test_day_per_inspector(world: World, cast: Cast, day_walked: None) -> None:
    report = reports.coverage_report(
        jurisdiction=world.jurisdiction, period=Period.DAY, day=DAY, grouping=Grouping.INSPECTOR
    )
    rows = _by_label(report)
    me, other = rows["督导员小张"], rows["督导员小王"]
    assert (me.planned_segments, me.planned_m) == (2, 3660.0)
    assert (me.walked_segments, me.walked_m) == (1, 1830.0)
    assert (me.missed_segments, me.missed_m) == (1, 1830.0)
    # Walked in all counts the unplanned 建设路 north too.
    assert (me.all_walked_segments, me.all_walked_m) == (2, 1830.0 + 1110.0)
    assert me.findings == 1
    assert me.findings_per_km == pytest.approx(1 / 2.94)
    assert me.duty_minutes == 180
    assert (other.planned_segments, other.walked_segments, other.missed_segments) == (1, 0, 1)
    assert other.duty_minutes == 0
    # The unassigned segment is no one's plan.
    assert report.total.planned_segments == 3
    assert report.total.walked_segments == 1
    assert report.total.duty_minutes == 180


def test_day_per_township_and_road(world: World, day_walked: None) -> None:
    by_township = _by_label(
        reports.coverage_report(
            jurisdiction=world.jurisdiction, period=Period.DAY, day=DAY, grouping=Grouping.TOWNSHIP
        )
    )
    a, b = world.township_a.name, world.township_b.name
    assert (by_township[a].planned_segments, by_township[a].walked_segments) == (2, 1)
    assert (by_township[b].planned_segments, by_township[b].walked_segments) == (1, 0)
    assert by_township[b].all_walked_segments == 1  # 建设路 north, unplanned
    assert by_township[a].findings == 1
    assert by_township[a].duty_minutes is None
    by_road = _by_label(
        reports.coverage_report(
            jurisdiction=world.jurisdiction, period=Period.DAY, day=DAY, grouping=Grouping.ROAD
        )
    )
    assert (by_road["青年路"].planned_segments, by_road["青年路"].walked_m) == (2, 1830.0)
    assert (by_road["建设路"].planned_segments, by_road["建设路"].missed_segments) == (1, 1)


def test_a_segment_walked_twice_a_day_counts_once(
    world: World, cast: Cast, day_walked: None
) -> None:
    s = world.segments
    round_make(
        jurisdiction=world.jurisdiction,
        inspector=cast.inspector,
        day=DAY,
        ratios={s["qingnian-west"]: 1.0},
        start=14,
        end=15,
    )
    report = reports.coverage_report(
        jurisdiction=world.jurisdiction, period=Period.DAY, day=DAY, grouping=Grouping.INSPECTOR
    )
    me = _by_label(report)["督导员小张"]
    assert me.all_walked_segments == 2
    assert me.walked_segments == 1
    assert me.duty_minutes == 240
    assert report.total.all_walked_segments == 2


def test_periods_hold_their_days(world: World, cast: Cast, day_walked: None) -> None:
    s = world.segments
    next_week = DAY + dt.timedelta(days=7)
    plan_make(
        jurisdiction=world.jurisdiction, day=next_week, items=[(s["qingnian-west"], cast.inspector)]
    )

    def planned(period: Period, day: dt.date) -> int:
        return reports.coverage_report(
            jurisdiction=world.jurisdiction, period=period, day=day, grouping=Grouping.ROAD
        ).total.planned_segments

    assert planned(Period.WEEK, DAY) == 3
    assert planned(Period.WEEK, next_week) == 1
    assert planned(Period.MONTH, DAY) == 4
    assert planned(Period.DAY, DAY + dt.timedelta(days=1)) == 0
    assert reports.period_bounds(Period.WEEK, DAY) == (dt.date(2026, 11, 16), dt.date(2026, 11, 23))
    assert reports.period_bounds(Period.MONTH, DAY) == (dt.date(2026, 11, 1), dt.date(2026, 12, 1))


def test_gap_list(world: World, cast: Cast, second: User, day_walked: None) -> None:
    gaps = reports.gap_list(jurisdiction=world.jurisdiction, day=DAY)
    assert [(g.road, g.seq, g.inspector) for g in gaps] == [
        ("建设路", 1, "督导员小王"),
        ("青年路", 2, "督导员小张"),
    ]
    south, east = gaps
    assert south.days_overdue == 3  # 2 when planned, one more day since
    assert east.days_overdue == 1
    assert east.best_ratio == pytest.approx(0.4)
    assert east.township == world.township_b.name
    assert reports.gap_count(jurisdiction=world.jurisdiction, day=DAY) == (2, 1830.0 + 1110.0)
    later = reports.gap_list(jurisdiction=world.jurisdiction, day=DAY, today=DAY + dt.timedelta(3))
    assert later[0].days_overdue == 5
    assert reports.gap_list(jurisdiction=world.jurisdiction, day=DAY + dt.timedelta(1)) == []


def test_frequency_compliance(world: World, cast: Cast, day_walked: None) -> None:
    s = world.segments
    # 建设路 (secondary: every 2 days) north walked once in the week: 3 walks are due.
    # A rule makes 青年路 west weekly: its one walk is enough.
    FrequencyRule.objects.create(
        jurisdiction=world.jurisdiction, segment=s["qingnian-west"], every_days=7
    )
    rows = {
        r.label: r
        for r in compliance.compliance_report(
            jurisdiction=world.jurisdiction, period=Period.WEEK, day=DAY, grouping=Grouping.ROAD
        )
    }
    assert (rows["青年路"].segments, rows["青年路"].compliant) == (2, 1)
    assert rows["青年路"].behind == [("青年路 #2", 0, 7)]
    assert (rows["建设路"].segments, rows["建设路"].compliant) == (2, 0)
    assert ("建设路 #2", 1, 3) in rows["建设路"].behind
    assert compliance.required_walks(days=30, every_days=7) == 4
    assert compliance.required_walks(days=1, every_days=7) == 1


def test_coverage_map_colours(world: World, day_walked: None) -> None:
    collection = livemap.coverage_geojson(jurisdiction=world.jurisdiction, day=DAY)
    states = {
        (f["properties"]["road"], f["properties"]["seq"]): f["properties"]["state"]
        for f in collection["features"]
    }
    assert states == {
        ("青年路", 1): livemap.WALKED,
        ("青年路", 2): livemap.PARTLY,
        ("建设路", 1): livemap.MISSED,
        ("建设路", 2): livemap.EXTRA,
    }
    assert all(f["geometry"]["type"] == "LineString" for f in collection["features"])


def test_positions_only_open_rounds_last_point(world: World, cast: Cast, second: User) -> None:
    s = world.segments
    ended = round_make(jurisdiction=world.jurisdiction, inspector=second, day=DAY, ratios={}, end=9)
    point_add(ended, seq=1, lng=113.96, lat=34.71, minute=5)
    live = round_make(
        jurisdiction=world.jurisdiction,
        inspector=cast.inspector,
        day=DAY,
        ratios={s["qingnian-west"]: 0.2},
        end=None,
    )
    point_add(live, seq=1, lng=113.951, lat=34.71, minute=1)
    point_add(live, seq=2, lng=113.955, lat=34.71, minute=2)
    positions = livemap.positions_live(jurisdiction=world.jurisdiction)
    assert [(p.round_id, p.lng) for p in positions] == [(live.pk, 113.955)]
    features = livemap.positions_geojson(positions)["features"]
    assert features[0]["properties"]["inspector"] == "督导员小张"


def test_today_counts_what_open_rounds_walked_so_far(world: World, cast: Cast) -> None:
    s = world.segments
    plan_make(
        jurisdiction=world.jurisdiction,
        day=DAY,
        items=[(s["qingnian-west"], cast.inspector), (s["qingnian-east"], cast.inspector)],
    )
    live = round_make(
        jurisdiction=world.jurisdiction, inspector=cast.inspector, day=DAY, ratios={}, end=None
    )
    for i in range(41):  # along 青年路 west, every ~46 m, 20 s apart
        TrackPoint.objects.create(
            round=live,
            seq=i + 1,
            lng=113.95 + 0.0005 * i,
            lat=34.71,
            at=at(DAY, 8) + dt.timedelta(seconds=20 * i),
            accuracy_m=5,
        )
    stored = reports.coverage_report(
        jurisdiction=world.jurisdiction, period=Period.DAY, day=DAY, grouping=Grouping.INSPECTOR
    )
    assert stored.total.walked_segments == 0
    today = livemap.today_progress(jurisdiction=world.jurisdiction, day=DAY)
    me = _by_label(today)["督导员小张"]
    assert (me.walked_segments, me.walked_m) == (1, 1830.0)
    assert today.total.walked_segments == 1
    assert (me.all_walked_segments, today.total.all_walked_m) == (1, 1830.0)


def test_a_street_only_crossed_is_not_on_the_map(world: World, cast: Cast) -> None:
    s = world.segments
    plan_make(
        jurisdiction=world.jurisdiction, day=DAY, items=[(s["qingnian-west"], cast.inspector)]
    )
    round_make(
        jurisdiction=world.jurisdiction,
        inspector=cast.inspector,
        day=DAY,
        ratios={s["qingnian-west"]: 1.0, s["jianshe-south"]: 0.05},
    )
    collection = livemap.coverage_geojson(jurisdiction=world.jurisdiction, day=DAY)
    assert [f["properties"]["id"] for f in collection["features"]] == [s["qingnian-west"].pk]
