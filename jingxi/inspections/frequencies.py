"""How often a segment must be walked, and which segments in scope are due on a day.

The one rule for a segment's required frequency (calendar days, holidays included):

    the segment's FrequencyRule > its road's FrequencyRule
        > InspectionSettings.every_days_by_grade[grade] > models.DEFAULT_EVERY_DAYS[grade]

A segment is in the scope when the midpoint of its line lies in a scope grid (`ScopeGrid`
rows; with none, the grids of class 核心区 and 城区). On a border the lowest grid code
wins, as everywhere in places. It is due on `day` when it was last walked (a walked
`RoundSegment` of a round on day d < `day`) at least `every_days` days before; its days
overdue count from the day it fell due. A segment never walked falls due on the
jurisdiction's first planned day (or `day` itself when nothing was planned yet), so
yesterday's misses are always more overdue than today's new dues.

The geometric part (midpoint → grid, grid neighbours, segment lengths and the segments
joined in the network) is built once per process and geo_version (`places.versioned`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import shapely
from django.db.models import Max, Min

from jingxi.inspections.models import (
    DEFAULT_EVERY_DAYS,
    FrequencyRule,
    InspectionSettings,
    Plan,
    RoundSegment,
    ScopeGrid,
)
from jingxi.org.models import Jurisdiction
from jingxi.places.choices import AreaClass, RoadGrade
from jingxi.places.models import Grid, Road
from jingxi.places.network import road_network_get
from jingxi.places.responsibility import responsibility_index_for
from jingxi.places.selectors import geo_version_get
from jingxi.places.versioned import VersionedCache

#: Without a grade in any table: weekly.
FALLBACK_EVERY_DAYS: Final = 7
#: Grade order for priority when days overdue are equal (expressway first).
GRADE_RANK: Final[Mapping[str, int]] = {
    RoadGrade.EXPRESSWAY: 0,
    RoadGrade.ARTERIAL: 1,
    RoadGrade.SECONDARY: 2,
    RoadGrade.BRANCH: 3,
    RoadGrade.ALLEY: 4,
}
#: Default scope when a jurisdiction has no ScopeGrid rows: the town centre.
DEFAULT_SCOPE_CLASSES: Final = (AreaClass.CORE, AreaClass.URBAN)
#: How far back walks are read; an older last walk counts as never walked.
LOOKBACK_DAYS: Final = 120


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """What planning needs of one segment, from the geometry."""

    id: int
    road_id: int
    grade: str
    length_m: float
    grid_id: int | None
    # The midpoint in metres (the network's projection) and in WGS84.
    x: float
    y: float


@dataclass(frozen=True)
class Layout:
    """The jurisdiction's segments placed in grids, the grids' neighbours and the
    segments that meet in the network: built once per geo_version."""

    segments: Mapping[int, SegmentInfo]
    grid_neighbours: Mapping[int, frozenset[int]]
    segment_neighbours: Mapping[int, frozenset[int]]


@dataclass(frozen=True, slots=True)
class DueSegment:
    segment: SegmentInfo
    every_days: int
    last_walked: dt.date | None
    days_overdue: int

    @property
    def priority(self) -> tuple[int, int, int]:
        """Sort key: most overdue first, then by road grade, then by id."""
        return (-self.days_overdue, GRADE_RANK.get(self.segment.grade, 9), self.segment.id)


def settings_for(*, jurisdiction: Jurisdiction) -> InspectionSettings:
    """The jurisdiction's inspection settings, created with the defaults when missing."""
    row, _created = InspectionSettings.objects.get_or_create(jurisdiction=jurisdiction)
    return row


def _grid_of_midpoints(jurisdiction: Jurisdiction, version: int) -> list[tuple[int, int | None]]:
    """(segment id, grid id of its midpoint) for every segment; lowest grid code wins."""
    index = responsibility_index_for(jurisdiction=jurisdiction, geo_version=version)
    if not index.segments:
        return []
    mids = shapely.line_interpolate_point(
        np.asarray(index.segment_geoms_wgs84), 0.5, normalized=True
    )
    seg_idx, grid_idx = index.grid_tree.query(mids, predicate="intersects")
    first: dict[int, int] = {}
    for s, g in zip(seg_idx.tolist(), grid_idx.tolist(), strict=True):
        if s not in first or g < first[s]:  # grids are ordered by code
            first[s] = g
    return [
        (seg.id, index.grids[first[i]].id if i in first else None)
        for i, seg in enumerate(index.segments)
    ]


def _grid_neighbours(jurisdiction: Jurisdiction, version: int) -> dict[int, frozenset[int]]:
    index = responsibility_index_for(jurisdiction=jurisdiction, geo_version=version)
    geoms = np.asarray(index.grid_geoms)
    if not len(geoms):
        return {}
    a, b = index.grid_tree.query(geoms, predicate="intersects")
    found: dict[int, set[int]] = {g.id: set() for g in index.grids}
    for i, k in zip(a.tolist(), b.tolist(), strict=True):
        if i != k:
            found[index.grids[i].id].add(index.grids[k].id)
    return {g: frozenset(n) for g, n in found.items()}


def _layout_build(jurisdiction: Jurisdiction, version: int) -> Layout:
    network = road_network_get(jurisdiction=jurisdiction)
    graph = network.graph
    lengths: dict[int, float] = {}
    ends: dict[int, set[int]] = {}
    mids: dict[int, tuple[float, float]] = {}
    for u, v, data in graph.edges(data=True):
        sid = int(data["segment_id"])
        lengths[sid] = lengths.get(sid, 0.0) + float(data["length"])
        ends.setdefault(sid, set()).update((u, v))
        if sid not in mids:
            point = data["line"].interpolate(0.5, normalized=True)
            mids[sid] = (float(point.x), float(point.y))
    at_node: dict[int, list[int]] = {}
    for sid, nodes in ends.items():
        for n in nodes:
            at_node.setdefault(n, []).append(sid)
    grades = dict(Road.objects.filter(jurisdiction=jurisdiction).values_list("id", "grade"))
    index = responsibility_index_for(jurisdiction=jurisdiction, geo_version=version)
    road_of = {s.id: s.road_id for s in index.segments}
    segments: dict[int, SegmentInfo] = {}
    for sid, grid_id in _grid_of_midpoints(jurisdiction, version):
        if sid not in lengths:
            continue  # no usable line
        x, y = mids[sid]
        road_id = road_of[sid]
        segments[sid] = SegmentInfo(
            sid, road_id, str(grades.get(road_id, "")), lengths[sid], grid_id, x, y
        )
    segment_neighbours = {
        sid: frozenset(o for n in nodes for o in at_node[n] if o != sid)
        for sid, nodes in ends.items()
    }
    return Layout(segments, _grid_neighbours(jurisdiction, version), segment_neighbours)


_layouts: VersionedCache[int, Layout] = VersionedCache()


def layout_for(*, jurisdiction: Jurisdiction) -> Layout:
    """This process's Layout of the jurisdiction, rebuilt when its geo_version moved."""
    version = geo_version_get(jurisdiction_id=jurisdiction.pk)
    return _layouts.get(jurisdiction.pk, version, lambda: _layout_build(jurisdiction, version))


def scope_grid_ids(*, jurisdiction: Jurisdiction) -> set[int]:
    """The grids of the daily inspection scope (ScopeGrid rows, else the town centre)."""
    rows = set(ScopeGrid.objects.filter(jurisdiction=jurisdiction).values_list("grid", flat=True))
    if rows:
        return rows
    return set(
        Grid.objects.filter(
            community__township__jurisdiction=jurisdiction, area_class__in=DEFAULT_SCOPE_CLASSES
        ).values_list("id", flat=True)
    )


def every_days_for(
    *,
    segment_id: int,
    road_id: int,
    grade: str,
    segment_rules: Mapping[int, int],
    road_rules: Mapping[int, int],
    by_grade: Mapping[str, int],
) -> int:
    """The one precedence: segment rule > road rule > the settings' grade > the default."""
    if segment_id in segment_rules:
        return segment_rules[segment_id]
    if road_id in road_rules:
        return road_rules[road_id]
    if grade in by_grade:
        return int(by_grade[grade])
    return DEFAULT_EVERY_DAYS.get(grade, FALLBACK_EVERY_DAYS)


def frequency_of(*, jurisdiction: Jurisdiction, segment_id: int) -> int:
    """One segment's required frequency in days (the rule above, for one segment)."""
    info = layout_for(jurisdiction=jurisdiction).segments[segment_id]
    seg_rules, road_rules = _rules(jurisdiction)
    by_grade = settings_for(jurisdiction=jurisdiction).every_days_by_grade or {}
    return every_days_for(
        segment_id=info.id,
        road_id=info.road_id,
        grade=info.grade,
        segment_rules=seg_rules,
        road_rules=road_rules,
        by_grade=by_grade,
    )


def _rules(jurisdiction: Jurisdiction) -> tuple[dict[int, int], dict[int, int]]:
    segment_rules: dict[int, int] = {}
    road_rules: dict[int, int] = {}
    rows = FrequencyRule.objects.filter(jurisdiction=jurisdiction).values_list(
        "segment_id", "road_id", "every_days"
    )
    for segment_id, road_id, every in rows:
        if segment_id is not None:
            segment_rules[segment_id] = every
        elif road_id is not None:
            road_rules[road_id] = every
    return segment_rules, road_rules


def last_walked(
    *, jurisdiction: Jurisdiction, day: dt.date, segment_ids: Iterable[int] | None = None
) -> dict[int, dt.date]:
    """The last day before `day` each segment was walked (within LOOKBACK_DAYS)."""
    qs = RoundSegment.objects.filter(
        walked=True,
        round__jurisdiction=jurisdiction,
        round__day__lt=day,
        round__day__gte=day - dt.timedelta(days=LOOKBACK_DAYS),
    )
    if segment_ids is not None:
        qs = qs.filter(segment_id__in=list(segment_ids))
    return dict(
        qs.values("segment_id").annotate(last=Max("round__day")).values_list("segment_id", "last")
    )


def segments_due(*, jurisdiction: Jurisdiction, day: dt.date) -> list[DueSegment]:
    """The segments in scope due on `day`, most overdue first (then by grade)."""
    layout = layout_for(jurisdiction=jurisdiction)
    grids = scope_grid_ids(jurisdiction=jurisdiction)
    in_scope = [s for s in layout.segments.values() if s.grid_id in grids]
    seg_rules, road_rules = _rules(jurisdiction)
    by_grade = settings_for(jurisdiction=jurisdiction).every_days_by_grade or {}
    walked = last_walked(jurisdiction=jurisdiction, day=day)
    first_plan = Plan.objects.filter(jurisdiction=jurisdiction, day__lte=day).aggregate(
        first=Min("day")
    )["first"]
    epoch: dt.date = first_plan or day
    due: list[DueSegment] = []
    for s in in_scope:
        every = every_days_for(
            segment_id=s.id,
            road_id=s.road_id,
            grade=s.grade,
            segment_rules=seg_rules,
            road_rules=road_rules,
            by_grade=by_grade,
        )
        last = walked.get(s.id)
        due_from = last + dt.timedelta(days=every) if last is not None else epoch
        if due_from <= day:
            due.append(DueSegment(s, every, last, (day - due_from).days))
    due.sort(key=lambda d: d.priority)
    return due
