"""The responsibility index: where a point is, whose road it is, which unit must act.

A `ResponsibilityIndex` is built from a `GeoSnapshot` (no ORM inside it) and answers in
memory:

- township, community and grid by point-in-polygon over STRtrees. Containment is
  evaluated in WGS84, the coordinates the boundaries were drawn in, so a point
  exactly on a shared edge touches both polygons. **Rule on borders: the lowest
  code wins** (trees are ordered by code and the smallest hit is kept). Codes are
  hierarchical (grid = community + 3 digits = township + 6 digits), so the rule
  gives the same answer at every level.
  The grid tree is asked first and its community and township are taken from the
  grid's parents; points in no grid fall back to the community tree, then to the
  township tree. A point in no township is outside the jurisdiction.
- the nearest segment within `max_distance_m` (default 50 m) by
  `STRtree.query_nearest` over segment lines projected to metres
  (CGCS2000 3-degree Gauss-Kruger, see `jingxi.lib.geo`); ties go to the
  lowest (road code, seq).
- the road chiefs current today for that segment (a chief with no segments listed
  covers the whole road), county level first.
- the responsible unit for a category: the rules of `places.responsibility_units`.

The per-process cache and the lookup API are `places.responsibility`.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import shapely
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely import STRtree

from jingxi.lib.geo import MetricProjection, geometries_from_geojson
from jingxi.org.choices import UnitKind
from jingxi.places.choices import RoadChiefLevel
from jingxi.places.responsibility_units import (
    NONE as _NONE,
)
from jingxi.places.responsibility_units import (
    IntArray,
    UnitChoice,
    UnitRule,
    UnknownCategory,
    first_hits,
    points_array,
)
from jingxi.places.snapshot import GeoSnapshot, SegmentRow

ChiefTuple = tuple[int, str, str, str]

DEFAULT_MAX_DISTANCE_M: Final = 50.0
COMPONENT_DISTANCE_M: Final = 30.0
OFFICE_UNIT_CODE: Final = "JXB"
_LEVEL_RANK: Final = {
    RoadChiefLevel.COUNTY.value: 0,
    RoadChiefLevel.TOWNSHIP.value: 1,
    RoadChiefLevel.COMMUNITY.value: 2,
}


class OutsideJurisdiction(ValueError):
    """The point lies in no township of the jurisdiction."""

    def __init__(self, lng: float, lat: float, crs: str = "wgs84") -> None:
        self.lng = lng
        self.lat = lat
        self.crs = crs
        super().__init__(
            _("坐标（经度 %(lng).6f，纬度 %(lat).6f，%(crs)s）不在本辖区范围内")
            % {"lng": lng, "lat": lat, "crs": crs.upper()}
        )


@dataclass(frozen=True, slots=True)
class PointResponsibility:
    lng: float
    lat: float
    township_id: int
    township_code: str
    township_name: str
    community_id: int | None
    community_code: str
    community_name: str
    grid_id: int | None
    grid_code: str
    segment_id: int | None
    segment_label: str
    road_id: int | None
    road_name: str
    distance_m: float | None
    road_chiefs: tuple[ChiefTuple, ...]
    category_id: int | None
    unit_id: int | None
    unit_name: str
    unit_rule: str


def segment_label(road_name: str, segment: SegmentRow) -> str:
    if segment.from_street and segment.to_street:
        return f"{road_name}（{segment.from_street}至{segment.to_street}段）"
    return _("%(road)s（第%(seq)s段）") % {"road": road_name, "seq": segment.seq}


class ResponsibilityIndex(UnitChoice):
    def __init__(
        self,
        snapshot: GeoSnapshot,
        *,
        max_distance_m: float = DEFAULT_MAX_DISTANCE_M,
        component_distance_m: float = COMPONENT_DISTANCE_M,
        today: Callable[[], dt.date] = timezone.localdate,
    ) -> None:
        self._geo_version = snapshot.geo_version
        self.jurisdiction_id = snapshot.jurisdiction_id
        self.max_distance_m = max_distance_m
        self.component_distance_m = component_distance_m
        self._today = today
        self.projection = MetricProjection.for_lng(snapshot.center_lng)
        self.snapshot = snapshot
        self.units = {u.id: u for u in snapshot.units}

        townships = sorted(snapshot.townships, key=lambda t: t.code)
        communities = sorted(snapshot.communities, key=lambda c: c.code)
        grids = sorted(snapshot.grids, key=lambda g: g.code)
        self.townships = townships
        self.communities = communities
        self.grids = grids
        self.township_geoms = geometries_from_geojson([t.geometry for t in townships])
        self.community_geoms = geometries_from_geojson([c.geometry for c in communities])
        self.grid_geoms = geometries_from_geojson([g.geometry for g in grids])
        self.township_tree = STRtree(self.township_geoms)
        self.community_tree = STRtree(self.community_geoms)
        self.grid_tree = STRtree(self.grid_geoms)
        township_index = {t.id: i for i, t in enumerate(townships)}
        community_index = {c.id: i for i, c in enumerate(communities)}
        self.township_index = township_index
        # Parents by index: grid → community → township.
        self._community_township = np.array(
            [township_index.get(c.township_id, _NONE) for c in communities], dtype=np.int64
        )
        self._grid_community = np.array(
            [community_index.get(g.community_id, _NONE) for g in grids], dtype=np.int64
        )
        self._grid_township = np.array(
            [
                self._community_township[ci] if ci != _NONE else _NONE
                for ci in self._grid_community.tolist()
            ],
            dtype=np.int64,
        )

        roads = {r.id: r for r in snapshot.roads}
        self.roads = roads
        segments = sorted(
            snapshot.segments,
            key=lambda s: (roads[s.road_id].code if s.road_id in roads else "", s.seq),
        )
        self.segments = segments
        self.segment_geoms_wgs84 = geometries_from_geojson([s.geometry for s in segments])
        self.segment_geoms = self.projection.forward_many(self.segment_geoms_wgs84)
        self.segment_tree = STRtree(self.segment_geoms)
        self.segment_labels = [
            segment_label(roads[s.road_id].name if s.road_id in roads else "", s) for s in segments
        ]
        self.segment_index = {s.id: i for i, s in enumerate(segments)}

        self.categories = {c.id: c for c in snapshot.categories}
        self._rules = {(r.category_id, r.township_id): r.unit_id for r in snapshot.rules}
        offices = sorted(
            (u for u in snapshot.units if u.kind == UnitKind.OFFICE),
            key=lambda u: (u.code != OFFICE_UNIT_CODE, u.id),
        )
        self.office_unit_id: int | None = offices[0].id if offices else None

        # Per-row display tuples, so building a result is a few index lookups. Each list
        # but the townships' ends with the "none" entry, which index -1 (_NONE) picks.
        self._township_info = [(t.id, t.code, t.name) for t in townships]
        self._community_info: list[tuple[int | None, str, str]] = [
            (c.id, c.code, c.name) for c in communities
        ]
        self._community_info.append((None, "", ""))
        self._grid_info: list[tuple[int | None, str]] = [(g.id, g.code) for g in grids]
        self._grid_info.append((None, ""))
        self._segment_info: list[tuple[int | None, str, int | None, str]] = [
            (
                s.id,
                self.segment_labels[i],
                s.road_id,
                roads[s.road_id].name if s.road_id in roads else "",
            )
            for i, s in enumerate(segments)
        ]
        self._segment_info.append((None, "", None, ""))
        self._unit_names: dict[int | None, str] = {u.id: u.name for u in snapshot.units}
        self._unit_names[None] = ""
        self._segment_maintainer = [s.maintainer_id for s in segments]
        self._township_unit = [t.unit_id for t in townships]
        # (category id, township index) → (unit id, rule) or None when it depends on the point.
        self._static_units: dict[tuple[int, int], tuple[int | None, str] | None] = {}
        # category id → (tree over projected component points, maintainer ids)
        self._component_trees: dict[int, tuple[STRtree, list[int]]] = {}
        self._chiefs: tuple[dt.date, list[tuple[ChiefTuple, ...]]] | None = None
        self._lock = threading.Lock()

    @property
    def geo_version(self) -> int:
        return self._geo_version

    # --- road chiefs ---------------------------------------------------------------

    def chiefs_by_segment(self) -> list[tuple[ChiefTuple, ...]]:
        """Current chiefs per segment index (and () last, for index -1), recomputed daily."""
        today = self._today()
        cached = self._chiefs
        if cached is not None and cached[0] == today:
            return cached[1]
        per_segment: list[list[tuple[int, int, ChiefTuple]]] = [[] for _ in self.segments]
        by_road: dict[int, list[int]] = {}
        for i, s in enumerate(self.segments):
            by_road.setdefault(s.road_id, []).append(i)
        for chief in self.snapshot.chiefs:
            if not chief.is_current(today):
                continue
            entry = (
                _LEVEL_RANK.get(chief.level, 9),
                chief.id,
                (chief.user_id, chief.name, chief.level, chief.phone),
            )
            if chief.segment_ids:
                targets = [
                    self.segment_index[sid]
                    for sid in chief.segment_ids
                    if sid in self.segment_index
                ]
            else:
                targets = by_road.get(chief.road_id, [])
            for i in targets:
                per_segment[i].append(entry)
        result = [tuple(e[2] for e in sorted(entries)) for entries in per_segment]
        result.append(())
        self._chiefs = (today, result)
        return result

    # --- lookups --------------------------------------------------------------------

    def _locate(self, point: shapely.Point) -> tuple[int, int, int]:
        """(township, community, grid) indexes of a WGS84 point, -1 where none."""
        hits = self.grid_tree.query(point, predicate="intersects")
        if len(hits):
            gi = int(hits.min())
            ci = int(self._grid_community[gi])
            ti = int(self._grid_township[gi])
            if ti != _NONE:
                return ti, ci, gi
        hits = self.community_tree.query(point, predicate="intersects")
        if len(hits):
            ci = int(hits.min())
            ti = int(self._community_township[ci])
            if ti != _NONE:
                return ti, ci, _NONE
        hits = self.township_tree.query(point, predicate="intersects")
        if len(hits):
            return int(hits.min()), _NONE, _NONE
        return _NONE, _NONE, _NONE

    def _locate_many(self, points: npt.NDArray[np.object_]) -> tuple[IntArray, IntArray, IntArray]:
        n = len(points)
        gi = first_hits(self.grid_tree.query(points, predicate="intersects"), n)
        ci = np.full(n, _NONE, dtype=np.int64)
        ti = np.full(n, _NONE, dtype=np.int64)
        has_grid = gi != _NONE
        ci[has_grid] = self._grid_community[gi[has_grid]]
        ti[has_grid] = self._grid_township[gi[has_grid]]
        gi[ti == _NONE] = _NONE
        rest = np.flatnonzero(ti == _NONE)
        if len(rest):
            found = first_hits(
                self.community_tree.query(points[rest], predicate="intersects"), len(rest)
            )
            ok = found != _NONE
            ci[rest[ok]] = found[ok]
            ti[rest[ok]] = self._community_township[found[ok]]
            ci[rest[ti[rest] == _NONE]] = _NONE
        rest = np.flatnonzero(ti == _NONE)
        if len(rest):
            found = first_hits(
                self.township_tree.query(points[rest], predicate="intersects"), len(rest)
            )
            ti[rest] = found
        return ti, ci, gi

    def _nearest_segment(self, x: float, y: float) -> tuple[int, float | None]:
        hits, dists = self.segment_tree.query_nearest(
            shapely.Point(x, y),
            max_distance=self.max_distance_m,
            return_distance=True,
            all_matches=True,
        )
        if not len(hits):
            return _NONE, None
        return int(hits.min()), float(dists[0])

    def _result(
        self,
        lng: float,
        lat: float,
        ti: int,
        ci: int,
        gi: int,
        si: int,
        distance: float | None,
        chiefs: list[tuple[ChiefTuple, ...]],
        category_id: int | None,
        unit_id: int | None,
        unit_rule: str,
    ) -> PointResponsibility:
        t_id, t_code, t_name = self._township_info[ti]
        c_id, c_code, c_name = self._community_info[ci]
        g_id, g_code = self._grid_info[gi]
        s_id, label, road_id, road_name = self._segment_info[si]
        return PointResponsibility(
            lng,
            lat,
            t_id,
            t_code,
            t_name,
            c_id,
            c_code,
            c_name,
            g_id,
            g_code,
            s_id,
            label,
            road_id,
            road_name,
            distance,
            chiefs[si],
            category_id,
            unit_id,
            self._unit_names.get(unit_id, ""),
            unit_rule,
        )

    # --- public ---------------------------------------------------------------------

    def resolve(
        self, lng: float, lat: float, category_id: int | None = None
    ) -> PointResponsibility:
        """Resolve one WGS84 point; raises OutsideJurisdiction, UnknownCategory."""
        if category_id is not None and category_id not in self.categories:
            raise UnknownCategory(category_id)
        ti, ci, gi = self._locate(shapely.Point(lng, lat))
        if ti == _NONE:
            raise OutsideJurisdiction(lng, lat)
        x, y = self.projection.forward_point(lng, lat)
        si, distance = self._nearest_segment(x, y)
        unit_id: int | None = None
        rule = UnitRule.NONE
        if category_id is not None:
            unit_id, rule = self.unit_for(category_id, ti, si, x, y)
        return self._result(
            lng, lat, ti, ci, gi, si, distance, self.chiefs_by_segment(), category_id, unit_id, rule
        )

    def resolve_many(
        self,
        lngs: npt.ArrayLike,
        lats: npt.ArrayLike,
        category_id: int | None = None,
    ) -> list[PointResponsibility | None]:
        """Resolve many WGS84 points at once; None for a point outside the jurisdiction."""
        if category_id is not None and category_id not in self.categories:
            raise UnknownCategory(category_id)
        lng = np.asarray(lngs, dtype=np.float64)
        lat = np.asarray(lats, dtype=np.float64)
        n = len(lng)
        ti, ci, gi = self._locate_many(points_array(lng, lat))
        x, y = self.projection.forward_xy(lng, lat)
        inside = np.flatnonzero(ti != _NONE)
        si = np.full(n, _NONE, dtype=np.int64)
        dist = np.full(n, np.nan)
        if len(inside) and len(self.segments):
            pairs, d = self.segment_tree.query_nearest(
                points_array(x[inside], y[inside]),
                max_distance=self.max_distance_m,
                return_distance=True,
                all_matches=True,
            )
            first = first_hits(pairs, len(inside))
            si[inside] = first
            local = np.full(len(inside), np.nan)
            local[pairs[0]] = d
            dist[inside] = local
        if category_id is not None:
            unit_ids, rules = self._units_many(category_id, ti, si, x, y)
        else:
            unit_ids, rules = [None] * n, [UnitRule.NONE] * n
        chiefs = self.chiefs_by_segment()
        out: list[PointResponsibility | None] = [None] * n
        # One pass of plain list lookups per point (this loop is most of the batch time).
        township_info, community_info = self._township_info, self._community_info
        grid_info, segment_info, unit_names = self._grid_info, self._segment_info, self._unit_names
        lng_l, lat_l = lng.tolist(), lat.tolist()
        dist[si == _NONE] = np.nan
        d_l: list[float | None] = [None if d != d else d for d in dist.tolist()]  # NaN → None
        ti_l, ci_l, gi_l, si_l = ti.tolist(), ci.tolist(), gi.tolist(), si.tolist()
        for i in inside.tolist():
            t_id, t_code, t_name = township_info[ti_l[i]]
            c_id, c_code, c_name = community_info[ci_l[i]]
            g_id, g_code = grid_info[gi_l[i]]
            s = si_l[i]
            s_id, label, road_id, road_name = segment_info[s]
            unit_id = unit_ids[i]
            out[i] = PointResponsibility(
                lng_l[i],
                lat_l[i],
                t_id,
                t_code,
                t_name,
                c_id,
                c_code,
                c_name,
                g_id,
                g_code,
                s_id,
                label,
                road_id,
                road_name,
                d_l[i],
                chiefs[s],
                category_id,
                unit_id,
                unit_names.get(unit_id, ""),
                rules[i],
            )
        return out
