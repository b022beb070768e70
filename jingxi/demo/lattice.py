"""The demo county's lattice: integer metres, brick tilings of rectangles, and the warp
that turns them into WGS84 polygons whose neighbours share vertices (see generator.py).
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import shapely
from pyproj import Geod

from jingxi.demo.plan import CENTER_LAT, CENTER_LNG, Coord

# Metres per degree at the county seat (series expansion of the WGS84 ellipsoid).
_PHI = math.radians(CENTER_LAT)
_M_PER_DEG_LAT = 111132.92 - 559.82 * math.cos(2 * _PHI) + 1.175 * math.cos(4 * _PHI)
_M_PER_DEG_LNG = 111412.84 * math.cos(_PHI) - 93.5 * math.cos(3 * _PHI)

GEOD = Geod(ellps="WGS84")  # geodesic lengths of planned lines
STEP = 10  # lattice resolution, metres
EDGE_VERTEX_EVERY = 250  # a polygon edge gets a vertex at every multiple of this


@dataclass(frozen=True, slots=True)
class Rect:
    x0: int
    y0: int
    x1: int
    y1: int

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    @property
    def center(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)


class Warp:
    """A smooth near-identity bend of the plane, then metres → WGS84.

    x' depends on y only and y' on x only, with slopes below 0.22, so the map is
    one-to-one and keeps polygons valid.
    """

    def __init__(self, rng: random.Random) -> None:
        self.p = [rng.uniform(0, 2 * math.pi) for _ in range(4)]

    def metres(self, x: float, y: float) -> tuple[float, float]:
        p = self.p
        wx = (
            x
            + 120 * math.sin(2 * math.pi * y / 7000 + p[0])
            + 40 * math.sin(2 * math.pi * y / 2300 + p[1])
        )
        wy = (
            y
            + 120 * math.sin(2 * math.pi * x / 7000 + p[2])
            + 40 * math.sin(2 * math.pi * x / 2300 + p[3])
        )
        return wx, wy


def lnglat(mx: float, my: float) -> Coord:
    return (
        round(CENTER_LNG + mx / _M_PER_DEG_LNG, 7),
        round(CENTER_LAT + my / _M_PER_DEG_LAT, 7),
    )


def snap(v: float) -> int:
    return round(v / STEP) * STEP


def cuts(a: int, b: int, n: int, rng: random.Random, jitter: float) -> list[int]:
    """n cells between a and b: n + 1 increasing lattice positions, jittered."""
    if b - a < n * STEP:
        raise ValueError(f"cannot cut {b - a} m into {n} cells")
    size = (b - a) / n
    out = [a]
    for i in range(1, n):
        c = snap(a + size * (i + rng.uniform(-jitter, jitter)))
        c = max(c, out[-1] + STEP)
        c = min(c, b - (n - i) * STEP)
        out.append(c)
    out.append(b)
    return out


def split(rect: Rect, k: int, rng: random.Random, jitter: float = 0.25) -> list[Rect]:
    """Cut a rectangle into k cells in rows ("brick" layout), north-west first."""
    w, h = rect.x1 - rect.x0, rect.y1 - rect.y0
    rows = max(1, min(k, round(math.sqrt(k * h / w))))
    # Too thin to cut into that many rows: use fewer.
    rows = min(rows, max(1, h // (STEP * 2)))
    per_row = [k // rows] * rows
    for i in rng.sample(range(rows), k % rows):
        per_row[i] += 1
    ys = cuts(rect.y0, rect.y1, rows, rng, jitter)
    cells: list[Rect] = []
    for r in range(rows):
        y0, y1 = ys[rows - 1 - r], ys[rows - r]
        xs = cuts(rect.x0, rect.x1, per_row[r], rng, jitter)
        cells.extend(Rect(xs[i], y0, xs[i + 1], y1) for i in range(per_row[r]))
    return cells


def allocate(total: int, weights: Sequence[float], minimum: int = 1) -> list[int]:
    """Split an integer total by weights (largest remainder), each at least `minimum`."""
    n = len(weights)
    total = max(total, n * minimum)
    spare = total - n * minimum
    wsum = sum(weights)
    raw = [spare * w / wsum for w in weights]
    out = [minimum + math.floor(r) for r in raw]
    order = sorted(range(n), key=lambda i: (raw[i] - math.floor(raw[i]), -i), reverse=True)
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


class Edges:
    """Every grid corner, by the lattice line it lies on, so rings include them all."""

    def __init__(self, cells: Iterable[Rect]) -> None:
        h: dict[int, set[int]] = defaultdict(set)
        v: dict[int, set[int]] = defaultdict(set)
        for c in cells:
            h[c.y0].update((c.x0, c.x1))
            h[c.y1].update((c.x0, c.x1))
            v[c.x0].update((c.y0, c.y1))
            v[c.x1].update((c.y0, c.y1))
        self.h = {k: sorted(s) for k, s in h.items()}
        self.v = {k: sorted(s) for k, s in v.items()}

    @staticmethod
    def _between(points: list[int], a: int, b: int) -> list[int]:
        inner = set(points[bisect_right(points, a) : bisect_left(points, b)])
        every = EDGE_VERTEX_EVERY
        inner.update(range((a // every + 1) * every, b, every))
        inner.discard(a)
        inner.discard(b)
        return sorted(inner)

    def ring(self, r: Rect) -> list[tuple[int, int]]:
        """The closed counter-clockwise ring of a rectangle, with every shared vertex."""
        out: list[tuple[int, int]] = [(r.x0, r.y0)]
        out += [(x, r.y0) for x in self._between(self.h.get(r.y0, []), r.x0, r.x1)]
        out.append((r.x1, r.y0))
        out += [(r.x1, y) for y in self._between(self.v.get(r.x1, []), r.y0, r.y1)]
        out.append((r.x1, r.y1))
        out += [(x, r.y1) for x in reversed(self._between(self.h.get(r.y1, []), r.x0, r.x1))]
        out.append((r.x0, r.y1))
        out += [(r.x0, y) for y in reversed(self._between(self.v.get(r.x0, []), r.y0, r.y1))]
        out.append((r.x0, r.y0))
        return out


def locate(points: Sequence[Coord], rings: Sequence[tuple[Coord, ...]]) -> list[int]:
    """For each point, the index of the first polygon that covers it (-1 if none)."""
    if not points:
        return []
    tree = shapely.STRtree([shapely.Polygon(r) for r in rings])
    geoms = shapely.points(list(points))
    pairs = tree.query(geoms, predicate="intersects")
    found = [-1] * len(points)
    for p, g in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
        if found[p] == -1 or g < found[p]:
            found[p] = g
    missing = [i for i, f in enumerate(found) if f == -1]
    if missing:
        nearest = tree.query_nearest(geoms[missing], all_matches=False)
        for p, g in zip(nearest[0].tolist(), nearest[1].tolist(), strict=True):
            found[missing[p]] = g
    return found


def runs_cut(runs: list[tuple[int, int]], g: int) -> list[tuple[int, int]]:
    """The runs of a line with no road across the gap between crossings g and g+1.

    The run across it is cut in two; the shorter half joins its neighbour run when
    there is one, so a line keeps its number of roads (a single run, an arterial,
    becomes two roads).
    """
    k = next(n for n, (start, end) in enumerate(runs) if start <= g < end)
    start, end = runs[k]
    left, right = (start, g), (g + 1, end)
    before, after = runs[:k], runs[k + 1 :]
    if before and (g - start <= end - g - 1 or not after):
        left = (before.pop()[0], g)
    elif after:
        right = (g + 1, after.pop(0)[1])
    return [*before, left, right, *after]
