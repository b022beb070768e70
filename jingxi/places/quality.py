"""Quality checks of grid data (GB/T 30428.1: grids abut without gaps or overlaps, 无缝拼接).

Found, with codes and areas in m² (measured in the local metric projection):

- gaps: the part of a community its grids do not cover, the part of a township
  its communities do not cover;
- overlaps: pairs of grids (and of communities, of townships) sharing area;
- strays: the part of a grid outside its community, of a community outside its
  township;
- invalid geometries (self-intersecting rings and the like), which are repaired
  with `make_valid` before measuring.

Overlays (union, difference, intersection) run in WGS84, the coordinates the
boundaries were drawn in: an edge shared by two features is then exactly
shared, whereas projecting first bends it by the extra vertices one side has.
Only the resulting pieces are projected, to measure their area.

Anything smaller than `tolerance_m2` (default 1 m²) is drawing noise and ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import shapely
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from jingxi.lib.geo import FloatArray, MetricProjection, geometries_from_geojson
from jingxi.org.models import Jurisdiction
from jingxi.org.roles import Perm, roles_for
from jingxi.places.network import RoadNetwork, road_network_get
from jingxi.places.selectors import geo_snapshot_load, geo_version_get
from jingxi.places.snapshot import GeoJSONText
from jingxi.places.versioned import VersionedCache

if TYPE_CHECKING:
    from jingxi.org.models import User


@dataclass(frozen=True, slots=True)
class AreaIssue:
    """An area of one feature: a gap in it, or the part of it outside its parent."""

    level: str  # "township" | "community" | "grid"
    code: str
    name: str
    parent_code: str
    area_m2: float
    # A point inside the problem area (WGS84), to find it on the map.
    lng: float
    lat: float


@dataclass(frozen=True, slots=True)
class OverlapIssue:
    level: str
    code_a: str
    code_b: str
    area_m2: float
    lng: float
    lat: float


@dataclass(frozen=True, slots=True)
class InvalidGeometry:
    level: str
    code: str
    reason: str


@dataclass(frozen=True)
class GridQualityReport:
    jurisdiction_code: str
    jurisdiction_name: str
    geo_version: int
    tolerance_m2: float
    township_count: int
    community_count: int
    grid_count: int
    community_gaps: tuple[AreaIssue, ...] = ()
    township_gaps: tuple[AreaIssue, ...] = ()
    grid_overlaps: tuple[OverlapIssue, ...] = ()
    community_overlaps: tuple[OverlapIssue, ...] = ()
    township_overlaps: tuple[OverlapIssue, ...] = ()
    grids_outside: tuple[AreaIssue, ...] = ()
    communities_outside: tuple[AreaIssue, ...] = ()
    invalid: tuple[InvalidGeometry, ...] = field(default=())

    @property
    def problem_count(self) -> int:
        return (
            len(self.community_gaps)
            + len(self.township_gaps)
            + len(self.grid_overlaps)
            + len(self.community_overlaps)
            + len(self.township_overlaps)
            + len(self.grids_outside)
            + len(self.communities_outside)
            + len(self.invalid)
        )

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def summary(self) -> str:
        if self.ok:
            return _(
                "%(name)s网格数据检查通过：%(t)d个乡镇/街道、%(c)d个社区/村、%(g)d个网格，"
                "无缝隙、无重叠、无越界。"
            ) % {
                "name": self.jurisdiction_name,
                "t": self.township_count,
                "c": self.community_count,
                "g": self.grid_count,
            }
        return _(
            "%(name)s网格数据发现%(n)d处问题：社区缝隙%(cg)d处、乡镇缝隙%(tg)d处、"
            "网格重叠%(go)d处、社区重叠%(co)d处、乡镇重叠%(to)d处、网格越出社区%(gx)d个、"
            "社区越出乡镇%(cx)d个、无效图形%(inv)d个。"
        ) % {
            "name": self.jurisdiction_name,
            "n": self.problem_count,
            "cg": len(self.community_gaps),
            "tg": len(self.township_gaps),
            "go": len(self.grid_overlaps),
            "co": len(self.community_overlaps),
            "to": len(self.township_overlaps),
            "gx": len(self.grids_outside),
            "cx": len(self.communities_outside),
            "inv": len(self.invalid),
        }


class _Layer:
    """One level's repaired WGS84 geometries with their codes."""

    def __init__(
        self,
        level: str,
        codes: Sequence[str],
        names: Sequence[str],
        geometries: Sequence[GeoJSONText],
    ) -> None:
        self.level = level
        self.codes = list(codes)
        self.names = list(names)
        self.invalid: list[InvalidGeometry] = []
        geoms = geometries_from_geojson(geometries)
        valid = shapely.is_valid(geoms) if len(geoms) else np.array([], dtype=bool)
        for i in np.flatnonzero(~valid).tolist():
            reason = shapely.is_valid_reason(geoms[i])
            self.invalid.append(InvalidGeometry(level, self.codes[i], str(reason)))
            geoms[i] = shapely.make_valid(geoms[i])
        self.geoms = geoms


def _areas_m2(pieces: npt.NDArray[np.object_], projection: MetricProjection) -> FloatArray:
    if not len(pieces):
        return np.array([], dtype=np.float64)
    return np.asarray(shapely.area(projection.forward_many(pieces)), dtype=np.float64)


def _overlaps(
    layer: _Layer, tolerance_m2: float, projection: MetricProjection
) -> tuple[list[OverlapIssue], set[int]]:
    """(overlaps above the tolerance, every feature whose interior meets another's)."""
    if len(layer.geoms) < 2:
        return [], set()
    tree = STRtree(layer.geoms)
    pairs = tree.query(layer.geoms, predicate="intersects")
    a, b = pairs[0], pairs[1]
    keep = a < b
    a, b = a[keep], b[keep]
    # Neighbours that only share an edge are the normal case: drop them with the
    # cheap `touches` test before computing any intersection.
    if len(a):
        sharing = ~shapely.touches(layer.geoms[a], layer.geoms[b])
        a, b = a[sharing], b[sharing]
    if not len(a):
        return [], set()
    shared = np.asarray(shapely.intersection(layer.geoms[a], layer.geoms[b]), dtype=np.object_)
    areas = _areas_m2(shared, projection)
    out: list[OverlapIssue] = []
    for k in np.flatnonzero(areas > tolerance_m2).tolist():
        lng, lat = _marker(shared[k])
        out.append(
            OverlapIssue(
                layer.level,
                layer.codes[int(a[k])],
                layer.codes[int(b[k])],
                round(float(areas[k]), 1),
                lng,
                lat,
            )
        )
    return sorted(out, key=lambda o: (o.code_a, o.code_b)), set(a.tolist()) | set(b.tolist())


def _marker(geometry: BaseGeometry) -> tuple[float, float]:
    p = shapely.point_on_surface(geometry)
    return float(p.x), float(p.y)


def _uncovered(
    parents: _Layer,
    children: _Layer,
    parent_of_child: Sequence[int],
    overlapping_children: set[int],
    tolerance_m2: float,
    projection: MetricProjection,
) -> tuple[list[AreaIssue], list[AreaIssue]]:
    """(gaps in each parent not covered by its children, parts of children outside their parent)."""
    kids: list[list[int]] = [[] for _ in parents.codes]
    for child, parent in enumerate(parent_of_child):
        if parent >= 0:
            kids[parent].append(child)
    # Children that do not overlap form a coverage, which GEOS unions an order of
    # magnitude faster than a general union.
    unions = np.array(
        [
            None
            if not members
            else shapely.union_all(children.geoms[members])
            if overlapping_children.intersection(members)
            else shapely.coverage_union_all(children.geoms[members])
            for members in kids
        ],
        dtype=object,
    )
    # A parent its children's union covers has no gap; only the others need a difference.
    suspects = [
        p
        for p, u in enumerate(unions.tolist())
        if u is None or not shapely.covers(u, parents.geoms[p])
    ]
    gap_pieces = np.array(
        [
            parents.geoms[p]
            if unions[p] is None
            else shapely.difference(parents.geoms[p], unions[p])
            for p in suspects
        ],
        dtype=object,
    )
    gaps: list[AreaIssue] = []
    for k, area in enumerate(_areas_m2(gap_pieces, projection).tolist()):
        p = suspects[k]
        if area > tolerance_m2:
            lng, lat = _marker(gap_pieces[k])
            gaps.append(
                AreaIssue(
                    parents.level, parents.codes[p], parents.names[p], "", round(area, 1), lng, lat
                )
            )
    strays: list[AreaIssue] = []
    # Children their parent covers (the normal case, a prepared-geometry test) have
    # nothing outside; only the others need a difference.
    placed_all = np.array([c for c, parent in enumerate(parent_of_child) if parent >= 0])
    placed: list[int] = []
    if len(placed_all):
        parent_geoms = parents.geoms[[parent_of_child[c] for c in placed_all.tolist()]]
        shapely.prepare(parent_geoms)
        covered = shapely.covers(parent_geoms, children.geoms[placed_all])
        placed = placed_all[~covered].tolist()
    outside = np.asarray(
        shapely.difference(
            children.geoms[placed], parents.geoms[[parent_of_child[c] for c in placed]]
        ),
        dtype=np.object_,
    )
    for k, area in enumerate(_areas_m2(outside, projection).tolist()):
        child, parent = placed[k], parent_of_child[placed[k]]
        if area > tolerance_m2:
            lng, lat = _marker(outside[k])
            strays.append(
                AreaIssue(
                    children.level,
                    children.codes[child],
                    children.names[child],
                    parents.codes[parent],
                    round(area, 1),
                    lng,
                    lat,
                )
            )
    return gaps, strays


def grid_quality_check(
    *, jurisdiction: Jurisdiction, tolerance_m2: float = 1.0
) -> GridQualityReport:
    """Gaps, overlaps and strays of the jurisdiction's townships, communities and grids."""
    snapshot = geo_snapshot_load(jurisdiction=jurisdiction, components=False)
    projection = MetricProjection.for_lng(snapshot.center_lng)
    townships = sorted(snapshot.townships, key=lambda t: t.code)
    communities = sorted(snapshot.communities, key=lambda c: c.code)
    grids = sorted(snapshot.grids, key=lambda g: g.code)
    t_layer = _Layer(
        "township",
        [t.code for t in townships],
        [t.name for t in townships],
        [t.geometry for t in townships],
    )
    c_layer = _Layer(
        "community",
        [c.code for c in communities],
        [c.name for c in communities],
        [c.geometry for c in communities],
    )
    g_layer = _Layer(
        "grid",
        [g.code for g in grids],
        [g.code for g in grids],
        [g.geometry for g in grids],
    )
    t_index = {t.id: i for i, t in enumerate(townships)}
    c_index = {c.id: i for i, c in enumerate(communities)}
    grid_overlaps, overlapping_grids = _overlaps(g_layer, tolerance_m2, projection)
    community_overlaps, overlapping_communities = _overlaps(c_layer, tolerance_m2, projection)
    township_overlaps, _overlapping = _overlaps(t_layer, tolerance_m2, projection)
    township_gaps, communities_outside = _uncovered(
        t_layer,
        c_layer,
        [t_index.get(c.township_id, -1) for c in communities],
        overlapping_communities,
        tolerance_m2,
        projection,
    )
    community_gaps, grids_outside = _uncovered(
        c_layer,
        g_layer,
        [c_index.get(g.community_id, -1) for g in grids],
        overlapping_grids,
        tolerance_m2,
        projection,
    )
    return GridQualityReport(
        jurisdiction_code=snapshot.jurisdiction_code,
        jurisdiction_name=snapshot.jurisdiction_name,
        geo_version=snapshot.geo_version,
        tolerance_m2=tolerance_m2,
        township_count=len(townships),
        community_count=len(communities),
        grid_count=len(grids),
        community_gaps=tuple(community_gaps),
        township_gaps=tuple(township_gaps),
        grid_overlaps=tuple(grid_overlaps),
        community_overlaps=tuple(community_overlaps),
        township_overlaps=tuple(township_overlaps),
        grids_outside=tuple(grids_outside),
        communities_outside=tuple(communities_outside),
        invalid=tuple(t_layer.invalid + c_layer.invalid + g_layer.invalid),
    )


def grid_quality_check_for(*, user: User, tolerance_m2: float = 1.0) -> GridQualityReport:
    """The report for the user's jurisdiction; PermissionDenied unless office staff.

    Kept per process until geo_version moves (at scale 10 a check takes seconds).
    """
    if user.jurisdiction_id is None:
        raise PermissionDenied(_("您不属于任何辖区"))
    if not roles_for(user=user).may(Perm.QUALITY):
        raise PermissionDenied(_("只有精细办受理/派遣员、县领导和系统管理员可以查看数据质量报告"))
    jurisdiction = Jurisdiction.objects.get(pk=user.jurisdiction_id)
    version = geo_version_get(jurisdiction_id=jurisdiction.pk)
    return _reports.get(
        jurisdiction.pk,
        (version, tolerance_m2),
        lambda: grid_quality_check(jurisdiction=jurisdiction, tolerance_m2=tolerance_m2),
    )


# The page's last report per jurisdiction: it only changes with geo_version.
_reports: VersionedCache[int, GridQualityReport] = VersionedCache()


@dataclass(frozen=True)
class DataQuality:
    """The data-quality page's verdict: it passes only when the grids and the road
    network both do (`GridQualityReport.ok`, `RoadNetwork.ok`)."""

    grid: GridQualityReport
    network: RoadNetwork

    @property
    def network_problem_count(self) -> int:
        """Parts beyond the first, dangling ends and near misses."""
        network = self.network
        return max(0, len(network.parts) - 1) + len(network.dangling) + len(network.near_misses)

    @property
    def ok(self) -> bool:
        return self.grid.ok and self.network.ok

    def summary(self) -> str:
        if self.ok:
            return _(
                "数据质量检查通过：网格无缝隙、无重叠、无越界，路网连通、无断头路、无疑似未接通。"
            )
        return _(
            "数据质量检查未通过：网格问题%(g)d处；路网连通片区%(p)d个、断头路端点%(d)d个、"
            "疑似未接通%(m)d处。"
        ) % {
            "g": self.grid.problem_count,
            "p": len(self.network.parts),
            "d": len(self.network.dangling),
            "m": len(self.network.near_misses),
        }


def data_quality_for(*, user: User, tolerance_m2: float = 1.0) -> DataQuality:
    """The grids' report and the road network of the user's jurisdiction, for the page;
    PermissionDenied as `grid_quality_check_for`. Both are kept per process."""
    grid = grid_quality_check_for(user=user, tolerance_m2=tolerance_m2)
    jurisdiction = Jurisdiction.objects.get(code=grid.jurisdiction_code)
    return DataQuality(grid=grid, network=road_network_get(jurisdiction=jurisdiction))
