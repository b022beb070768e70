"""GeoJSON for the map's layers: townships, communities, grids, road segments, components.

Polygons and lines are served from a per-process index, one per (jurisdiction,
layer, language), rebuilt when `Jurisdiction.geo_version` changes (every
service writing geographic data bumps it). A bounding box filter then runs in
Python against each feature's precomputed bbox. Components are many and are
points: they are filtered by bounding box in SQL on their `lng`/`lat` columns.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from django.db.models import Count
from django.utils import translation
from django.utils.translation import gettext as _

from jingxi.org.models import Jurisdiction
from jingxi.places.models import Community, Component, Grid, Segment, Township
from jingxi.places.selectors import road_chief_list_current
from jingxi.places.versioned import VersionedCache

Feature = dict[str, Any]


class BBoxError(ValueError):
    """A bbox parameter that is not `west,south,east,north` in degrees."""


@dataclass(frozen=True, kw_only=True)
class BBox:
    west: float
    south: float
    east: float
    north: float

    def intersects(self, other: tuple[float, float, float, float]) -> bool:
        w, s, e, n = other
        return not (e < self.west or w > self.east or n < self.south or s > self.north)


def bbox_parse(raw: str | None) -> BBox | None:
    """Parse `w,s,e,n` (WGS84 degrees); None when absent; BBoxError when malformed."""
    if raw is None or raw.strip() == "":
        return None
    parts = raw.split(",")
    if len(parts) != 4:
        raise BBoxError(_("bbox 须为 west,south,east,north 四个数"))
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError as exc:
        raise BBoxError(_("bbox 须为 west,south,east,north 四个数")) from exc
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise BBoxError(_("bbox 须为 west,south,east,north 四个数"))
    if not (
        -180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90
    ):
        raise BBoxError(_("bbox 超出经纬度范围"))
    if west > east or south > north:
        raise BBoxError(_("bbox 的西边界须不大于东边界、南边界须不大于北边界"))
    return BBox(west=west, south=south, east=east, north=north)


def geometry_bbox(geometry: dict[str, Any]) -> tuple[float, float, float, float]:
    """The bounding box (w, s, e, n) of a GeoJSON geometry."""
    xs: list[float] = []
    ys: list[float] = []

    def walk(coords: Any) -> None:
        if coords and isinstance(coords[0], int | float):
            xs.append(float(coords[0]))
            ys.append(float(coords[1]))
            return
        for c in coords:
            walk(c)

    if geometry.get("type") == "GeometryCollection":
        for g in geometry.get("geometries", []):
            w, s, e, n = geometry_bbox(g)
            xs += [w, e]
            ys += [s, n]
    else:
        walk(geometry.get("coordinates", []))
    if not xs:
        return (math.inf, math.inf, -math.inf, -math.inf)
    return (min(xs), min(ys), max(xs), max(ys))


def _feature(geometry: dict[str, Any], properties: dict[str, Any]) -> Feature:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _townships(j: Jurisdiction) -> Iterable[Feature]:
    rows = (
        Township.objects.filter(jurisdiction=j)
        .select_related("unit")
        .annotate(n_communities=Count("communities"))
        .order_by("code")
    )
    for t in rows:
        yield _feature(
            t.geometry,
            {
                "id": t.pk,
                "name": t.name,
                "code": t.code,
                "kind": str(t.get_kind_display()),
                "unit": t.unit.name if t.unit else "",
                "communities": t.n_communities,
            },
        )


def _communities(j: Jurisdiction) -> Iterable[Feature]:
    rows = (
        Community.objects.filter(township__jurisdiction=j)
        .select_related("township")
        .defer("township__geometry")
        .annotate(n_grids=Count("grids"))
        .order_by("code")
    )
    for c in rows:
        yield _feature(
            c.geometry,
            {
                "id": c.pk,
                "name": c.name,
                "code": c.code,
                "kind": str(c.get_kind_display()),
                "township": c.township.name,
                "grids": c.n_grids,
            },
        )


def _grids(j: Jurisdiction) -> Iterable[Feature]:
    rows = (
        Grid.objects.filter(community__township__jurisdiction=j)
        .select_related("community__township")
        .defer("community__geometry", "community__township__geometry")
        .order_by("code")
    )
    for g in rows:
        yield _feature(
            g.geometry,
            {
                "id": g.pk,
                "code": g.code,
                "community": g.community.name,
                "township": g.community.township.name,
                "area_class": str(g.get_area_class_display()),
                "area_m2": round(g.area_m2),
            },
        )


def _segments(j: Jurisdiction) -> Iterable[Feature]:
    # Current road chiefs: a chief with no segments answers for the whole road.
    whole_road: dict[int, list[str]] = {}
    by_segment: dict[int, list[str]] = {}
    chiefs = (
        road_chief_list_current()
        .filter(road__jurisdiction=j)
        .select_related("user")
        .prefetch_related("segments")
        .order_by("level", "pk")
    )
    for chief in chiefs:
        label = f"{chief.user}（{chief.get_level_display()}）"
        segment_ids = [s.pk for s in chief.segments.all()]
        if not segment_ids:
            whole_road.setdefault(chief.road_id, []).append(label)
        for sid in segment_ids:
            by_segment.setdefault(sid, []).append(label)
    rows = (
        Segment.objects.filter(road__jurisdiction=j)
        .select_related("road", "township", "maintainer")
        .defer("township__geometry")
        .order_by("road__name", "seq")
    )
    for s in rows:
        names = whole_road.get(s.road_id, []) + by_segment.get(s.pk, [])
        yield _feature(
            s.geometry,
            {
                "id": s.pk,
                "road": s.road.name,
                "road_code": s.road.code,
                "grade": s.road.grade,
                "grade_label": str(s.road.get_grade_display()),
                "seq": s.seq,
                "name": str(s),
                "from_street": s.from_street,
                "to_street": s.to_street,
                "township": s.township.name if s.township else "",
                "maintainer": s.maintainer.name if s.maintainer else "",
                "length_m": round(s.length_m),
                "road_chiefs": names,
                "road_chiefs_count": len(names),
            },
        )


INDEXED_LAYERS: Final[dict[str, Callable[[Jurisdiction], Iterable[Feature]]]] = {
    "townships": _townships,
    "communities": _communities,
    "grids": _grids,
    "segments": _segments,
}
LAYERS: Final = (*INDEXED_LAYERS, "components")
# How many features one response may carry; more are cut and flagged `truncated`.
CAPS: Final[dict[str, int]] = {
    "townships": 1_000,
    "communities": 5_000,
    "grids": 5_000,
    "segments": 10_000,
    "components": 2_000,
}


_Items = list[tuple[tuple[float, float, float, float], Feature]]
_index: VersionedCache[tuple[int, str, str], _Items] = VersionedCache()


def map_index_clear() -> None:
    """Forget every cached layer (tests; a process that changed data without bumping)."""
    _index.clear()


def _indexed(j: Jurisdiction, layer: str) -> _Items:
    key = (j.pk, layer, translation.get_language() or "")
    return _index.get(
        key,
        j.geo_version,
        lambda: [(geometry_bbox(f["geometry"]), f) for f in INDEXED_LAYERS[layer](j)],
    )


def _components(j: Jurisdiction, bbox: BBox | None, cap: int) -> tuple[list[Feature], bool]:
    qs = Component.objects.filter(jurisdiction=j)
    if bbox is not None:
        qs = qs.filter(
            lng__gte=bbox.west, lng__lte=bbox.east, lat__gte=bbox.south, lat__lte=bbox.north
        )
    rows = list(
        qs.select_related("category", "owner", "maintainer", "grid")
        .defer("grid__geometry")
        .order_by("object_id")[: cap + 1]
    )
    features = [
        _feature(
            {"type": "Point", "coordinates": [c.lng, c.lat]},
            {
                "id": c.pk,
                "object_id": c.object_id,
                "name": c.name or c.category.name,
                "category": c.category.name,
                "state": c.state,
                "state_label": str(c.get_state_display()),
                "owner": c.owner.name if c.owner else "",
                "maintainer": c.maintainer.name if c.maintainer else "",
                "grid": c.grid.code if c.grid else "",
                "location_note": c.location_note,
            },
        )
        for c in rows[:cap]
    ]
    return features, len(rows) > cap


def map_layer_get(*, jurisdiction: Jurisdiction, layer: str, bbox: BBox | None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of `layer` in `jurisdiction`, limited to `bbox` if given.

    Raises KeyError for an unknown layer.
    """
    if layer not in LAYERS:
        raise KeyError(layer)
    cap = CAPS[layer]
    if layer == "components":
        features, truncated = _components(jurisdiction, bbox, cap)
    else:
        items = _indexed(jurisdiction, layer)
        selected = [f for b, f in items if bbox is None or bbox.intersects(b)]
        truncated = len(selected) > cap
        features = selected[:cap]
    return {
        "type": "FeatureCollection",
        "layer": layer,
        "geo_version": jurisdiction.geo_version,
        "truncated": truncated,
        "features": features,
    }
