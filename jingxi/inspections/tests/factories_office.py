"""Handmade plans and rounds for the office's tests (reports, gap list, maps).

Rows are written directly: these tests check what the reports read, not how the
services write (the `plans` and `rounds` tests do that)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence

from django.utils import timezone

from jingxi.cases.choices import Source
from jingxi.cases.services import case_report
from jingxi.inspections.choices import RoundStatus, TravelMode
from jingxi.inspections.models import (
    Plan,
    PlanItem,
    Round,
    RoundFinding,
    RoundSegment,
    TrackPoint,
)
from jingxi.org.models import Jurisdiction, User
from jingxi.places.models import Segment


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def plan_make(
    *,
    jurisdiction: Jurisdiction,
    day: dt.date,
    items: Sequence[tuple[Segment, User | None]],
    overdue: Mapping[int, int] | None = None,
) -> Plan:
    plan = Plan.objects.create(jurisdiction=jurisdiction, day=day, generated_at=at(day, 6))
    PlanItem.objects.bulk_create(
        PlanItem(
            plan=plan,
            segment=segment,
            inspector=inspector,
            length_m=segment.length_m,
            days_overdue=(overdue or {}).get(segment.pk, 0),
        )
        for segment, inspector in items
    )
    return plan


def round_make(
    *,
    jurisdiction: Jurisdiction,
    inspector: User,
    day: dt.date,
    ratios: Mapping[Segment, float],
    start: int = 8,
    end: int | None = 10,
    cover_ratio: float = 0.7,
) -> Round:
    """A round of the day from `start` to `end` o'clock (None: still open) that covered
    each segment by its ratio."""
    rnd = Round.objects.create(
        jurisdiction=jurisdiction,
        inspector=inspector,
        client_id=uuid.uuid4(),
        day=day,
        travel_mode=TravelMode.FOOT,
        status=RoundStatus.ENDED if end is not None else RoundStatus.OPEN,
        started_at=at(day, start),
        ended_at=at(day, end) if end is not None else None,
        last_point_at=at(day, start, 30),
    )
    RoundSegment.objects.bulk_create(
        RoundSegment(
            round=rnd,
            segment=segment,
            covered_m=segment.length_m * ratio,
            ratio=ratio,
            walked=ratio >= cover_ratio,
        )
        for segment, ratio in ratios.items()
    )
    return rnd


def point_add(rnd: Round, *, seq: int, lng: float, lat: float, minute: int) -> TrackPoint:
    return TrackPoint.objects.create(
        round=rnd, seq=seq, lng=lng, lat=lat, at=at(rnd.day, 8, minute), accuracy_m=5
    )


def finding_make(rnd: Round, *, segment: Segment | None, category_id: int) -> RoundFinding:
    case = case_report(
        jurisdiction=rnd.jurisdiction,
        category=category_id,
        lng=113.96,
        lat=34.71,
        description="巡查发现：路面有暴露垃圾",
        source=Source.CITIZEN_WEB,
    )
    return RoundFinding.objects.create(
        round=rnd, client_id=uuid.uuid4(), case=case, segment=segment, at=rnd.started_at
    )
