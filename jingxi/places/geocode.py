"""Geocoding (地理编码, CJ/T 215 practice) from our own data, and the reverse.

Forward, text → candidates, most specific reading first:

1. house number: a road name followed by a number ("青年路100号") → the point
   interpolated along the segment whose number range (number_from..number_to)
   holds it;
2. intersection: two road names with a connector or a crossing word
   ("青年路与建设路交叉口", "青年路和建设路交叉口", "青年路建设路口") → where the
   two roads meet (every crossing when they meet more than once);
3. names: landmarks (name or alias) and components (name or 16-digit object id),
   exact matches first, then names the text contains, then names containing the
   text;
4. a road name alone → the middle of the road.

The first reading that finds anything answers; several plausible answers are all
returned (best first, at most `MAX_CANDIDATES`), never a guess; nothing → [].

Reverse, point → "青年路（文化路至建设路段）近县第一实验小学".

The index is built per process from the same snapshot as the responsibility index and rebuilt
with it when `Jurisdiction.geo_version` moves.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

import shapely
from django.utils.translation import gettext as _
from shapely import STRtree
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry

from jingxi.places.responsibility import responsibility_index_for
from jingxi.places.responsibility_index import ResponsibilityIndex
from jingxi.places.responsibility_units import points_array
from jingxi.places.versioned import VersionedCache

if TYPE_CHECKING:
    from jingxi.org.models import Jurisdiction

GeocodeKind = Literal["house_number", "intersection", "landmark", "component", "road"]

MAX_CANDIDATES: Final = 10
# Two roads closer than this without touching still "meet" (data drawn with a gap).
INTERSECTION_SNAP_M: Final = 30.0
DESCRIBE_ROAD_M: Final = 100.0
DESCRIBE_LANDMARK_M: Final = 500.0

_CROSSING_WORDS = re.compile(r"(十字路口|交叉路口|交叉口|交汇处|交会处|交口)")
_CONNECTORS: Final = ("与", "和", "及", "跟", "、", "/", "&", "同", "至")
_NUMBER_AFTER_ROAD = re.compile(r"(\d+)(?:号|-|之|$)")


@dataclass(frozen=True, slots=True)
class GeocodeCandidate:
    label: str
    lng: float
    lat: float
    kind: GeocodeKind
    score: float


def address_normalize(text: str) -> str:
    """Full-width to half-width (NFKC), no spaces, 號→号, crossing words → 口."""
    t = unicodedata.normalize("NFKC", text)
    t = re.sub(r"\s+", "", t)
    t = t.replace("號", "号").replace("與", "与").replace("橫", "横")
    return _CROSSING_WORDS.sub("口", t)


@dataclass(frozen=True, slots=True)
class _RoadEntry:
    index: int
    road_id: int
    name: str
    segment_indexes: tuple[int, ...]  # responsibility index's segment indexes, by seq
    middle: tuple[float, float]  # WGS84


class GeocodeIndex:
    """Lookup tables over one ResponsibilityIndex's snapshot (no ORM)."""

    def __init__(self, responsibility_index: ResponsibilityIndex) -> None:
        self.responsibility_index = responsibility_index
        snapshot = responsibility_index.snapshot
        projection = responsibility_index.projection
        by_road: dict[int, list[int]] = {}
        for i, s in enumerate(responsibility_index.segments):
            by_road.setdefault(s.road_id, []).append(i)
        self.roads: list[_RoadEntry] = []
        for road in sorted(snapshot.roads, key=lambda r: r.code):
            indexes = tuple(
                sorted(by_road.get(road.id, []), key=lambda i: responsibility_index.segments[i].seq)
            )
            if not indexes:
                continue
            self.roads.append(
                _RoadEntry(
                    index=len(self.roads),
                    road_id=road.id,
                    name=road.name,
                    segment_indexes=indexes,
                    middle=self._road_middle(indexes),
                )
            )
        # Longest names first, so "建设北路" is found before a road called "建设路" could be.
        self._roads_by_name = sorted(
            ((address_normalize(r.name), r) for r in self.roads if r.name),
            key=lambda item: -len(item[0]),
        )
        self._road_geoms: dict[int, BaseGeometry] = {}
        self._crossings: dict[tuple[int, int], list[tuple[float, float]]] = {}

        self.landmarks = snapshot.landmarks
        self._landmark_names: list[tuple[str, int]] = []
        for i, lm in enumerate(self.landmarks):
            for name in (lm.name, *lm.aliases):
                key = address_normalize(name)
                if key:
                    self._landmark_names.append((key, i))
        lx, ly = projection.forward_xy(
            [lm.lng for lm in self.landmarks], [lm.lat for lm in self.landmarks]
        )
        self._landmark_tree = STRtree(points_array(lx, ly)) if len(self.landmarks) else None

        components = snapshot.components
        self._component_by_name: dict[str, list[int]] = {}
        for i, name in enumerate(components.names):
            key = address_normalize(name)
            if key:
                self._component_by_name.setdefault(key, []).append(i)
        self._component_by_object_id = {oid: i for i, oid in enumerate(components.object_ids)}

    # --- geometry helpers -----------------------------------------------------------

    def _road_middle(self, indexes: tuple[int, ...]) -> tuple[float, float]:
        base = self.responsibility_index
        lengths = [float(base.segment_geoms[i].length) for i in indexes]
        half = sum(lengths) / 2.0
        for i, length in zip(indexes, lengths, strict=True):
            if half <= length or i == indexes[-1]:
                p = base.segment_geoms[i].interpolate(min(half, length))
                return base.projection.inverse_point(p.x, p.y)
            half -= length
        raise AssertionError("unreachable")  # pragma: no cover

    def _road_geom(self, road: _RoadEntry) -> BaseGeometry:
        """The road's projected lines, merged."""
        found = self._road_geoms.get(road.index)
        if found is None:
            lines = [self.responsibility_index.segment_geoms[i] for i in road.segment_indexes]
            found = MultiLineString(lines) if len(lines) > 1 else lines[0]
            self._road_geoms[road.index] = found
        return found

    def _crossing_points(self, a: _RoadEntry, b: _RoadEntry) -> list[tuple[float, float]]:
        key = (min(a.index, b.index), max(a.index, b.index))
        found = self._crossings.get(key)
        if found is not None:
            return found
        ga, gb = self._road_geom(a), self._road_geom(b)
        meet = shapely.intersection(ga, gb)
        points: list[tuple[float, float]] = []
        for part in shapely.get_parts(meet).tolist():
            if isinstance(part, Point):
                points.append((part.x, part.y))
            elif isinstance(part, LineString) and not part.is_empty:
                # Roads sharing a stretch: take the middle of the shared part.
                mid = part.interpolate(0.5, normalized=True)
                points.append((mid.x, mid.y))
        if not points and shapely.distance(ga, gb) <= INTERSECTION_SNAP_M:
            gap = shapely.shortest_line(ga, gb)
            mid = gap.interpolate(0.5, normalized=True)
            points.append((mid.x, mid.y))
        # Crossings closer than 1 m are one crossing (segments meeting at a shared vertex).
        unique: list[tuple[float, float]] = []
        for p in sorted(points):
            if all((p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 > 1.0 for q in unique):
                unique.append(p)
        projection = self.responsibility_index.projection
        found = [projection.inverse_point(x, y) for x, y in unique]
        self._crossings[key] = found
        return found

    # --- forward --------------------------------------------------------------------

    def _find_roads(self, text: str) -> list[tuple[int, int, _RoadEntry]]:
        """Road names in the text as (start, end, road), by position, not overlapping."""
        taken: list[tuple[int, int]] = []
        found: list[tuple[int, int, _RoadEntry]] = []
        for name, road in self._roads_by_name:
            start = text.find(name)
            while start != -1:
                end = start + len(name)
                if all(end <= s or start >= e for s, e in taken):
                    taken.append((start, end))
                    found.append((start, end, road))
                    break
                start = text.find(name, start + 1)
        return sorted(found, key=lambda item: item[0])

    def _house_number(self, road: _RoadEntry, number: int) -> list[GeocodeCandidate]:
        base = self.responsibility_index
        out: list[GeocodeCandidate] = []
        for i in road.segment_indexes:
            s = base.segments[i]
            if s.number_from is None or s.number_to is None:
                continue
            lo, hi = sorted((s.number_from, s.number_to))
            if not lo <= number <= hi:
                continue
            span = s.number_to - s.number_from
            fraction = 0.5 if span == 0 else (number - s.number_from) / span
            line = base.segment_geoms[i]
            p = line.interpolate(fraction * line.length)
            lng, lat = base.projection.inverse_point(p.x, p.y)
            label = f"{road.name}{number}号"
            out.append(GeocodeCandidate(label, lng, lat, "house_number", 1.0))
        return out

    def _road_candidate(self, road: _RoadEntry, score: float) -> GeocodeCandidate:
        return GeocodeCandidate(road.name, road.middle[0], road.middle[1], "road", score)

    def _intersection(
        self, text: str, roads: list[tuple[int, int, _RoadEntry]]
    ) -> list[GeocodeCandidate]:
        (_start_a, end_a, a), (start_b, end_b, b) = roads[0], roads[1]
        between = text[end_a:start_b]
        after = text[end_b : end_b + 1]
        marked = after == "口" or between in _CONNECTORS
        if between and not marked:
            return []
        score = 1.0 if marked else 0.9
        label = _("%(a)s与%(b)s交叉口") % {"a": a.name, "b": b.name}
        return [
            GeocodeCandidate(label, lng, lat, "intersection", score)
            for lng, lat in self._crossing_points(a, b)
        ]

    def _names(self, text: str) -> list[GeocodeCandidate]:
        out: list[GeocodeCandidate] = []
        components = self.responsibility_index.snapshot.components
        # Exact: a landmark name or alias, a component name or object id.
        for key, i in self._landmark_names:
            if key == text:
                lm = self.landmarks[i]
                out.append(GeocodeCandidate(lm.name, lm.lng, lm.lat, "landmark", 1.0))
        ci = self._component_by_object_id.get(text)
        matches = [ci] if ci is not None else self._component_by_name.get(text, [])
        for ci in matches:
            label = f"{components.names[ci]}（{components.object_ids[ci]}）"
            lng, lat = components.lngs[ci], components.lats[ci]
            out.append(GeocodeCandidate(label, lng, lat, "component", 0.95))
        if out:
            return out
        # Landmark names the text contains ("中牟县第一实验小学门口"), longest first.
        contained = [(key, i) for key, i in self._landmark_names if len(key) >= 2 and key in text]
        for key, i in sorted(contained, key=lambda item: -len(item[0])):
            lm = self.landmarks[i]
            score = 0.6 + 0.3 * len(key) / len(text)
            out.append(GeocodeCandidate(lm.name, lm.lng, lm.lat, "landmark", round(score, 3)))
        if out:
            return out
        # Landmark names containing the text ("实验小学" → 第一、第二实验小学).
        if len(text) >= 2:
            for key, i in self._landmark_names:
                if text in key:
                    lm = self.landmarks[i]
                    score = 0.3 + 0.5 * len(text) / len(key)
                    out.append(
                        GeocodeCandidate(lm.name, lm.lng, lm.lat, "landmark", round(score, 3))
                    )
        return out

    def geocode(self, text: str) -> list[GeocodeCandidate]:
        t = address_normalize(text)
        if not t:
            return []
        roads = self._find_roads(t)
        for _start, end, road in roads:
            m = _NUMBER_AFTER_ROAD.match(t, end)
            if m:
                found = self._house_number(road, int(m.group(1)))
                return _best(found or [self._road_candidate(road, 0.4)])
        if len({r[2].road_id for r in roads}) >= 2:
            found = self._intersection(t, roads)
            if found:
                return _best(found)
        found = self._names(t)
        if found:
            return _best(found)
        return _best([self._road_candidate(road, 0.6) for _s, _e, road in roads])

    # --- reverse --------------------------------------------------------------------

    def describe(self, lng: float, lat: float) -> str:
        """A readable address: the road segment near the point, then the landmark near it.

        Raises OutsideJurisdiction for a point in no township.
        """
        base = self.responsibility_index
        result = base.resolve(lng, lat)
        x, y = base.projection.forward_point(lng, lat)
        where = result.segment_label
        if not where and len(base.segments):
            hits, _dist = base.segment_tree.query_nearest(
                Point(x, y), max_distance=DESCRIBE_ROAD_M, return_distance=True
            )
            if len(hits):
                where = base.segment_labels[int(hits.min())]
        if not where:
            community = result.community_name
            where = (
                community
                if community.startswith(result.township_name)
                else result.township_name + community
            )
        near = ""
        if self._landmark_tree is not None:
            hits = self._landmark_tree.query_nearest(Point(x, y), max_distance=DESCRIBE_LANDMARK_M)
            if len(hits):
                near = self.landmarks[int(hits.min())].name
        if near:
            return _("%(where)s近%(near)s") % {"where": where, "near": near}
        if result.grid_code and not result.segment_label:
            return _("%(where)s（网格%(grid)s）") % {"where": where, "grid": result.grid_code}
        return where


def _best(candidates: list[GeocodeCandidate]) -> list[GeocodeCandidate]:
    """Best first, duplicates (same kind, label and point to 1e-6 degree) dropped."""
    seen: set[tuple[str, str, float, float]] = set()
    out: list[GeocodeCandidate] = []
    for c in sorted(candidates, key=lambda c: -c.score):
        key = (c.kind, c.label, round(c.lng, 6), round(c.lat, 6))
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out[:MAX_CANDIDATES]


_indexes: VersionedCache[int, GeocodeIndex] = VersionedCache()


def geocode_index_for(
    *, jurisdiction: Jurisdiction, geo_version: int | None = None
) -> GeocodeIndex:
    """This process's index, rebuilt whenever the responsibility index is (its version is
    that index itself; `geo_version` as for `responsibility_index_for`)."""
    base = responsibility_index_for(jurisdiction=jurisdiction, geo_version=geo_version)
    return _indexes.get(jurisdiction.pk, base, lambda: GeocodeIndex(base))


def address_geocode(*, jurisdiction: Jurisdiction, text: str) -> list[GeocodeCandidate]:
    """Candidates for an address text, best first; [] when nothing matches."""
    return geocode_index_for(jurisdiction=jurisdiction).geocode(text)


def point_describe(
    *, jurisdiction: Jurisdiction, lng: float, lat: float, geo_version: int | None = None
) -> str:
    """A readable address for a WGS84 point; raises OutsideJurisdiction."""
    return geocode_index_for(jurisdiction=jurisdiction, geo_version=geo_version).describe(lng, lat)


__all__ = [
    "GeocodeCandidate",
    "GeocodeIndex",
    "address_geocode",
    "address_normalize",
    "geocode_index_for",
    "point_describe",
]
