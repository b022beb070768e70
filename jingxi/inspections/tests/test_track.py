"""Track cleaning: pure functions, any input, every point counted once."""

from __future__ import annotations

import itertools
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from jingxi.inspections.choices import PointDrop
from jingxi.inspections.track import (
    Anchor,
    TrackRules,
    bbox_with_margin,
    haversine_m,
    track_clean,
    track_length_m,
    track_pieces,
)

BOX = bbox_with_margin(113.95, 34.70, 113.99, 34.72)
RULES = TrackRules(max_accuracy_m=50, max_speed_mps=12 / 3.6, gap_seconds=300, bbox=BOX)
LAT = 34.71
M_PER_DEG_LNG = haversine_m(113.95, LAT, 113.96, LAT) / 0.01


def east(lng: float, metres: float) -> float:
    return lng + metres / M_PER_DEG_LNG


anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=3),
)
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=113.9, max_value=114.0),
    st.floats(min_value=34.6, max_value=34.8),
    st.integers(min_value=-(2**40), max_value=2**40),
)
well_shaped = st.tuples(
    st.integers(min_value=-5, max_value=60),
    st.floats(min_value=0, max_value=4000),
    st.floats(min_value=113.94, max_value=114.0),
    st.floats(min_value=34.69, max_value=34.73),
    st.one_of(st.none(), st.floats(min_value=-1, max_value=80)),
)
odd_shaped = st.one_of(
    anything,
    st.tuples(anything, numbers, numbers, numbers, st.one_of(st.none(), numbers)),
    st.lists(anything, max_size=6),
)


@settings(max_examples=300)
@given(
    points=st.lists(st.one_of(well_shaped, well_shaped, odd_shaped), max_size=60),
    known=st.sets(st.integers(min_value=0, max_value=60), max_size=10),
    anchored=st.booleans(),
)
def test_cleaning_never_crashes_and_counts_every_point_once(
    points: list[Any], known: set[int], anchored: bool
) -> None:
    anchor = Anchor(seq=0, t=100.0, lng=113.96, lat=LAT, accuracy=5.0, piece=2)
    result = track_clean(points, rules=RULES, known_seqs=known, anchor=anchor if anchored else None)
    assert len(result.kept) + result.duplicate + result.dropped_total == len(points)
    assert set(result.dropped) <= set(PointDrop.values)
    seqs = [p[0] for p in result.kept]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert not set(seqs) & known
    times = [p[1] for p in result.kept]
    assert all(b > a for a, b in itertools.pairwise(times))
    assert all(math.isfinite(v) for p in result.kept for v in p[1:4])
    assert result.walked_m >= 0 and math.isfinite(result.walked_m)
    pieces = [p[5] for p in result.kept]
    assert pieces == sorted(pieces)
    if anchored and pieces:
        assert pieces[0] >= anchor.piece


@given(points=st.lists(well_shaped, max_size=40))
def test_cleaning_again_with_the_kept_seqs_known_keeps_nothing(points: list[Any]) -> None:
    first = track_clean(points, rules=RULES)
    again = track_clean(points, rules=RULES, known_seqs={p[0] for p in first.kept})
    assert again.kept == [] or {p[0] for p in again.kept}.isdisjoint({p[0] for p in first.kept})
    assert again.duplicate >= len(first.kept)


def test_each_reason_is_counted() -> None:
    lng = 113.955
    points = [
        (1, 0.0, lng, LAT, 5.0),
        (2, 10.0, east(lng, 10), LAT, 51.0),  # inaccurate
        (3, 20.0, 116.4, 39.9, 5.0),  # outside
        (4, 30.0, east(lng, 500), LAT, 5.0),  # 500 m in 30 s on foot
        (5, -5.0, east(lng, 5), LAT, 5.0),  # before the last kept
        (6, 0.0, east(lng, 1), LAT, 5.0),  # the same moment as the last kept
        (7, 40.0, float("nan"), LAT, 5.0),  # invalid
        (8, 50.0, 0.0, 0.0, None),  # a phone's empty fix
        "not a point",
        (9, 60.0, east(lng, 40), LAT, None),
        (9, 60.0, east(lng, 40), LAT, None),  # the same seq twice
    ]
    result = track_clean(points, rules=RULES)
    assert [p[0] for p in result.kept] == [1, 9]
    assert result.duplicate == 1
    assert result.dropped == {
        PointDrop.INACCURATE: 1,
        PointDrop.OUTSIDE: 1,
        PointDrop.TOO_FAST: 1,
        PointDrop.OUT_OF_ORDER: 1,
        PointDrop.DUPLICATE: 1,
        PointDrop.INVALID: 3,
    }
    assert abs(result.walked_m - 40) < 0.5


def test_the_ebike_may_go_faster_and_accuracy_is_slack() -> None:
    lng = 113.955
    points = [(1, 0.0, lng, LAT, 5.0), (2, 10.0, east(lng, 100), LAT, 5.0)]  # 36 km/h
    assert len(track_clean(points, rules=RULES).kept) == 1
    ebike = TrackRules(max_speed_mps=45 / 3.6, bbox=BOX)
    assert len(track_clean(points, rules=ebike).kept) == 2
    jitter = [(1, 0.0, lng, LAT, 20.0), (2, 1.0, east(lng, 30), LAT, 20.0)]
    assert len(track_clean(jitter, rules=RULES).kept) == 2


def test_a_gap_starts_a_new_piece_and_the_speed_check_does_not_bridge_it() -> None:
    lng = 113.955
    points = [
        (1, 0.0, lng, LAT, 5.0),
        (2, 10.0, east(lng, 10), LAT, 5.0),
        (3, 400.0, east(lng, 3000), LAT, 5.0),  # a bus ride while the phone slept
        (4, 410.0, east(lng, 3010), LAT, 5.0),
    ]
    result = track_clean(points, rules=RULES)
    assert [p[5] for p in result.kept] == [0, 0, 1, 1]
    assert abs(result.walked_m - 20) < 0.5  # the jump between pieces is not walked
    anchor = Anchor(seq=4, t=410.0, lng=east(lng, 3010), lat=LAT, accuracy=5.0, piece=1)
    more = track_clean([(5, 420.0, east(lng, 3020), LAT, 5.0)], rules=RULES, anchor=anchor)
    assert more.kept[0][5] == 1


def test_pieces_and_length_from_stored_points() -> None:
    lng = 113.955
    stored = [(0.0, lng, LAT), (10.0, east(lng, 10), LAT), (500.0, east(lng, 900), LAT)]
    pieces = track_pieces(stored, gap_seconds=300)
    assert [len(p) for p in pieces] == [2, 1]
    assert abs(track_length_m(pieces) - 10) < 0.5
    assert track_pieces([], gap_seconds=300) == []
