"""The office's live view of daily inspection: today's progress with the open rounds,
a day's coverage map and the live positions.

`coverage_geojson` colours each segment of a day by what the rounds proved of it:
walked (a round covered it), partly walked (planned; the best round covered more than
nothing and less than the cover ratio), missed (planned, not covered at all), and walked
though not planned (a street only crossed is not shown). One query: the segments planned
or walked that day, with their best ratio.

`positions_live` is personal data (a staff member's position): the caller checks
`Perm.POSITIONS`; it reads only rounds open now, and only each one's last kept point.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, FloatField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from jingxi.inspections import reports
from jingxi.inspections.choices import RoundStatus
from jingxi.inspections.models import PlanItem, Round, RoundSegment, TrackPoint
from jingxi.inspections.reports import cover_ratio_of
from jingxi.inspections.selectors import round_coverage_measure
from jingxi.org.models import Jurisdiction
from jingxi.places.models import Segment

# --- today's progress ----------------------------------------------------------------


def today_progress(*, jurisdiction: Jurisdiction, day: dt.date) -> reports.CoverageReport:
    """The day's coverage per inspector, with what the open rounds walked so far.

    An open round stores its coverage when it ends; until then it is measured from its
    points (`selectors.round_coverage_measure`, one track read per open round: an
    inspector has at most one open round, so at most one per inspector on duty).
    """
    report = reports.coverage_report(
        jurisdiction=jurisdiction,
        period=reports.Period.DAY,
        day=day,
        grouping=reports.Grouping.INSPECTOR,
    )
    rounds = list(Round.objects.filter(jurisdiction=jurisdiction, day=day, status=RoundStatus.OPEN))
    if not rounds:
        return report
    planned = dict(
        reports.planned_items(jurisdiction, day, day + dt.timedelta(days=1)).values_list(
            "segment_id", "inspector_id"
        )
    )
    stored = set(
        RoundSegment.objects.filter(
            walked=True, round__jurisdiction=jurisdiction, round__day=day
        ).values_list("segment_id", "round__inspector_id")
    )
    walked = {
        (c.segment_id, rnd.inspector_id)
        for rnd in rounds
        for c in round_coverage_measure(round_=rnd)[0]
        if c.walked
    } - stored
    _add_walks(report, walked, stored, planned)
    return report


def _add_walks(
    report: reports.CoverageReport,
    walked: set[tuple[int, int]],
    stored: set[tuple[int, int]],
    planned: Mapping[int, int | None],
) -> None:
    """Count the open rounds' new walks (segment, inspector) into the report's rows."""
    lengths = dict(
        Segment.objects.filter(pk__in={sid for sid, _u in walked}).values_list("pk", "length_m")
    )
    by_key = {r.key: r for r in report.rows}
    before = {sid for sid, _u in stored}
    for sid, uid in sorted(walked):  # walked in all: per inspector
        row = by_key.get(uid)
        if row is not None:
            row.all_walked_segments += 1
            row.all_walked_m += lengths[sid]
    for sid in sorted({sid for sid, _u in walked} - before):  # new to the day
        report.total.all_walked_segments += 1
        report.total.all_walked_m += lengths[sid]
        if planned.get(sid) is not None:
            for row in (by_key.get(planned[sid]), report.total):
                if row is not None:
                    row.walked_segments += 1
                    row.walked_m += lengths[sid]


@dataclass(frozen=True)
class OpenRound:
    inspector_id: int
    inspector: str
    started_at: dt.datetime
    last_point_at: dt.datetime | None
    walked_m: float

    @property
    def walked_km(self) -> float:
        return self.walked_m / 1000


def open_rounds(*, jurisdiction: Jurisdiction) -> list[OpenRound]:
    """The rounds open now, with whose they are (no positions: see `positions_live`)."""
    rows = (
        Round.objects.filter(jurisdiction=jurisdiction, status=RoundStatus.OPEN)
        .order_by("started_at")
        .values_list(
            "inspector_id",
            "inspector__full_name",
            "inspector__username",
            "started_at",
            "last_point_at",
            "walked_m",
        )
    )
    return [OpenRound(i, name or username, s, last, m) for i, name, username, s, last, m in rows]


# --- the coverage map -------------------------------------------------------------------

WALKED = "walked"
PARTLY = "partly"
MISSED = "missed"
EXTRA = "extra"  # walked, not planned


def segment_state(*, planned: bool, walked: bool, best_ratio: float, cover_ratio: float) -> str:
    """A segment's colour on the coverage map."""
    if walked or best_ratio >= cover_ratio:
        return WALKED if planned else EXTRA
    if best_ratio > 0:
        return PARTLY
    return MISSED


def coverage_geojson(*, jurisdiction: Jurisdiction, day: dt.date) -> dict[str, Any]:
    """A FeatureCollection of the day's planned and touched segments, with their state."""
    cover_ratio = cover_ratio_of(jurisdiction)
    touches = RoundSegment.objects.filter(
        segment_id=OuterRef("pk"), round__day=day, round__jurisdiction_id=jurisdiction.pk
    )
    plan_items = PlanItem.objects.filter(
        segment_id=OuterRef("pk"),
        plan__jurisdiction_id=jurisdiction.pk,
        plan__day=day,
        inspector__isnull=False,
    )
    best = touches.values("segment_id").annotate(best=Max("ratio")).values("best")
    inspector = plan_items.values("inspector__full_name")[:1]
    rows = (
        Segment.objects.filter(road__jurisdiction=jurisdiction)
        .annotate(
            planned=Exists(plan_items),
            walked=Exists(touches.filter(walked=True)),
        )
        .filter(Q(planned=True) | Q(walked=True))
        .annotate(
            best=Coalesce(Subquery(best, output_field=FloatField()), Value(0.0)),
            inspector_name=Subquery(inspector),
            road_name=F("road__name"),
        )
        .order_by("pk")
        .values(
            "pk",
            "road_name",
            "seq",
            "length_m",
            "geometry",
            "planned",
            "walked",
            "best",
            "inspector_name",
        )
    )
    features = [
        {
            "type": "Feature",
            "geometry": r["geometry"],
            "properties": {
                "id": r["pk"],
                "road": r["road_name"],
                "seq": r["seq"],
                "length_m": round(r["length_m"]),
                "ratio": round(r["best"], 2),
                "inspector": r["inspector_name"] or "",
                "state": segment_state(
                    planned=r["planned"],
                    walked=r["walked"],
                    best_ratio=r["best"],
                    cover_ratio=cover_ratio,
                ),
            },
        }
        for r in rows
    ]
    return {"type": "FeatureCollection", "features": features}


@dataclass(frozen=True)
class Position:
    round_id: int
    inspector: str
    started_at: dt.datetime
    at: dt.datetime | None
    lng: float | None
    lat: float | None


def positions_live(*, jurisdiction: Jurisdiction) -> list[Position]:
    """The last kept position of every round open now (callers check Perm.POSITIONS)."""
    last = TrackPoint.objects.filter(round_id=OuterRef("pk")).order_by("-seq")
    rows = (
        Round.objects.filter(jurisdiction=jurisdiction, status=RoundStatus.OPEN)
        .annotate(
            at=Subquery(last.values("at")[:1]),
            lng=Subquery(last.values("lng")[:1]),
            lat=Subquery(last.values("lat")[:1]),
        )
        .order_by("started_at")
        .values_list(
            "pk", "inspector__full_name", "inspector__username", "started_at", "at", "lng", "lat"
        )
    )
    return [Position(pk, n or u, s, at, lng, lat) for pk, n, u, s, at, lng, lat in rows]


def positions_geojson(positions: list[Position]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.lng, p.lat]},
                "properties": {
                    "round": p.round_id,
                    "inspector": p.inspector,
                    "started_at": p.started_at.isoformat(),
                    "at": p.at.isoformat() if p.at else None,
                },
            }
            for p in positions
            if p.lng is not None and p.lat is not None
        ],
    }
