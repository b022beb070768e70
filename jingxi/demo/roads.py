"""The demo county's roads: a lattice of named lines, broken by a river, dead ends and bends.

Roads run along a second lattice of east-west and north-south lines, dense in the
core and sparse in the countryside. Lines cross each other, so each crossing is a
real intersection ("A路与B路交叉口"). A line is one arterial (大道) or is cut into
several named roads; a segment is the stretch between two crossings.

So that routes and coverage meet real shapes, the lattice is broken in three ways,
drawn from a generator of their own (the rest of the plan does not move): a river
(贾鲁河) south of the seat that north-south lines cross only on a few bridges,
elsewhere their roads end at its banks; a few roads at the county's edge that stop
short of the last crossing (dead ends); and a few roads outside the town that bend
between their crossings.

`generator.county_plan` calls `roads_build` after the areas, whose grids name each
segment's place.
"""

from __future__ import annotations

import itertools
import math
import random
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jingxi.demo import names
from jingxi.demo.lattice import GEOD, lnglat, locate, runs_cut, snap
from jingxi.demo.names import take
from jingxi.demo.plan import Coord, RoadPlan, SegmentPlan
from jingxi.places.choices import AreaClass, RoadGrade

if TYPE_CHECKING:
    from jingxi.demo.generator import Builder

# The river south of the county seat (贾鲁河 runs through 中牟): north-south lines cross it
# only on a few bridges, elsewhere the roads end at its banks.
RIVER_NAME = "贾鲁河"
RIVER_BRIDGES = 3
RIVER_HALF_WIDTH_M = 30
# What a segment that stops short of the next crossing names as its far end.
DEAD_END_NAME = "道路尽头"


def _argmax(values: dict[str, float]) -> str:
    """The key with the largest value; ties go to the smallest key."""
    return max(sorted(values.items()), key=lambda kv: kv[1])[0]


@dataclass(slots=True)
class _Line:
    """A road lattice line: east-west (along x at y=pos) or north-south."""

    ew: bool
    index: int
    pos: int
    arterial: bool
    runs: list[tuple[int, int]]  # crossing index ranges, one per road
    roads: list[int]  # road index per run


@dataclass(slots=True)
class _Road:
    line: _Line
    start: int
    end: int
    grade: str = RoadGrade.BRANCH
    name: str = ""
    code: str = ""


@dataclass(slots=True)
class _Segment:
    road: int
    seq: int
    metres: list[tuple[float, float]]  # warped metric polyline
    cum: list[float]  # cumulative metric length at each vertex
    line: tuple[Coord, ...]


def _line_positions(b: Builder, half: int, n: int) -> list[int]:
    """n positions in [-0.96·half, 0.96·half], dense near 0 (the county seat)."""
    us = [-0.96 + 1.92 * i / 2000 for i in range(2001)]
    dens = [1 + 5 * math.exp(-((u / 0.17) ** 2)) for u in us]
    cdf = [0.0]
    for i in range(1, len(us)):
        cdf.append(cdf[-1] + (dens[i] + dens[i - 1]) / 2)
    total = cdf[-1]
    out: list[int] = []
    for i in range(n):
        target = total * (i + 0.5 + b.rng.uniform(-0.2, 0.2)) / n
        j = min(bisect_left(cdf, target), len(us) - 1)
        pos = snap(us[j] * half)
        if out and pos <= out[-1] + 50:
            pos = out[-1] + 50
        out.append(pos)
    return out


def roads_build(b: Builder) -> None:
    """Plan the road lattice, the river, dead ends and bends; roads and segments."""
    rng = b.rng
    target_segments = 3000 * b.scale
    ratio = b.half_w / b.half_h
    nx = max(3, round(math.sqrt(target_segments / 2 * ratio)))  # north-south lines
    ny = max(3, round(math.sqrt(target_segments / 2 / ratio)))  # east-west lines
    b.xs = _line_positions(b, b.half_w, nx)
    b.ys = _line_positions(b, b.half_h, ny)

    lines: list[_Line] = []
    for ew, positions, crossings in ((True, b.ys, nx), (False, b.xs, ny)):
        centre = min(range(len(positions)), key=lambda i: abs(positions[i]))
        every = max(3, len(positions) // 5)
        for i, pos in enumerate(positions):
            arterial = (i - centre) % every == 0
            runs: list[tuple[int, int]] = []
            if arterial:
                runs.append((0, crossings - 1))
            else:
                start = 0
                while start < crossings - 1:
                    end = min(start + rng.randint(5, 13), crossings - 1)
                    if crossings - 1 - end < 3:
                        end = crossings - 1
                    runs.append((start, end))
                    start = end
            lines.append(_Line(ew, i, pos, arterial, runs, []))

    # Shaping that is not a lattice draws from its own generator, so the rest of the
    # plan (names, grades, people) stays what the main one gives.
    shape_rng = random.Random(f"{b.seed}-network")  # noqa: S311 seeded demo data
    # The river crosses the north-south lines between east-west lines `gap` and gap+1.
    gap = min(range(len(b.ys) - 1), key=lambda j: abs(b.ys[j] + 0.3 * b.half_h))
    river_y = (b.ys[gap] + b.ys[gap + 1]) / 2
    bank = min(RIVER_HALF_WIDTH_M, (b.ys[gap + 1] - b.ys[gap]) / 4)
    ns_arterials = sorted(
        (ln for ln in lines if not ln.ew and ln.arterial), key=lambda ln: abs(ln.pos)
    )
    bridged = {ln.index for ln in ns_arterials[:RIVER_BRIDGES]}
    for line in lines:
        if not line.ew and line.index not in bridged:
            line.runs = runs_cut(line.runs, gap)

    roads: list[_Road] = []
    for line in lines:
        for start, end in line.runs:
            line.roads.append(len(roads))
            roads.append(_Road(line, start, end))

    def crossing_xy(line: _Line, i: int) -> tuple[int, int]:
        return (b.xs[i], line.pos) if line.ew else (line.pos, b.ys[i])

    def midpoint(r: _Road) -> tuple[float, float]:
        (ax, ay), (bx, by) = crossing_xy(r.line, r.start), crossing_xy(r.line, r.end)
        return (ax + bx) / 2, (ay + by) / 2

    # Grades and names: arterials first, then the rest from the centre outwards.
    order = sorted(
        range(len(roads)),
        key=lambda i: (not roads[i].line.arterial, round(math.hypot(*midpoint(roads[i])))),
    )
    used: set[str] = set()
    pools = {kind: names.road_names(kind) for kind in ("arterial", "urban", "rural", "alley")}
    for n, i in enumerate(order, start=1):
        road = roads[i]
        cls = b.area_class(*midpoint(road))
        if road.line.arterial:
            road.grade, pool = RoadGrade.ARTERIAL, "arterial"
        elif cls == AreaClass.CORE and road.end - road.start <= 5:
            road.grade, pool = RoadGrade.ALLEY, "alley"
        elif cls in (AreaClass.CORE, AreaClass.URBAN):
            road.grade = RoadGrade.SECONDARY if rng.random() < 0.4 else RoadGrade.BRANCH
            pool = "urban"
        else:
            road.grade, pool = RoadGrade.BRANCH, "rural"
        road.name = take(pools[pool], used)
        road.code = f"R{n:04d}"

    def road_at(line: _Line, crossing: int) -> str:
        """The road of `line` through a crossing: the one leaving it, else the one
        ending there (at the county's edge, or at the river)."""
        for (start, end), r in zip(line.runs, line.roads, strict=True):
            if start <= crossing < end:
                return roads[r].name
        for (_start, end), r in zip(line.runs, line.roads, strict=True):
            if crossing == end:
                return roads[r].name
        return ""

    ew_lines = [ln for ln in lines if ln.ew]
    ns_lines = [ln for ln in lines if not ln.ew]
    segments: list[_Segment] = []
    cross_names: list[tuple[str, str]] = []
    # A few roads outside the core bend between their crossings, and a few
    # roads at the county's edge stop short of the last crossing (dead ends).
    curved = {
        i
        for i in sorted(order)
        if not roads[i].line.arterial
        and b.area_class(*midpoint(roads[i])) not in (AreaClass.CORE, AreaClass.URBAN)
        and shape_rng.random() < 0.08
    }

    def edge_line(r: _Road) -> _Line:
        """The county's edge line a road ends on (when it runs to the edge)."""
        return (ns_lines if r.line.ew else ew_lines)[r.end]

    edge_roads = [
        i
        for i in sorted(order)
        if not roads[i].line.arterial
        and roads[i].end - roads[i].start >= 2
        and roads[i].end == len(ns_lines if roads[i].line.ew else ew_lines) - 1
        # Not at a corner, and not where two roads of the edge line meet: the edge
        # road then simply runs on past the place it used to be crossed.
        and any(start < roads[i].line.index < end for start, end in edge_line(roads[i]).runs)
    ]
    dead_ends = set(shape_rng.sample(edge_roads, k=min(4, len(edge_roads))))
    # Crossings on the edge lines no road meets any more: (ew, line index, crossing).
    vacant = {
        (edge_line(roads[i]).ew, edge_line(roads[i]).index, roads[i].line.index) for i in dead_ends
    }

    def gap_beside(line: _Line) -> float:
        positions = b.ys if line.ew else b.xs
        k = line.index
        return min(
            positions[k] - positions[k - 1] if k > 0 else math.inf,
            positions[k + 1] - positions[k] if k + 1 < len(positions) else math.inf,
        )

    for i in order:
        road = roads[i]
        others = ns_lines if road.line.ew else ew_lines
        pieces: list[tuple[tuple[float, float], tuple[float, float], str, str]] = []
        if road.start == gap + 1 and not road.line.ew and road.line.index not in bridged:
            start_xy = crossing_xy(road.line, gap + 1)
            pieces.append(
                (
                    (start_xy[0], river_y + bank),
                    start_xy,
                    RIVER_NAME,
                    road_at(others[gap + 1], road.line.index),
                )
            )
        for j in range(road.start, road.end):
            piece: tuple[tuple[float, float], tuple[float, float], str, str] = (
                crossing_xy(road.line, j),
                crossing_xy(road.line, j + 1),
                road_at(others[j], road.line.index),
                road_at(others[j + 1], road.line.index),
            )
            if (road.line.ew, road.line.index, j) in vacant:
                # Nothing crosses here any more: one segment on to the next crossing.
                previous = pieces.pop()
                piece = (previous[0], piece[1], previous[2], piece[3])
            pieces.append(piece)
        if road.end == gap and not road.line.ew and road.line.index not in bridged:
            end_xy = crossing_xy(road.line, gap)
            pieces.append(
                (
                    end_xy,
                    (end_xy[0], river_y - bank),
                    pieces[-1][3] if pieces else "",
                    RIVER_NAME,
                )
            )
        if i in dead_ends:
            (ax, ay), (bx, by), a_name, _b_name = pieces[-1]
            pieces[-1] = ((ax, ay), ((ax + bx) / 2, (ay + by) / 2), a_name, DEAD_END_NAME)
        bend = 0.25 * gap_beside(road.line) if i in curved else 0.0
        for seq, ((ax, ay), (bx, by), a_name, b_name) in enumerate(pieces, start=1):
            length = math.hypot(bx - ax, by - ay)
            n_sub = max(6 if bend else 1, math.ceil(length / 150))
            # Sideways bulge, zero at both crossings; alternate sides along the road.
            amp = min(0.12 * length, bend) * (1 if seq % 2 else -1)
            ux, uy = (0.0, 1.0) if road.line.ew else (1.0, 0.0)
            pts = []
            for t in range(n_sub + 1):
                side = amp * math.sin(math.pi * t / n_sub) if 0 < t < n_sub else 0.0
                pts.append(
                    b.warp.metres(
                        ax + (bx - ax) * t / n_sub + ux * side,
                        ay + (by - ay) * t / n_sub + uy * side,
                    )
                )
            cum = [0.0]
            for p, q in itertools.pairwise(pts):
                cum.append(cum[-1] + math.dist(p, q))
            segments.append(_Segment(i, seq, pts, cum, tuple(lnglat(*p) for p in pts)))
            cross_names.append((a_name, b_name))

    # Where each segment lies: its midpoint's grid, community and township.
    mids = [along(s, s.cum[-1] / 2, 0.0) for s in segments]
    grid_idx = locate([lnglat(*m) for m in mids], [g.ring for g in b.grids])
    seg_grid = [b.grids[g].code for g in grid_idx]

    township_len: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    community_len: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    plans: list[SegmentPlan] = []
    number = 0
    last_road = -1
    b.segment_info = []  # segment, grid, road name
    for s, g, (a_name, b_name) in zip(segments, seg_grid, cross_names, strict=True):
        road = roads[s.road]
        if s.road != last_road:
            number, last_road = 0, s.road
        length = GEOD.line_length([p[0] for p in s.line], [p[1] for p in s.line])
        township_len[s.road][g[:9]] += length
        community_len[s.road][g[:12]] += length
        first = number + 1
        number = max(first + 1, number + round(length / 10))
        plans.append(
            SegmentPlan(
                road_code=road.code,
                seq=s.seq,
                from_street=a_name,
                to_street=b_name,
                township_code=g[:9],
                maintainer_code="SZ" if road.line.arterial else f"T{g[6:9]}",
                number_from=first,
                number_to=number,
                length_m=round(length, 1),
                line=s.line,
            )
        )
        b.segment_info.append((s, g, road.name))
    b.segments = tuple(plans)
    b.roads = tuple(
        RoadPlan(code=roads[i].code, name=roads[i].name, grade=roads[i].grade) for i in order
    )
    b.road_township = {roads[i].code: _argmax(township_len[i]) for i in order}
    b.road_community = {roads[i].code: _argmax(community_len[i]) for i in order}
    # Length of each road inside each township, to find a road for every township chief.
    b.road_length_in = {roads[i].code: dict(township_len[i]) for i in order}
    b.road_is_ew = {roads[i].code: roads[i].line.ew for i in order}


def along(s: _Segment, d: float, offset: float) -> tuple[float, float]:
    """The metric point d metres along a segment, `offset` metres to its left."""
    k = min(max(bisect_right(s.cum, d) - 1, 0), len(s.metres) - 2)
    (ax, ay), (bx, by) = s.metres[k], s.metres[k + 1]
    seg = (s.cum[k + 1] - s.cum[k]) or 1.0
    t = (d - s.cum[k]) / seg
    ux, uy = (bx - ax) / seg, (by - ay) / seg
    return ax + (bx - ax) * t - uy * offset, ay + (by - ay) * t + ux * offset
