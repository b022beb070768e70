"""The demo county's history of cases: through the services, deterministic, idempotent."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jingxi.cases.choices import Action, Source, Status
from jingxi.cases.models import Case, CaseEvent
from jingxi.cases.workflow import ENDED_WITHOUT_CASE, OPEN, REQUEST_OF, TRANSITIONS
from jingxi.demo.cases import demo_cases_count, demo_cases_load
from jingxi.demo.loader import demo_county_load
from jingxi.demo.plan import REGION_CODE
from jingxi.notify.models import PENDING, Notification
from jingxi.notify.selectors import notification_unread_count
from jingxi.notify.services import outbox_drain
from jingxi.org.models import Jurisdiction, User
from jingxi.public.citizen.models import Feedback

SCALE = 0.05
COUNT = 30
NOW = dt.datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Wednesday
SCAN_ACTIONS = {"warn", "overdue", "escalate"}


@pytest.fixture
def county(db: None, settings: Any) -> Jurisdiction:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    demo_county_load(scale=SCALE, cases=False)
    return Jurisdiction.objects.get(code=REGION_CODE)


@pytest.fixture
def played(county: Jurisdiction) -> Jurisdiction:
    assert demo_cases_load(jurisdiction=county, count=COUNT, now=NOW) == COUNT
    return county


def signature(j: Jurisdiction) -> list[tuple[Any, ...]]:
    return [
        (
            c.number,
            c.status,
            c.source,
            c.category.code,
            c.description,
            c.reporter_name,
            c.unit.code if c.unit else None,
            c.reported_at,
            tuple(c.events.order_by("id").values_list("action", "at")),
        )
        for c in Case.objects.filter(jurisdiction=j)
        .select_related("category", "unit")
        .order_by("number")
    ]


def test_count_follows_scale_within_bounds() -> None:
    assert demo_cases_count(scale=1) == 400
    assert demo_cases_count(scale=10) == 2000
    assert demo_cases_count(scale=0.01) == 20


def test_every_case_went_through_the_services(played: Jurisdiction) -> None:
    cases = Case.objects.filter(jurisdiction=played)
    assert cases.count() == COUNT
    start = NOW - dt.timedelta(days=61)
    for case in cases:
        events = list(case.events.order_by("id"))
        assert events[0].action == "report"
        assert events[0].to_status == Status.REPORTED
        status = Status.REPORTED
        previous = events[0].at
        for event in events[1:]:
            assert event.at >= previous
            previous = event.at
            if event.action in SCAN_ACTIONS:
                assert event.from_status == event.to_status == status
                continue
            assert event.from_status == status
            if event.action != "file" or event.from_status != Status.REPORTED:
                assert TRANSITIONS[(Status(status), Action(event.action))] == event.to_status
            status = Status(event.to_status)
        assert status == case.status
        assert start <= case.reported_at < NOW
        assert previous <= NOW  # the scan writes at NOW, every service call before it


def test_a_mix_of_statuses_sources_and_ratings(played: Jurisdiction) -> None:
    cases = Case.objects.filter(jurisdiction=played)
    statuses = set(cases.values_list("status", flat=True))
    assert Status.CLOSED in statuses
    assert len(statuses & OPEN) >= 3
    assert len(statuses) >= 5
    assert cases.filter(status=Status.CLOSED).count() >= COUNT // 3
    assert cases.filter(status__in=ENDED_WITHOUT_CASE).count() < COUNT // 3
    sources = set(cases.values_list("source", flat=True))
    assert {Source.INSPECTOR, Source.CITIZEN_WEB, Source.HOTLINE} <= sources
    for f in Feedback.objects.filter(case__jurisdiction=played).select_related("case"):
        assert f.case.status == Status.CLOSED
        assert f.case.closed_at is not None and f.case.closed_at <= f.at < NOW


def test_the_scan_leaves_overdue_cases_and_notices_only_of_what_needs_action(
    played: Jurisdiction,
) -> None:
    overdue = Case.objects.filter(jurisdiction=played, is_overdue=True)
    assert overdue.filter(status__in=[Status.DISPATCHED, Status.HANDLING]).count() >= 2
    events = CaseEvent.objects.filter(case__jurisdiction=played)
    assert events.filter(action="overdue").exists()
    assert events.filter(action="escalate").exists()

    # Two months of notices for the demo's dispatcher (web/offers.py's login): what the
    # badge counts is only what still needs their action.
    while outbox_drain(now=NOW):
        pass
    dispatcher = User.objects.get(username="dispatcher", jurisdiction=played)
    rows = Notification.objects.filter(recipient=dispatcher)
    sent = sum(rows.values_list("count", flat=True))
    pending = list(rows.filter(PENDING))
    cases = Case.objects.in_bulk([int(n.object_id) for n in pending])
    for n in pending:
        case = cases[int(n.object_id)]
        assert case.status in OPEN, (n.kind, case.status)
        if n.kind == Action.RETURN:
            assert case.status == Status.FILED
        elif n.kind in REQUEST_OF:
            assert case.pending_request == REQUEST_OF[Action(n.kind)]
        elif n.kind in {"warn", "overdue", "escalate"}:
            assert case.stage_deadline is not None
            assert n.about.endswith(case.stage_deadline.astimezone(dt.UTC).strftime("%H%M%S%f"))
            assert case.status != Status.HANDLED  # the inspectors' clock, not theirs
        else:
            assert case.status == n.about, (n.kind, n.about, case.status)
    assert notification_unread_count(user=dispatcher) == len(pending)
    # Most of what they were told has been dealt with since (at scale 1: 85 unread
    # before, 9 now; ARCHITECTURE.md, notify).
    assert 0 < len(pending) * 2 < sent


def test_a_second_call_creates_nothing(
    played: Jurisdiction, django_assert_max_num_queries: Any
) -> None:
    before = signature(played)
    with django_assert_max_num_queries(1):
        assert demo_cases_load(jurisdiction=played, count=COUNT, now=NOW) == 0
    assert signature(played) == before


def test_same_seed_same_cases(played: Jurisdiction) -> None:
    first = signature(played)
    demo_county_load(scale=SCALE, reset=True, cases=False)
    j = Jurisdiction.objects.get(code=REGION_CODE)
    assert demo_cases_load(jurisdiction=j, count=COUNT, now=NOW) == COUNT
    assert signature(j) == first
    demo_county_load(scale=SCALE, reset=True, cases=False)
    demo_cases_load(jurisdiction=j, count=COUNT, now=NOW, seed=7)
    assert signature(j) != first


def test_loading_the_county_loads_its_cases_once(db: None, settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    summary = demo_county_load(scale=SCALE, now=NOW)
    assert sum(summary.cases.values()) == demo_cases_count(scale=SCALE)
    assert "演示案卷" in summary.message
    again = demo_county_load(scale=SCALE, now=NOW)
    assert not again.loaded
    # The demo's inspection rounds file a few findings of their own.
    assert Case.objects.filter(finding__isnull=True).count() == demo_cases_count(scale=SCALE)
