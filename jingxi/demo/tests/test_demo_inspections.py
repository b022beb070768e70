"""The demo county's daily inspection: through the services, deterministic, with gaps."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jingxi.demo.inspections import HISTORY_DAYS, demo_inspections_days, demo_inspections_load
from jingxi.demo.loader import demo_county_load
from jingxi.demo.plan import REGION_CODE
from jingxi.inspections import reports
from jingxi.inspections.choices import DutyStatus, RoundStatus
from jingxi.inspections.models import (
    AreaAssignment,
    Duty,
    Inspector,
    Plan,
    Round,
    RoundSegment,
    Route,
    ScopeGrid,
    TrackPoint,
)
from jingxi.inspections.reports import Grouping, Period
from jingxi.org.models import Jurisdiction

SCALE = 0.05
NOW = dt.datetime(2026, 11, 25, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Wednesday


@pytest.fixture
def county(db: None, settings: Any) -> Jurisdiction:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_county_load(scale=SCALE, cases=False)
    return Jurisdiction.objects.get(code=REGION_CODE)


def _signature(j: Jurisdiction) -> list[tuple[Any, ...]]:
    return list(
        RoundSegment.objects.filter(round__jurisdiction=j)
        .order_by("round__day", "round__inspector__username", "segment_id")
        .values_list("round__day", "round__inspector__username", "segment_id", "walked")
    )


def test_two_weeks_of_inspection(county: Jurisdiction) -> None:
    loaded = demo_inspections_load(jurisdiction=county, now=NOW)
    today = NOW.date()
    assert loaded.plans == HISTORY_DAYS + 1
    assert Plan.objects.filter(jurisdiction=county).count() == HISTORY_DAYS + 1
    assert ScopeGrid.objects.filter(jurisdiction=county).exists()
    assert AreaAssignment.objects.filter(jurisdiction=county).exists()
    assert Inspector.objects.filter(jurisdiction=county).count() >= 4
    assert Duty.objects.filter(jurisdiction=county, status=DutyStatus.ABSENT).count() == 1
    assert Route.objects.filter(plan__jurisdiction=county).count() == loaded.routes > 0
    ended = Round.objects.filter(jurisdiction=county, status=RoundStatus.ENDED)
    assert ended.count() > HISTORY_DAYS
    assert TrackPoint.objects.filter(round__jurisdiction=county).count() == loaded.points
    # Today's rounds are under way, except the first demo login's.
    open_rounds = Round.objects.filter(jurisdiction=county, status=RoundStatus.OPEN)
    assert open_rounds.exists()
    assert all(r.day == today for r in open_rounds)
    assert not open_rounds.filter(inspector__username="inspector").exists()
    # The office's reports have something real: most planned km walked, a few gaps.
    week = reports.coverage_report(
        jurisdiction=county,
        period=Period.WEEK,
        day=today - dt.timedelta(days=3),
        grouping=Grouping.INSPECTOR,
    )
    assert week.total.planned_m > 0
    assert 0.6 < (week.total.coverage or 0) < 1.0
    gaps = sum(
        reports.gap_count(jurisdiction=county, day=today - dt.timedelta(days=d))[0]
        for d in range(1, HISTORY_DAYS)
    )
    assert gaps > 0
    # The plans cover their scope once the first day's backlog is walked.
    later = Plan.objects.filter(jurisdiction=county, day__gt=today - dt.timedelta(days=7))
    assert all(p.assigned_m >= 0.95 * p.due_m for p in later)


def test_same_seed_same_rounds(county: Jurisdiction) -> None:
    demo_inspections_load(jurisdiction=county, now=NOW)
    first = _signature(county)
    assert first
    assert demo_inspections_load(jurisdiction=county, now=NOW).plans == 0  # loaded once
    demo_county_load(scale=SCALE, reset=True, cases=False)
    j = Jurisdiction.objects.get(code=REGION_CODE)
    demo_inspections_load(jurisdiction=j, now=NOW)
    second = _signature(j)
    # Segment ids change with the reload; the walks per day and inspector do not.
    assert [(d, u, w) for d, u, _s, w in second] == [(d, u, w) for d, u, _s, w in first]


def test_the_loader_loads_inspection_with_the_cases(db: None, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    summary = demo_county_load(scale=SCALE, now=NOW)
    j = Jurisdiction.objects.get(pk=summary.jurisdiction_id)
    days = demo_inspections_days(scale=SCALE)
    assert Plan.objects.filter(jurisdiction=j).count() == days + 1
    assert RoundSegment.objects.filter(round__jurisdiction=j, walked=True).exists()
    assert demo_inspections_days(scale=1) == HISTORY_DAYS
