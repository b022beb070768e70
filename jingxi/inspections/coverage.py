"""Coverage: which segments a round's track walked, measured on the road network.

A segment counts as walked in a round when at least `cover_ratio` (0.70) of its length
lies within `cover_buffer_m` (20 m) of the track (`InspectionSettings`). The work is
done in the jurisdiction's local metric projection (`lib.geo.MetricProjection`) with
shapely 2's vectorised operations: the track's pieces are cut into short chunks and
buffered, an STRtree of the segment lines gives the candidates each chunk touches, and
each candidate's length inside the union of the chunks touching it is its covered
length. The segment lines, their tree and the jurisdiction's box are built once per
process and `geo_version` (`places.versioned.VersionedCache`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import shapely
from shapely import STRtree
from shapely.geometry import LineString, MultiLineString
from shapely.geometry.base import BaseGeometry

from jingxi.inspections.track import bbox_with_margin
from jingxi.lib.geo import MetricProjection
from jingxi.org.models import Jurisdiction
from jingxi.places.models import Grid, Segment
from jingxi.places.selectors import geo_version_get
from jingxi.places.versioned import VersionedCache

#: Points per buffered chunk of a track piece: short chunks keep each polygon small.
CHUNK_POINTS: Final = 32
#: How far from a finding a segment may be to be the finding's segment.
FINDING_SEGMENT_M: Final = 100.0


@dataclass(frozen=True)
class SegmentIndex:
    """A jurisdiction's segment lines in metres, their tree and its box (lng/lat)."""

    projection: MetricProjection
    ids: npt.NDArray[np.int64]
    lines: npt.NDArray[np.object_]
    lengths: npt.NDArray[np.float64]
    tree: STRtree
    bbox: tuple[float, float, float, float] | None  # margin included


@dataclass(frozen=True)
class SegmentCover:
    segment_id: int
    covered_m: float
    ratio: float
    walked: bool


def _coords(geometry: Any) -> list[list[list[float]]]:
    if isinstance(geometry, str):
        geometry = json.loads(geometry)
    if not isinstance(geometry, dict):
        return []
    if geometry.get("type") == "LineString":
        return [geometry.get("coordinates") or []]
    if geometry.get("type") == "MultiLineString":
        return list(geometry.get("coordinates") or [])
    return []


def _bounds(geometries: Sequence[Any]) -> tuple[float, float, float, float] | None:
    lngs: list[float] = []
    lats: list[float] = []
    for geometry in geometries:
        if isinstance(geometry, str):
            geometry = json.loads(geometry)
        if isinstance(geometry, dict):
            flat = np.asarray(_flatten(geometry.get("coordinates")), dtype=np.float64)
            if flat.size:
                flat = flat.reshape(-1, 2)
                lngs += [float(flat[:, 0].min()), float(flat[:, 0].max())]
                lats += [float(flat[:, 1].min()), float(flat[:, 1].max())]
    if not lngs:
        return None
    return bbox_with_margin(min(lngs), min(lats), max(lngs), max(lats))


def _flatten(value: Any) -> list[float]:
    """The lng, lat pairs of nested GeoJSON coordinates, flattened (heights dropped)."""
    if not isinstance(value, list) or not value:
        return []
    if isinstance(value[0], int | float):
        return [float(value[0]), float(value[1])] if len(value) >= 2 else []
    out: list[float] = []
    for item in value:
        out += _flatten(item)
    return out


def segment_index_build(*, jurisdiction_id: int) -> SegmentIndex:
    """Read and project the jurisdiction's segments (see `segment_index_get`)."""
    center_lng = Jurisdiction.objects.values_list("center_lng", flat=True).get(pk=jurisdiction_id)
    rows = list(
        Segment.objects.filter(road__jurisdiction_id=jurisdiction_id)
        .order_by("id")
        .values_list("id", "geometry")
    )
    grids = Grid.objects.filter(community__township__jurisdiction_id=jurisdiction_id)
    return segment_index_make(
        projection=MetricProjection.for_lng(float(center_lng)),
        segments=rows,
        areas=list(grids.values_list("geometry", flat=True)),
    )


def segment_index_make(
    *, projection: MetricProjection, segments: Sequence[tuple[int, Any]], areas: Sequence[Any] = ()
) -> SegmentIndex:
    """An index of (id, GeoJSON line) segments; the box also spans the `areas`."""
    ids: list[int] = []
    lines: list[BaseGeometry] = []
    for segment_id, geometry in segments:
        parts = [np.asarray(c, dtype=np.float64)[:, :2] for c in _coords(geometry) if len(c) >= 2]
        if not parts:
            continue
        metric = []
        for part in parts:
            xs, ys = projection.forward_xy(part[:, 0], part[:, 1])
            metric.append(np.column_stack((xs, ys)))
        line: BaseGeometry = LineString(metric[0]) if len(metric) == 1 else MultiLineString(metric)
        if line.length > 0:
            ids.append(segment_id)
            lines.append(line)
    bbox = _bounds([g for _i, g in segments] + list(areas))
    line_array = np.asarray(lines, dtype=object)
    return SegmentIndex(
        projection=projection,
        ids=np.asarray(ids, dtype=np.int64),
        lines=line_array,
        lengths=np.asarray(shapely.length(line_array), dtype=np.float64),
        tree=STRtree(line_array),
        bbox=bbox,
    )


_indexes: VersionedCache[int, SegmentIndex] = VersionedCache()


def segment_index_get(*, jurisdiction_id: int, geo_version: int | None = None) -> SegmentIndex:
    """The jurisdiction's segment index, kept per process until its geo_version moves."""
    version = (
        geo_version_get(jurisdiction_id=jurisdiction_id) if geo_version is None else geo_version
    )
    return _indexes.get(
        jurisdiction_id, version, lambda: segment_index_build(jurisdiction_id=jurisdiction_id)
    )


def _chunks(index: SegmentIndex, pieces: Sequence[Sequence[tuple[float, float]]]) -> list[Any]:
    """The pieces in metres, cut into overlapping chunks of CHUNK_POINTS points."""
    if not pieces:
        return []
    sizes = [len(p) for p in pieces]
    flat = np.asarray([xy for p in pieces for xy in p], dtype=np.float64).reshape(-1, 2)
    xs, ys = index.projection.forward_xy(flat[:, 0], flat[:, 1])
    metric = np.column_stack((xs, ys))
    chunks: list[Any] = []
    start = 0
    for size in sizes:
        coords = metric[start : start + size]
        start += size
        if size == 1:
            chunks.append(shapely.points(coords[0]))
            continue
        for low in range(0, size - 1, CHUNK_POINTS):
            chunks.append(shapely.linestrings(coords[low : low + CHUNK_POINTS + 1]))
    return chunks


def coverage_compute(
    *,
    index: SegmentIndex,
    pieces: Sequence[Sequence[tuple[float, float]]],
    buffer_m: float,
    ratio: float,
) -> list[SegmentCover]:
    """Each segment the track came within `buffer_m` of, with its covered length."""
    chunks = _chunks(index, pieces)
    if not chunks or not len(index.ids):
        return []
    buffers = shapely.buffer(np.asarray(chunks, dtype=object), buffer_m, quad_segs=4)
    chunk_idx, seg_idx = index.tree.query(buffers, predicate="intersects")
    if not len(seg_idx):
        return []
    order = np.argsort(seg_idx, kind="stable")
    seg_sorted, chunk_sorted = seg_idx[order], chunk_idx[order]
    segs, starts = np.unique(seg_sorted, return_index=True)
    areas: list[Any] = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else len(seg_sorted)
        mine = buffers[chunk_sorted[start:end]]
        areas.append(mine[0] if len(mine) == 1 else shapely.union_all(mine))
    covered = shapely.length(
        shapely.intersection(index.lines[segs], np.asarray(areas, dtype=object))
    )
    lengths = index.lengths[segs]
    ratios = np.minimum(covered / lengths, 1.0)
    return [
        SegmentCover(
            segment_id=int(index.ids[s]),
            covered_m=round(float(c), 1),
            ratio=round(float(r), 4),
            walked=bool(r >= ratio - 1e-9),
        )
        for s, c, r in zip(segs, covered, ratios, strict=True)
    ]


def nearest_segment(*, index: SegmentIndex, lng: float, lat: float) -> int | None:
    """The segment nearest to the point within FINDING_SEGMENT_M, if any."""
    if not len(index.ids):
        return None
    x, y = index.projection.forward_point(lng, lat)
    found = index.tree.query_nearest(shapely.points(x, y), max_distance=FINDING_SEGMENT_M)
    hits = np.asarray(found)
    if hits.size == 0:
        return None
    return int(index.ids[int(hits.reshape(-1)[0])])
