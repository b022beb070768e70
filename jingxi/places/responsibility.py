"""Point responsibility: where is this point, whose road is it, which unit must act.

A `ResponsibilityIndex` is built from a `GeoSnapshot` (no ORM inside it) and answers in memory:

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
- the responsible unit for a category, most specific first: responsibility rule
  (minor, township) > (minor, anywhere) > (major parent, township) > (major,
  anywhere) > the category's responsibility (unit → its default unit, else the
  office; township →
  the township's unit; segment_maintainer → the nearest segment's maintainer, else
  the township's unit; component_maintainer → the maintainer of the nearest
  maintained component of that category within 30 m, else the segment
  maintainer, else the township's unit) > the office (kind office, code JXB
  first, else any office).

Each process keeps one ResponsibilityIndex per jurisdiction (`responsibility_index_for`) and checks
`Jurisdiction.geo_version` in the database on every use, rebuilding when it
moved. A PostGIS implementation can stand behind the same `ResponsibilityBackend`
protocol later.
"""

from __future__ import annotations

import datetime as dt
import gc
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal, Protocol

import numpy as np
import numpy.typing as npt
import shapely
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely import STRtree

from jingxi.catalog.choices import Responsibility
from jingxi.lib.geo import (
    FloatArray,
    MetricProjection,
    gcj02_to_wgs84,
    gcj02_to_wgs84_many,
    geometries_from_geojson,
)
from jingxi.org.choices import UnitKind
from jingxi.places.choices import RoadChiefLevel
from jingxi.places.selectors import geo_snapshot_load, geo_version_get
from jingxi.places.snapshot import GeoSnapshot, SegmentRow
from jingxi.places.versioned import VersionedCache, versioned_caches_clear

if TYPE_CHECKING:
    from jingxi.catalog.models import Category
    from jingxi.org.models import Jurisdiction

IntArray = npt.NDArray[np.int64]
ObjArray = npt.NDArray[np.object_]
Crs = Literal["wgs84", "gcj02"]
ChiefTuple = tuple[int, str, str, str]

DEFAULT_MAX_DISTANCE_M: Final = 50.0
COMPONENT_DISTANCE_M: Final = 30.0
OFFICE_UNIT_CODE: Final = "JXB"
_NONE: Final = -1
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


class UnknownCategory(ValueError):
    def __init__(self, category_id: int) -> None:
        self.category_id = category_id
        super().__init__(_("问题类别 %(id)s 不属于本辖区") % {"id": category_id})


class UnitRule:
    """How the responsible unit was chosen (PointResponsibility.unit_rule)."""

    RULE_MINOR_TOWNSHIP: Final = "rule_minor_township"
    RULE_MINOR: Final = "rule_minor"
    RULE_MAJOR_TOWNSHIP: Final = "rule_major_township"
    RULE_MAJOR: Final = "rule_major"
    DEFAULT_UNIT: Final = "default_unit"
    TOWNSHIP: Final = "township"
    SEGMENT_MAINTAINER: Final = "segment_maintainer"
    COMPONENT_MAINTAINER: Final = "component_maintainer"
    OFFICE: Final = "office"
    NONE: Final = ""


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


class ResponsibilityBackend(Protocol):
    """What callers need from a responsibility index; `ResponsibilityIndex` is the in-memory
    (shapely) one.
    """

    @property
    def geo_version(self) -> int: ...

    def resolve(
        self, lng: float, lat: float, category_id: int | None = None
    ) -> PointResponsibility: ...

    def resolve_many(
        self,
        lngs: npt.ArrayLike,
        lats: npt.ArrayLike,
        category_id: int | None = None,
    ) -> list[PointResponsibility | None]: ...


def segment_label(road_name: str, segment: SegmentRow) -> str:
    if segment.from_street and segment.to_street:
        return f"{road_name}（{segment.from_street}至{segment.to_street}段）"
    return _("%(road)s（第%(seq)s段）") % {"road": road_name, "seq": segment.seq}


def points_array(x: FloatArray, y: FloatArray) -> ObjArray:
    """An array of shapely points (shapely's stubs type the result as Point | ndarray)."""
    return np.asarray(shapely.points(x, y), dtype=np.object_)


def _first_hits(pairs: IntArray, n: int) -> IntArray:
    """From (input index, tree index) pairs, the smallest tree index per input, -1 if none."""
    out = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    if pairs.shape[1]:
        np.minimum.at(out, pairs[0], pairs[1])
    out[out == np.iinfo(np.int64).max] = _NONE
    return out


class ResponsibilityIndex:
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

    # --- responsible unit -----------------------------------------------------------

    def _static_unit(self, category_id: int, ti: int) -> tuple[int | None, str] | None:
        key = (category_id, ti)
        if key in self._static_units:
            return self._static_units[key]
        category = self.categories.get(category_id)
        if category is None:
            raise UnknownCategory(category_id)
        township_id = self.townships[ti].id
        result: tuple[int | None, str] | None
        steps: list[tuple[tuple[int, int | None], str]] = [
            ((category_id, township_id), UnitRule.RULE_MINOR_TOWNSHIP),
            ((category_id, None), UnitRule.RULE_MINOR),
        ]
        if category.parent_id is not None:
            steps += [
                ((category.parent_id, township_id), UnitRule.RULE_MAJOR_TOWNSHIP),
                ((category.parent_id, None), UnitRule.RULE_MAJOR),
            ]
        for rule_key, rule in steps:
            unit_id = self._rules.get(rule_key)
            if unit_id is not None:
                result = (unit_id, rule)
                break
        else:
            responsibility = category.responsibility
            if responsibility == Responsibility.UNIT:
                # A fixed-unit category without its unit goes to the office, which decides.
                result = (
                    (category.default_unit_id, UnitRule.DEFAULT_UNIT)
                    if category.default_unit_id is not None
                    else (self.office_unit_id, UnitRule.OFFICE)
                )
            elif responsibility in (
                Responsibility.SEGMENT_MAINTAINER,
                Responsibility.COMPONENT_MAINTAINER,
            ):
                result = None
            else:
                result = self._township_or_office(ti)
        self._static_units[key] = result
        return result

    def _township_or_office(self, ti: int) -> tuple[int | None, str]:
        unit_id = self._township_unit[ti]
        if unit_id is not None:
            return unit_id, UnitRule.TOWNSHIP
        return self.office_unit_id, UnitRule.OFFICE

    def _component_index(self, category_id: int) -> tuple[STRtree, list[int]]:
        found = self._component_trees.get(category_id)
        if found is not None:
            return found
        with self._lock:
            found = self._component_trees.get(category_id)
            if found is not None:
                return found
            table = self.snapshot.components
            picked = [
                i
                for i, (cid, mid) in enumerate(
                    zip(table.category_ids, table.maintainer_ids, strict=True)
                )
                if cid == category_id and mid is not None
            ]
            lngs = np.array([table.lngs[i] for i in picked], dtype=np.float64)
            lats = np.array([table.lats[i] for i in picked], dtype=np.float64)
            x, y = self.projection.forward_xy(lngs, lats)
            maintainers = [int(table.maintainer_ids[i] or 0) for i in picked]
            found = (STRtree(points_array(x, y)), maintainers)
            self._component_trees[category_id] = found
            return found

    def _dynamic_unit(
        self, category_id: int, ti: int, si: int, x: float, y: float
    ) -> tuple[int | None, str]:
        category = self.categories[category_id]
        if category.responsibility == Responsibility.COMPONENT_MAINTAINER:
            tree, maintainers = self._component_index(category_id)
            if len(maintainers):
                hit = tree.query_nearest(
                    shapely.Point(x, y), max_distance=self.component_distance_m
                )
                if len(hit):
                    return maintainers[int(hit.min())], UnitRule.COMPONENT_MAINTAINER
        if si != _NONE:
            maintainer = self._segment_maintainer[si]
            if maintainer is not None:
                return maintainer, UnitRule.SEGMENT_MAINTAINER
        return self._township_or_office(ti)

    def unit_for(
        self, category_id: int, ti: int, si: int, x: float, y: float
    ) -> tuple[int | None, str]:
        static = self._static_unit(category_id, ti)
        if static is not None:
            return static
        return self._dynamic_unit(category_id, ti, si, x, y)

    def _units_many(
        self,
        category_id: int,
        ti: IntArray,
        si: IntArray,
        x: FloatArray,
        y: FloatArray,
    ) -> tuple[list[int | None], list[str]]:
        """Vectorised unit_for over points that all have a township."""
        n = len(ti)
        unit_ids: list[int | None] = [None] * n
        rules: list[str] = [UnitRule.NONE] * n
        ti_list = ti.tolist()
        si_list = si.tolist()
        dynamic: list[int] = []
        for i in range(n):
            t = ti_list[i]
            if t == _NONE:
                continue
            static = self._static_unit(category_id, t)
            if static is None:
                dynamic.append(i)
            else:
                unit_ids[i], rules[i] = static
        if not dynamic:
            return unit_ids, rules
        category = self.categories[category_id]
        component_hit: dict[int, int] = {}
        if category.responsibility == Responsibility.COMPONENT_MAINTAINER:
            tree, maintainers = self._component_index(category_id)
            if maintainers:
                idx = np.array(dynamic, dtype=np.int64)
                pairs = tree.query_nearest(
                    points_array(x[idx], y[idx]), max_distance=self.component_distance_m
                )
                first = _first_hits(pairs, len(idx))
                for k, hit in enumerate(first.tolist()):
                    if hit != _NONE:
                        component_hit[dynamic[k]] = maintainers[hit]
        for i in dynamic:
            if i in component_hit:
                unit_ids[i], rules[i] = component_hit[i], UnitRule.COMPONENT_MAINTAINER
                continue
            s = si_list[i]
            maintainer = self._segment_maintainer[s] if s != _NONE else None
            if maintainer is not None:
                unit_ids[i], rules[i] = maintainer, UnitRule.SEGMENT_MAINTAINER
            else:
                unit_ids[i], rules[i] = self._township_or_office(ti_list[i])
        return unit_ids, rules

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
        gi = _first_hits(self.grid_tree.query(points, predicate="intersects"), n)
        ci = np.full(n, _NONE, dtype=np.int64)
        ti = np.full(n, _NONE, dtype=np.int64)
        has_grid = gi != _NONE
        ci[has_grid] = self._grid_community[gi[has_grid]]
        ti[has_grid] = self._grid_township[gi[has_grid]]
        gi[ti == _NONE] = _NONE
        rest = np.flatnonzero(ti == _NONE)
        if len(rest):
            found = _first_hits(
                self.community_tree.query(points[rest], predicate="intersects"), len(rest)
            )
            ok = found != _NONE
            ci[rest[ok]] = found[ok]
            ti[rest[ok]] = self._community_township[found[ok]]
            ci[rest[ti[rest] == _NONE]] = _NONE
        rest = np.flatnonzero(ti == _NONE)
        if len(rest):
            found = _first_hits(
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
            first = _first_hits(pairs, len(inside))
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


# --- per-process cache -----------------------------------------------------------------

_indexes: VersionedCache[int, ResponsibilityIndex] = VersionedCache()


def gc_freeze_long_lived() -> None:
    """Move every object alive now out of the cyclic GC's reach (`gc.freeze`).

    An index is hundreds of thousands of long-lived objects; without this each full
    collection walks them all, a pause of several milliseconds that lands on some
    unlucky request (it was the whole of the single-point p99). Frozen objects are
    still freed by reference counting when the index is replaced.
    """
    gc.freeze()


def _index_build(jurisdiction: Jurisdiction) -> ResponsibilityIndex:
    index = ResponsibilityIndex(geo_snapshot_load(jurisdiction=jurisdiction))
    gc_freeze_long_lived()
    return index


def responsibility_index_for(
    *, jurisdiction: Jurisdiction, geo_version: int | None = None
) -> ResponsibilityIndex:
    """This process's ResponsibilityIndex for the jurisdiction, rebuilt when geo_version moved.

    One small query per call reads the current version, so a change made by any
    process (after `geo_version_bump`) is seen by every other on its next call.
    A caller that has just read the jurisdiction's row (in this request) passes its
    `geo_version` and saves the query; a version from an older object would be stale.
    """
    version = (
        geo_version_get(jurisdiction_id=jurisdiction.pk) if geo_version is None else geo_version
    )
    return _indexes.get(jurisdiction.pk, version, lambda: _index_build(jurisdiction))


def geo_cache_clear() -> None:
    """Forget every per-process geo cache (`places.versioned`).

    Needed by tests: a rolled-back database hands out the same ids and versions
    again, with other data behind them.
    """
    versioned_caches_clear()


def _category_id(category: Category | int | None) -> int | None:
    if category is None or isinstance(category, int):
        return category
    return category.pk


def point_responsibility(
    *,
    jurisdiction: Jurisdiction,
    lng: float,
    lat: float,
    crs: Crs = "wgs84",
    category: Category | int | None = None,
    geo_version: int | None = None,
) -> PointResponsibility:
    """Resolve one point given in WGS84 or GCJ-02; the result carries the WGS84 point.

    `geo_version`: as for `responsibility_index_for`. Raises OutsideJurisdiction (naming the
    point as given) or UnknownCategory.
    """
    if crs not in ("wgs84", "gcj02"):
        raise ValueError(_("坐标系只能是 wgs84 或 gcj02"))
    wlng, wlat = gcj02_to_wgs84(lng, lat) if crs == "gcj02" else (lng, lat)
    index = responsibility_index_for(jurisdiction=jurisdiction, geo_version=geo_version)
    try:
        return index.resolve(wlng, wlat, _category_id(category))
    except OutsideJurisdiction as exc:
        raise OutsideJurisdiction(lng, lat, crs) from exc


def points_responsibility(
    *,
    jurisdiction: Jurisdiction,
    lngs: Sequence[float] | npt.ArrayLike,
    lats: Sequence[float] | npt.ArrayLike,
    crs: Crs = "wgs84",
    category: Category | int | None = None,
) -> list[PointResponsibility | None]:
    """Resolve many points; None for each point outside the jurisdiction."""
    if crs not in ("wgs84", "gcj02"):
        raise ValueError(_("坐标系只能是 wgs84 或 gcj02"))
    lng = np.asarray(lngs, dtype=np.float64)
    lat = np.asarray(lats, dtype=np.float64)
    if crs == "gcj02":
        lng, lat = gcj02_to_wgs84_many(lng, lat)
    return responsibility_index_for(jurisdiction=jurisdiction).resolve_many(
        lng, lat, _category_id(category)
    )
