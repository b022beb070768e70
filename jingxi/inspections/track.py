"""Track cleaning: which positions a phone sent are kept, which are dropped and why.

Pure functions over plain tuples (no ORM), so they can be property-tested: whatever
comes in, `track_clean` returns, and every point it was given is counted exactly
once: kept, a repeat of a `seq` already received (`duplicate`), or dropped for one
reason (`choices.PointDrop`):

- invalid: not a point (wrong shape or types), a time or coordinate that is not a
  finite number in range, a negative accuracy, or 0,0 (a phone's empty fix);
- inaccurate: the phone says the fix is worse than `max_accuracy_m`;
- outside: beyond the jurisdiction's box of segments and grids plus a margin;
- out_of_order: timed before the last kept point (points are taken in `seq` order);
- duplicate: timed at the same moment as the last kept point (a second fix);
- too_fast: farther from the last kept point than the travel mode's largest plausible
  speed allows in the time between (each fix's accuracy is granted as slack).

A silence longer than `gap_seconds` after the last kept point starts a new piece of
the track (numbered from 0); the speed check does not bridge a gap, so one bad point
kept cannot hold the rest of a round hostage for longer than a gap.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from jingxi.inspections.choices import PointDrop

#: seq, time (seconds since the epoch), lng, lat, accuracy in metres (None: unknown)
RawPoint = tuple[int, float, float, float, float | None]
#: a kept point: the raw point's fields and its piece
KeptPoint = tuple[int, float, float, float, float | None, int]

#: How far beyond the box of the jurisdiction's segments and grids a point still counts.
OUTSIDE_MARGIN_M: Final = 2000.0
_EARTH_RADIUS_M: Final = 6_371_008.8
_SEQ_MAX: Final = 2**31 - 1  # TrackPoint.seq is a PositiveIntegerField


@dataclass(frozen=True)
class TrackRules:
    """The cleaning thresholds of one round (from InspectionSettings and travel mode)."""

    max_accuracy_m: float = 50.0
    max_speed_mps: float = 12.0 / 3.6
    gap_seconds: float = 300.0
    #: west, south, east, north in degrees, margin included; None: no box known
    bbox: tuple[float, float, float, float] | None = None


@dataclass(frozen=True)
class Anchor:
    """The last kept point before the batch (by `seq`), that the batch continues."""

    seq: int
    t: float
    lng: float
    lat: float
    accuracy: float | None
    piece: int


@dataclass
class CleanResult:
    kept: list[KeptPoint] = field(default_factory=list)
    duplicate: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    walked_m: float = 0.0

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())

    def drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1


def haversine_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Great-circle distance in metres (kept here so the module stays ORM- and geo-free)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bbox_with_margin(
    west: float, south: float, east: float, north: float, *, margin_m: float = OUTSIDE_MARGIN_M
) -> tuple[float, float, float, float]:
    """A lng/lat box grown by `margin_m` on every side."""
    dlat = margin_m / 111_320.0
    widest = max(abs(south), abs(north))
    dlng = margin_m / (111_320.0 * max(math.cos(math.radians(min(widest, 89.0))), 0.01))
    return west - dlng, south - dlat, east + dlng, north + dlat


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _read(point: object) -> RawPoint | None:
    """The point as checked numbers, or None when it is not a valid point."""
    if not isinstance(point, tuple | list) or len(point) != 5:
        return None
    seq, t, lng, lat, accuracy = point
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= _SEQ_MAX:
        return None
    ft, flng, flat = _finite(t), _finite(lng), _finite(lat)
    if ft is None or flng is None or flat is None:
        return None
    if not (-180.0 <= flng <= 180.0 and -90.0 <= flat <= 90.0) or (flng == 0 and flat == 0):
        return None
    facc: float | None = None
    if accuracy is not None:
        facc = _finite(accuracy)
        if facc is None or facc < 0:
            return None
    return seq, ft, flng, flat, facc


def _seq_of(point: object) -> int | None:
    """The seq of a point that may be malformed otherwise (for duplicate counting)."""
    if isinstance(point, tuple | list) and len(point) == 5:
        seq = point[0]
        if isinstance(seq, int) and not isinstance(seq, bool):
            return seq
    return None


def _place_reason(point: RawPoint, rules: TrackRules) -> str | None:
    """Why the point itself is unusable, whatever came before it."""
    _seq, _t, lng, lat, accuracy = point
    if accuracy is not None and accuracy > rules.max_accuracy_m:
        return PointDrop.INACCURATE
    box = rules.bbox
    if box is not None and not (box[0] <= lng <= box[2] and box[1] <= lat <= box[3]):
        return PointDrop.OUTSIDE
    return None


def _motion_reason(point: RawPoint, last: Anchor, rules: TrackRules) -> tuple[str | None, float]:
    """Why the point does not follow the last kept one; else (None, distance)."""
    _seq, t, lng, lat, accuracy = point
    dt = t - last.t
    if dt < 0:
        return PointDrop.OUT_OF_ORDER, 0.0
    if dt == 0:
        return PointDrop.DUPLICATE, 0.0
    distance = haversine_m(last.lng, last.lat, lng, lat)
    if dt <= rules.gap_seconds:
        slack = min(accuracy or 0.0, rules.max_accuracy_m)
        slack += min(last.accuracy or 0.0, rules.max_accuracy_m)
        if distance - slack > rules.max_speed_mps * dt:
            return PointDrop.TOO_FAST, distance
    return None, distance


def track_clean(
    points: Iterable[Any],
    *,
    rules: TrackRules,
    known_seqs: Collection[int] = (),
    anchor: Anchor | None = None,
) -> CleanResult:
    """Clean a batch of raw points (see the module docstring); never raises on bad points.

    `known_seqs`: the seqs already stored for the round (their repeats are counted as
    `duplicate`, not kept again); `anchor`: the last kept point before the batch.
    """
    result = CleanResult()
    seen: set[int] = set()
    valid: list[RawPoint] = []
    for point in points:
        seq = _seq_of(point)
        if seq is not None and (seq in seen or seq in known_seqs):
            result.duplicate += 1
            continue
        if seq is not None:
            seen.add(seq)
        checked = _read(point)
        if checked is None:
            result.drop(PointDrop.INVALID)
        else:
            valid.append(checked)
    valid.sort(key=lambda p: p[0])
    last = anchor
    for point in valid:
        reason = _place_reason(point, rules)
        distance = 0.0
        if reason is None and last is not None:
            reason, distance = _motion_reason(point, last, rules)
        if reason is not None:
            result.drop(reason)
            continue
        seq, t, lng, lat, accuracy = point
        piece = 0
        if last is not None:
            piece = last.piece + 1 if t - last.t > rules.gap_seconds else last.piece
            if piece == last.piece:
                result.walked_m += distance
        result.kept.append((seq, t, lng, lat, accuracy, piece))
        last = Anchor(seq=seq, t=t, lng=lng, lat=lat, accuracy=accuracy, piece=piece)
    return result


def track_pieces(
    points: Sequence[tuple[float, float, float]], *, gap_seconds: float
) -> list[list[tuple[float, float]]]:
    """Kept points (t, lng, lat) in seq order, split at silences over `gap_seconds`."""
    pieces: list[list[tuple[float, float]]] = []
    last_t: float | None = None
    for t, lng, lat in points:
        if last_t is None or t - last_t > gap_seconds:
            pieces.append([])
        pieces[-1].append((lng, lat))
        last_t = t
    return pieces


def track_length_m(pieces: Sequence[Sequence[tuple[float, float]]]) -> float:
    """The walked length of the pieces (the jumps between pieces not counted)."""
    total = 0.0
    for piece in pieces:
        for (lng1, lat1), (lng2, lat2) in itertools.pairwise(piece):
            total += haversine_m(lng1, lat1, lng2, lat2)
    return total
