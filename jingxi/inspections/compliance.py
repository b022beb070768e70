"""Frequency compliance: per segment of the period's plans, the days it was walked
against the walks its frequency requires in the period, `max(1, days // every_days)`
(the frequency by the one rule of `frequencies.py`). Two aggregate queries (the
segments, their walked days) and one pass over their rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count

from jingxi.inspections.frequencies import every_days_for
from jingxi.inspections.models import FrequencyRule, InspectionSettings, PlanItem
from jingxi.inspections.reports import Grouping, Period, labels_of, period_bounds, walks_in
from jingxi.org.models import Jurisdiction
from jingxi.places.models import Segment


def segment_frequencies(
    *, jurisdiction: Jurisdiction, segment_ids: Iterable[int]
) -> dict[int, int]:
    """Each segment's required frequency in days, by the one rule of `frequencies.py`."""
    ids = list(segment_ids)
    by_grade = (
        InspectionSettings.objects.filter(jurisdiction=jurisdiction)
        .values_list("every_days_by_grade", flat=True)
        .first()
    ) or {}
    rules = FrequencyRule.objects.filter(jurisdiction=jurisdiction)
    segment_rules = dict(rules.filter(segment_id__in=ids).values_list("segment_id", "every_days"))
    road_rules = dict(rules.filter(road__isnull=False).values_list("road_id", "every_days"))
    return {
        sid: every_days_for(
            segment_id=sid,
            road_id=road_id,
            grade=grade,
            segment_rules=segment_rules,
            road_rules=road_rules,
            by_grade=by_grade,
        )
        for sid, road_id, grade in Segment.objects.filter(pk__in=ids).values_list(
            "pk", "road_id", "road__grade"
        )
    }


@dataclass
class ComplianceRow:
    key: int | None
    label: str
    segments: int = 0
    compliant: int = 0
    behind: list[tuple[str, int, int]] = field(default_factory=list)  # (segment, walks, due)

    @property
    def rate(self) -> float | None:
        return self.compliant / self.segments if self.segments else None


def required_walks(*, days: int, every_days: int) -> int:
    """The walks a period of `days` requires of a segment due every `every_days`."""
    return max(1, days // max(1, every_days))


def compliance_report(
    *, jurisdiction: Jurisdiction, period: Period, day: dt.date, grouping: Grouping
) -> list[ComplianceRow]:
    """Per township or road (an inspector grouping reads by township): the segments of
    the period's plans, how many were walked as often as their frequency requires."""
    start, end = period_bounds(period, day)
    days = (end - start).days
    segment_ids = set(
        PlanItem.objects.filter(
            plan__jurisdiction=jurisdiction, plan__day__gte=start, plan__day__lt=end
        )
        .values_list("segment_id", flat=True)
        .distinct()
    )
    walks = dict(
        walks_in(jurisdiction, start, end)
        .filter(segment_id__in=segment_ids)
        .values("segment_id")
        .annotate(days=Count("round__day", distinct=True))
        .order_by()
        .values_list("segment_id", "days")
    )
    every = segment_frequencies(jurisdiction=jurisdiction, segment_ids=segment_ids)
    key = "road_id" if grouping == Grouping.ROAD else "township_id"
    by_group = Grouping.ROAD if grouping == Grouping.ROAD else Grouping.TOWNSHIP
    rows: dict[int | None, ComplianceRow] = {}
    segments = (
        Segment.objects.filter(pk__in=segment_ids)
        .order_by("road__name", "seq")
        .values_list("pk", key, "road__name", "seq")
    )
    for sid, group, road, seq in segments:
        row = rows.setdefault(group, ComplianceRow(key=group, label=""))
        due = required_walks(days=days, every_days=every.get(sid, 1))
        done = walks.get(sid, 0)
        row.segments += 1
        if done >= due:
            row.compliant += 1
        else:
            row.behind.append((f"{road} #{seq}", done, due))
    labels = labels_of(by_group, rows)
    for k, r in rows.items():
        r.label = labels.get(k, "")
    return sorted(rows.values(), key=lambda r: (r.key is None, r.label))
