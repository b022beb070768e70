"""The office's reads of daily inspection: coverage, frequency compliance, the gap list.

Every figure is an aggregate query (grouped in the database), never a query per row:

- **planned**: the plan items of the period's plans that went to an inspector;
- **walked** (of the planned): a planned segment walked that day, by any round of the
  jurisdiction (`RoundSegment.walked` of a round whose `day` is the plan's day);
- **missed**: planned and not walked;
- **walked in all**: the segments the group's rounds walked, counted once per day (a
  segment walked twice in a day counts once), planned or not;
- **cases per km**: the rounds' findings (`RoundFinding`) per km walked in all;
- **time on duty**: the rounds' durations (start to end; an open round to its last
  point), per inspector only.

Frequency compliance is `compliance.py`'s.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from jingxi.indicators.registry import Value as IndicatorValue
from jingxi.inspections.models import (
    InspectionSettings,
    PlanItem,
    Round,
    RoundFinding,
    RoundSegment,
)
from jingxi.org.models import Jurisdiction, User
from jingxi.places.models import Road, Township

#: The default share of a segment's length a round must cover (the settings' default).
DEFAULT_COVER_RATIO = 0.7


class Period(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class Grouping(enum.StrEnum):
    INSPECTOR = "inspector"
    TOWNSHIP = "township"
    ROAD = "road"


PERIOD_LABELS: Mapping[Period, Any] = {
    Period.DAY: _("日"),
    Period.WEEK: _("周"),
    Period.MONTH: _("月"),
}
GROUPING_LABELS: Mapping[Grouping, Any] = {
    Grouping.INSPECTOR: _("督导员"),
    Grouping.TOWNSHIP: _("乡镇/街道"),
    Grouping.ROAD: _("道路"),
}


def period_bounds(period: Period, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period holding `day`: [first day, first day after). Weeks start on Monday."""
    if period == Period.DAY:
        return day, day + dt.timedelta(days=1)
    if period == Period.WEEK:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=7)
    start = day.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


# --- building blocks ------------------------------------------------------------------


def walked_that_day(jurisdiction_id: int) -> Exists:
    """For a PlanItem row: the planned segment was walked on the plan's day."""
    return Exists(
        RoundSegment.objects.filter(
            walked=True,
            segment_id=OuterRef("segment_id"),
            round__day=OuterRef("plan__day"),
            round__jurisdiction_id=jurisdiction_id,
        )
    )


def planned_items(jurisdiction: Jurisdiction, start: dt.date, end: dt.date) -> QuerySet[PlanItem]:
    return PlanItem.objects.filter(
        plan__jurisdiction=jurisdiction,
        plan__day__gte=start,
        plan__day__lt=end,
        inspector__isnull=False,
    )


def walks_in(jurisdiction: Jurisdiction, start: dt.date, end: dt.date) -> QuerySet[RoundSegment]:
    return RoundSegment.objects.filter(
        walked=True,
        round__jurisdiction=jurisdiction,
        round__day__gte=start,
        round__day__lt=end,
    )


_PLAN_KEY: Mapping[Grouping, str] = {
    Grouping.INSPECTOR: "inspector_id",
    Grouping.TOWNSHIP: "segment__township_id",
    Grouping.ROAD: "segment__road_id",
}
_WALK_KEY: Mapping[Grouping, str] = {
    Grouping.INSPECTOR: "round__inspector_id",
    Grouping.TOWNSHIP: "segment__township_id",
    Grouping.ROAD: "segment__road_id",
}
_FINDING_KEY: Mapping[Grouping, str] = _WALK_KEY


@dataclass
class CoverageRow:
    """One group's figures for a period (lengths in metres)."""

    key: int | None
    label: str
    planned_segments: int = 0
    planned_m: float = 0.0
    walked_segments: int = 0
    walked_m: float = 0.0
    all_walked_segments: int = 0
    all_walked_m: float = 0.0
    findings: int = 0
    duty_minutes: int | None = None

    @property
    def missed_segments(self) -> int:
        return self.planned_segments - self.walked_segments

    @property
    def missed_m(self) -> float:
        return self.planned_m - self.walked_m

    @property
    def planned_km(self) -> float:
        return self.planned_m / 1000

    @property
    def walked_km(self) -> float:
        return self.walked_m / 1000

    @property
    def missed_km(self) -> float:
        return self.missed_m / 1000

    @property
    def all_walked_km(self) -> float:
        return self.all_walked_m / 1000

    @property
    def coverage_percent(self) -> float | None:
        """Walked of planned length in percent, by the registry's one rate (whole metres)."""
        return IndicatorValue(round(self.walked_m), round(self.planned_m)).value

    @property
    def duty_hours(self) -> float | None:
        return self.duty_minutes / 60 if self.duty_minutes is not None else None

    @property
    def coverage(self) -> float | None:
        """Walked of planned length, 0–1 (None when nothing was planned)."""
        return self.walked_m / self.planned_m if self.planned_m else None

    @property
    def findings_per_km(self) -> float | None:
        return self.findings / (self.all_walked_m / 1000) if self.all_walked_m else None


@dataclass
class CoverageReport:
    period: Period
    grouping: Grouping
    start: dt.date
    end: dt.date
    rows: list[CoverageRow]
    total: CoverageRow


def labels_of(grouping: Grouping, keys: Iterable[int | None]) -> dict[int | None, str]:
    ids = [k for k in keys if k is not None]
    labels: dict[int | None, str] = {None: str(_("（未关联）"))}
    if grouping == Grouping.INSPECTOR:
        for pk, name, username in User.objects.filter(pk__in=ids).values_list(
            "pk", "full_name", "username"
        ):
            labels[pk] = name or username
    elif grouping == Grouping.TOWNSHIP:
        labels.update(Township.objects.filter(pk__in=ids).values_list("pk", "name"))
    else:
        labels.update(Road.objects.filter(pk__in=ids).values_list("pk", "name"))
    return labels


def _planned_by(
    jurisdiction: Jurisdiction, start: dt.date, end: dt.date, key: str | None
) -> list[dict[str, Any]]:
    items = planned_items(jurisdiction, start, end).annotate(done=walked_that_day(jurisdiction.pk))
    figures = {
        "n": Count("pk"),
        "m": Coalesce(Sum("length_m"), Value(0.0)),
        "walked_n": Count("pk", filter=Q(done=True)),
        "walked_m": Coalesce(Sum("length_m", filter=Q(done=True)), Value(0.0)),
    }
    if key is None:
        return [{"key": None, **items.aggregate(**figures)}]
    return list(items.values(key=F(key)).annotate(**figures).order_by())


def _walked_by(
    jurisdiction: Jurisdiction, start: dt.date, end: dt.date, key: str | None
) -> list[dict[str, Any]]:
    """Walked segments counted once per day (and per group): a walk counts when no
    walk of the same segment, day (and group) has a smaller id."""
    same = RoundSegment.objects.filter(
        walked=True,
        segment_id=OuterRef("segment_id"),
        round__day=OuterRef("round__day"),
        round__jurisdiction_id=jurisdiction.pk,
        pk__lt=OuterRef("pk"),
    )
    if key is not None:
        same = same.filter(**{key: OuterRef(key)})
    walks = walks_in(jurisdiction, start, end).filter(~Exists(same))
    figures = {
        "n": Count("pk"),
        "m": Coalesce(Sum("segment__length_m"), Value(0.0)),
    }
    if key is None:
        return [{"key": None, **walks.aggregate(**figures)}]
    return list(walks.values(key=F(key)).annotate(**figures).order_by())


def _findings_by(
    jurisdiction: Jurisdiction, start: dt.date, end: dt.date, key: str | None
) -> dict[int | None, int]:
    findings = RoundFinding.objects.filter(
        round__jurisdiction=jurisdiction, round__day__gte=start, round__day__lt=end
    )
    if key is None:
        return {None: findings.count()}
    rows = findings.values(key=F(key)).annotate(n=Count("pk")).order_by()
    return {r["key"]: r["n"] for r in rows}


def _duty_minutes_by(
    jurisdiction: Jurisdiction, start: dt.date, end: dt.date, *, per_inspector: bool
) -> dict[int | None, int]:
    """Minutes on rounds: start to end (an open round: to its last point)."""
    duration = ExpressionWrapper(
        Coalesce("ended_at", "last_point_at", "started_at") - F("started_at"),
        output_field=DurationField(),
    )
    rounds = Round.objects.filter(jurisdiction=jurisdiction, day__gte=start, day__lt=end)
    if not per_inspector:
        total = rounds.aggregate(d=Sum(duration))["d"]
        return {None: int(total.total_seconds() // 60) if total else 0}
    rows = rounds.values(key=F("inspector_id")).annotate(d=Sum(duration)).order_by()
    return {r["key"]: int(r["d"].total_seconds() // 60) if r["d"] else 0 for r in rows}


def _fold(
    grouping: Grouping,
    planned: Sequence[dict[str, Any]],
    walked: Sequence[dict[str, Any]],
    findings: Mapping[int | None, int],
    minutes: Mapping[int | None, int] | None,
) -> dict[int | None, CoverageRow]:
    rows: dict[int | None, CoverageRow] = {}

    def row(key: int | None) -> CoverageRow:
        if key not in rows:
            rows[key] = CoverageRow(key=key, label="")
            if minutes is not None:
                rows[key].duty_minutes = 0
        return rows[key]

    for p in planned:
        r = row(p["key"])
        r.planned_segments, r.planned_m = p["n"], p["m"]
        r.walked_segments, r.walked_m = p["walked_n"], p["walked_m"]
    for w in walked:
        r = row(w["key"])
        r.all_walked_segments, r.all_walked_m = w["n"], w["m"]
    for key, n in findings.items():
        row(key).findings = n
    for key, m in (minutes or {}).items():
        row(key).duty_minutes = m
    return rows


def coverage_report(
    *, jurisdiction: Jurisdiction, period: Period, day: dt.date, grouping: Grouping
) -> CoverageReport:
    """The period's coverage holding `day`, one row per inspector, township or road."""
    start, end = period_bounds(period, day)
    key = _PLAN_KEY[grouping]
    per_inspector = grouping == Grouping.INSPECTOR
    rows = _fold(
        grouping,
        _planned_by(jurisdiction, start, end, key),
        _walked_by(jurisdiction, start, end, _WALK_KEY[grouping]),
        _findings_by(jurisdiction, start, end, _FINDING_KEY[grouping]),
        _duty_minutes_by(jurisdiction, start, end, per_inspector=True) if per_inspector else None,
    )
    labels = labels_of(grouping, rows)
    for k, r in rows.items():
        r.label = labels.get(k, "")
    total = _fold(
        grouping,
        _planned_by(jurisdiction, start, end, None),
        _walked_by(jurisdiction, start, end, None),
        _findings_by(jurisdiction, start, end, None),
        _duty_minutes_by(jurisdiction, start, end, per_inspector=False),
    ).get(None, CoverageRow(key=None, label=""))
    total.label = str(_("合计"))
    ordered = sorted(rows.values(), key=lambda r: (r.key is None, r.label))
    return CoverageReport(period, grouping, start, end, ordered, total)


# --- the gap list ---------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """A segment planned for an inspector on a day and not walked that day."""

    segment_id: int
    road: str
    seq: int
    from_street: str
    to_street: str
    township: str
    inspector_id: int
    inspector: str
    length_m: float
    best_ratio: float
    days_overdue: int


def gap_list(
    *, jurisdiction: Jurisdiction, day: dt.date, today: dt.date | None = None
) -> list[Gap]:
    """The day's planned segments not walked that day, in one query.

    Days overdue: the plan's days overdue for the segment, plus the days since `day`
    (the day after it by default: the morning list of yesterday's misses).
    """
    since = ((today or day + dt.timedelta(days=1)) - day).days
    best = (
        RoundSegment.objects.filter(
            segment_id=OuterRef("segment_id"),
            round__day=day,
            round__jurisdiction_id=jurisdiction.pk,
        )
        .values("segment_id")
        .annotate(best=Max("ratio"))
        .values("best")
    )
    rows = (
        planned_items(jurisdiction, day, day + dt.timedelta(days=1))
        .annotate(done=walked_that_day(jurisdiction.pk))
        .filter(done=False)
        .annotate(best=Coalesce(Subquery(best, output_field=FloatField()), Value(0.0)))
        .order_by("-days_overdue", "inspector__full_name", "segment__road__name", "segment__seq")
        .values_list(
            "segment_id",
            "segment__road__name",
            "segment__seq",
            "segment__from_street",
            "segment__to_street",
            "segment__township__name",
            "inspector_id",
            "inspector__full_name",
            "inspector__username",
            "length_m",
            "best",
            "days_overdue",
        )
    )
    return [
        Gap(
            segment_id=sid,
            road=road,
            seq=seq,
            from_street=f,
            to_street=t,
            township=township or "",
            inspector_id=iid,
            inspector=name or username,
            length_m=length,
            best_ratio=best_ratio,
            days_overdue=overdue + since,
        )
        for sid, road, seq, f, t, township, iid, name, username, length, best_ratio, overdue in rows
    ]


def gap_count(*, jurisdiction: Jurisdiction, day: dt.date) -> tuple[int, float]:
    """How many planned segments of the day were not walked, and their length (m)."""
    figures = (
        planned_items(jurisdiction, day, day + dt.timedelta(days=1))
        .annotate(done=walked_that_day(jurisdiction.pk))
        .filter(done=False)
        .aggregate(n=Count("pk"), m=Coalesce(Sum("length_m"), Value(0.0)))
    )
    return figures["n"], figures["m"]


def cover_ratio_of(jurisdiction: Jurisdiction) -> float:
    """The jurisdiction's cover ratio (the default without settings)."""
    ratio = (
        InspectionSettings.objects.filter(jurisdiction=jurisdiction)
        .values_list("cover_ratio", flat=True)
        .first()
    )
    return float(ratio) if ratio is not None else DEFAULT_COVER_RATIO
