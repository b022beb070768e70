"""Coverage on a handmade set of segments, at the 70 % / 20 m edge."""

from __future__ import annotations

from typing import Any

import pytest

from jingxi.inspections.coverage import (
    CHUNK_POINTS,
    SegmentCover,
    coverage_compute,
    nearest_segment,
    segment_index_make,
)
from jingxi.lib.geo import MetricProjection

PROJECTION = MetricProjection.for_lng(113.97)
X0, Y0 = PROJECTION.forward_point(113.97, 34.71)


def lnglat(x: float, y: float) -> tuple[float, float]:
    """A point `x` metres east and `y` metres north of the origin, in lng/lat."""
    return PROJECTION.inverse_point(X0 + x, Y0 + y)


def line(*points: tuple[float, float]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [list(lnglat(x, y)) for x, y in points]}


# Three 100 m segments: 1 east-west at y=0, 2 east-west 500 m north, 3 north-south.
SEGMENTS = [
    (1, line((0, 0), (100, 0))),
    (2, line((0, 500), (100, 500))),
    (3, {"type": "MultiLineString", "coordinates": [line((300, 0), (300, 100))["coordinates"]]}),
]
INDEX = segment_index_make(projection=PROJECTION, segments=SEGMENTS)


def walk(x_from: float, x_to: float, y: float, *, step: float = 5.0) -> list[tuple[float, float]]:
    n = round((x_to - x_from) / step)
    return [lnglat(x_from + k * step, y) for k in range(n + 1)]


def covers(*pieces: list[tuple[float, float]]) -> dict[int, SegmentCover]:
    found = coverage_compute(index=INDEX, pieces=list(pieces), buffer_m=20, ratio=0.70)
    return {c.segment_id: c for c in found}


def test_a_walk_within_the_buffer_covers_the_whole_segment() -> None:
    found = covers(walk(-50, 150, y=19))
    assert set(found) == {1}
    assert found[1].walked and found[1].ratio == pytest.approx(1.0, abs=0.01)
    assert found[1].covered_m == pytest.approx(100, abs=1)


def test_a_walk_just_beyond_the_buffer_misses_it() -> None:
    assert covers(walk(-50, 150, y=21)) == {}


@pytest.mark.parametrize(
    ("end_x", "walked"),
    [(48.0, False), (52.0, True)],
    ids=["68-percent-partly", "72-percent-walked"],
)
def test_the_seventy_percent_edge(end_x: float, walked: bool) -> None:
    # On the segment's line from before its start: covered to end_x plus the 20 m cap.
    found = covers(walk(-50, end_x, y=0, step=2))
    assert found[1].ratio == pytest.approx((end_x + 20) / 100, abs=0.01)
    assert found[1].walked is walked


def test_long_tracks_are_chunked_without_counting_overlaps_twice() -> None:
    track = walk(-10, 110, y=5, step=0.5)
    assert len(track) > 4 * CHUNK_POINTS
    found = covers(track)
    assert found[1].ratio == pytest.approx(1.0, abs=0.001)
    assert found[1].covered_m <= 100.5


def test_pieces_cover_together_and_a_multiline_segment_counts() -> None:
    west, east = walk(-30, 40, y=0), walk(40, 130, y=0)
    found = covers(west, east, [lnglat(300, y) for y in range(0, 101, 10)])
    assert found[1].walked and found[3].walked
    assert 2 not in found
    single = covers([lnglat(50, 0)])  # one point: a 40 m disc
    assert single[1].ratio == pytest.approx(0.40, abs=0.01)


def test_nothing_to_cover_and_the_nearest_segment() -> None:
    assert covers() == {}
    empty = segment_index_make(projection=PROJECTION, segments=[])
    assert coverage_compute(index=empty, pieces=[walk(0, 100, 0)], buffer_m=20, ratio=0.7) == []
    assert nearest_segment(index=INDEX, lng=lnglat(50, 30)[0], lat=lnglat(50, 30)[1]) == 1
    assert nearest_segment(index=INDEX, lng=lnglat(50, 250)[0], lat=lnglat(50, 250)[1]) is None
    assert nearest_segment(index=empty, lng=113.97, lat=34.71) is None
