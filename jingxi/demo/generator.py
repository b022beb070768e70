"""A deterministic plan of the demo county, 中牟县 (410122), at any scale.

Pure: no ORM and no I/O. The same (scale, seed) always gives the same plan, so a
demo database, a test and a benchmark all see the same county.

How the county is laid out
--------------------------
Everything starts on an integer lattice in metres (east x, north y, origin at the
county seat). The county is a rectangle; its urban core (the streets, 街道) sits in
the middle and four pinwheel blocks around it hold the towns (镇). Each township is
split into communities and each community into grids by a "brick" layout (rows of
jittered cells), so every level is a set of axis-aligned rectangles that tile its
parent exactly. A polygon's ring carries every lattice vertex that lies on its edges
(all grid corners, plus a vertex every 250 m), so neighbours share identical
vertices. Then one smooth warp bends the whole lattice and a local projection turns
metres into longitude/latitude: shared vertices stay shared, so the tiling stays
seamless and the county stops looking like graph paper.

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
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from pyproj import Geod

from jingxi.demo import names
from jingxi.demo.lattice import Edges, Rect, Warp, allocate, lnglat, locate, runs_cut, snap, split
from jingxi.demo.people import people_build
from jingxi.demo.plan import (
    CENTER_LAT,
    CENTER_LNG,
    COMPONENT_KINDS,
    COUNTY_NAME,
    DEPARTMENTS,
    OPEN311_ID,
    REGION_CODE,
    CommunityPlan,
    ComponentKind,
    ComponentPlan,
    Coord,
    CountyPlan,
    GridPlan,
    LandmarkPlan,
    RoadChiefPlan,
    RoadPlan,
    SegmentPlan,
    TownshipPlan,
    UnitPlan,
    UserPlan,
)
from jingxi.places.choices import (
    AreaClass,
    CommunityKind,
    ComponentState,
    LandmarkKind,
    RoadGrade,
    TownshipKind,
)

_GEOD = Geod(ellps="WGS84")
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


def _take(pool: Iterator[str], used: set[str]) -> str:
    for name in pool:
        if name not in used:
            used.add(name)
            return name
    raise ValueError("name pool exhausted")


# --- The generator ------------------------------------------------------------------


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


class Builder:
    # Written by people.people_build.
    leaders: list[str]
    township_chiefs: dict[str, list[str]]
    community_chief: dict[str, str]
    users: tuple[UserPlan, ...]
    units: tuple[UnitPlan, ...]
    road_chiefs: tuple[RoadChiefPlan, ...]

    def __init__(self, scale: float, seed: int) -> None:
        if not scale > 0:
            raise ValueError("scale must be positive")
        self.scale = float(scale)
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 seeded demo data, not secrets
        self.warp = Warp(self.rng)
        self.k = math.sqrt(self.scale)  # linear size factor
        self.half_w = snap(20000 * self.k)
        self.half_h = snap(17000 * self.k)
        self.core = Rect(
            -snap(3500 * self.k),
            -snap(3000 * self.k),
            snap(3500 * self.k),
            snap(3000 * self.k),
        )
        self.phones: set[str] = set()
        self.person_names: set[str] = set()

    # -- helpers --

    def point(self, x: float, y: float) -> Coord:
        return lnglat(*self.warp.metres(x, y))

    def area_class(self, x: float, y: float) -> str:
        d = math.hypot(x, y) / self.k
        if d < 2000:
            return AreaClass.CORE
        if d < 4500:
            return AreaClass.URBAN
        if d < 8000:
            return AreaClass.FRINGE
        return AreaClass.RURAL

    def mobile(self) -> str:
        while True:
            p = "1" + self.rng.choice(("38", "39", "37", "36", "35", "58", "59", "86", "87", "88"))
            p += f"{self.rng.randrange(10**8):08d}"
            if p not in self.phones:
                self.phones.add(p)
                return p

    def person(self) -> str:
        while True:
            given = "".join(
                self.rng.choice(names.GIVEN_CHARS) for _ in range(self.rng.choice((1, 2, 2)))
            )
            name = self.rng.choice(names.SURNAMES) + given
            if name not in self.person_names:
                self.person_names.add(name)
                return name

    # -- areas --

    def build_areas(self) -> None:
        rng, s = self.rng, self.scale
        n_target = max(5, round(10 * s))
        n_streets = max(1, round(0.4 * n_target))
        n_towns = max(4, n_target - n_streets)
        hw, hh, c = self.half_w, self.half_h, self.core
        # Four pinwheel blocks around the core hold the towns.
        blocks = [
            Rect(-hw, c.y1, c.x1, hh),  # north
            Rect(c.x1, c.y0, hw, hh),  # east
            Rect(c.x0, -hh, hw, c.y0),  # south
            Rect(-hw, -hh, c.x0, c.y1),  # west
        ]
        per_block = allocate(n_towns, [(b.x1 - b.x0) * (b.y1 - b.y0) for b in blocks], minimum=1)
        street_rects = split(c, n_streets, rng, 0.2)
        # Streets numbered from the centre outwards; towns clockwise from the north.
        street_rects.sort(key=lambda r: (round(math.hypot(*r.center) / 500), r.center))
        town_rects = [
            cell for b, n in zip(blocks, per_block, strict=True) for cell in split(b, n, rng)
        ]

        street_pool, town_pool = names.street_names(), names.town_names()
        self.township_cells: list[tuple[str, str, str, Rect]] = []  # code, name, kind, rect
        for i, r in enumerate(street_rects, start=1):
            self.township_cells.append(
                (f"{REGION_CODE}{i:03d}", next(street_pool), TownshipKind.STREET, r)
            )
        first_town = 100 if n_streets < 100 else n_streets + 1
        for i, r in enumerate(town_rects):
            number = first_town + i
            if number > 999:
                raise ValueError("too many townships for 3-digit codes")
            self.township_cells.append(
                (f"{REGION_CODE}{number:03d}", next(town_pool), TownshipKind.TOWNSHIP, r)
            )

        n_communities = max(len(self.township_cells), round(100 * s))
        per_township = allocate(n_communities, [rng.uniform(0.8, 1.2) for _ in self.township_cells])
        used: set[str] = set()
        urban_pool, village_pool = names.community_names(), names.village_names()
        self.community_cells: list[tuple[str, str, str, str, Rect]] = []
        for (t_code, t_name, t_kind, t_rect), n in zip(
            self.township_cells, per_township, strict=True
        ):
            for j, r in enumerate(split(t_rect, n, rng), start=1):
                if j > 999:
                    raise ValueError("too many communities in one township")
                if t_kind == TownshipKind.STREET:
                    name = _take(urban_pool, used) + "社区"
                    kind = CommunityKind.COMMUNITY
                elif j == 1:
                    stem = t_name.removesuffix("镇").removesuffix("乡")
                    name = stem + "社区" if stem + "社区" not in used else ""
                    name = name or _take(urban_pool, used) + "社区"
                    used.add(name.removesuffix("社区"))
                    kind = CommunityKind.COMMUNITY
                else:
                    name = _take(village_pool, used) + "村"
                    kind = CommunityKind.VILLAGE
                self.community_cells.append((f"{t_code}{j:03d}", name, kind, t_code, r))

        n_grids = max(len(self.community_cells), round(2000 * s))
        per_community = allocate(n_grids, [rng.uniform(0.8, 1.2) for _ in self.community_cells])
        self.grid_cells: list[tuple[str, str, Rect]] = []
        for (c_code, *_, c_rect), n in zip(self.community_cells, per_community, strict=True):
            for j, r in enumerate(split(c_rect, n, rng, 0.3), start=1):
                if j > 999:
                    raise ValueError("too many grids in one community")
                self.grid_cells.append((f"{c_code}{j:03d}", c_code, r))

        edges = Edges(r for *_, r in self.grid_cells)
        self.ring_cache: dict[Rect, tuple[Coord, ...]] = {}

        def ring(r: Rect) -> tuple[Coord, ...]:
            return tuple(self.point(x, y) for x, y in edges.ring(r))

        self.townships = tuple(
            TownshipPlan(code=code, name=name, kind=kind, unit_code=f"T{code[6:]}", ring=ring(r))
            for code, name, kind, r in self.township_cells
        )
        self.communities = tuple(
            CommunityPlan(
                code=code,
                name=name,
                kind=kind,
                township_code=t_code,
                unit_code=f"C{code[6:]}",
                ring=ring(r),
            )
            for code, name, kind, t_code, r in self.community_cells
        )
        grids = []
        for code, c_code, r in self.grid_cells:
            rg = ring(r)
            area, _ = _GEOD.polygon_area_perimeter([p[0] for p in rg], [p[1] for p in rg])
            grids.append(
                GridPlan(
                    code=code,
                    community_code=c_code,
                    area_class=self.area_class(*r.center),
                    area_m2=round(abs(area), 1),
                    ring=rg,
                )
            )
        self.grids = tuple(grids)
        self.township_name = {t.code: t.name for t in self.townships}
        self.community_name = {c.code: c.name for c in self.communities}

    # -- roads --

    def _line_positions(self, half: int, n: int) -> list[int]:
        """n positions in [-0.96·half, 0.96·half], dense near 0 (the county seat)."""
        us = [-0.96 + 1.92 * i / 2000 for i in range(2001)]
        dens = [1 + 5 * math.exp(-((u / 0.17) ** 2)) for u in us]
        cdf = [0.0]
        for i in range(1, len(us)):
            cdf.append(cdf[-1] + (dens[i] + dens[i - 1]) / 2)
        total = cdf[-1]
        out: list[int] = []
        for i in range(n):
            target = total * (i + 0.5 + self.rng.uniform(-0.2, 0.2)) / n
            j = min(bisect_left(cdf, target), len(us) - 1)
            pos = snap(us[j] * half)
            if out and pos <= out[-1] + 50:
                pos = out[-1] + 50
            out.append(pos)
        return out

    def build_roads(self) -> None:
        rng = self.rng
        target_segments = 3000 * self.scale
        ratio = self.half_w / self.half_h
        nx = max(3, round(math.sqrt(target_segments / 2 * ratio)))  # north-south lines
        ny = max(3, round(math.sqrt(target_segments / 2 / ratio)))  # east-west lines
        self.xs = self._line_positions(self.half_w, nx)
        self.ys = self._line_positions(self.half_h, ny)

        lines: list[_Line] = []
        for ew, positions, crossings in ((True, self.ys, nx), (False, self.xs, ny)):
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
        shape_rng = random.Random(f"{self.seed}-network")  # noqa: S311 seeded demo data
        # The river crosses the north-south lines between east-west lines `gap` and gap+1.
        gap = min(range(len(self.ys) - 1), key=lambda j: abs(self.ys[j] + 0.3 * self.half_h))
        river_y = (self.ys[gap] + self.ys[gap + 1]) / 2
        bank = min(RIVER_HALF_WIDTH_M, (self.ys[gap + 1] - self.ys[gap]) / 4)
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
            return (self.xs[i], line.pos) if line.ew else (line.pos, self.ys[i])

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
            cls = self.area_class(*midpoint(road))
            if road.line.arterial:
                road.grade, pool = RoadGrade.ARTERIAL, "arterial"
            elif cls == AreaClass.CORE and road.end - road.start <= 5:
                road.grade, pool = RoadGrade.ALLEY, "alley"
            elif cls in (AreaClass.CORE, AreaClass.URBAN):
                road.grade = RoadGrade.SECONDARY if rng.random() < 0.4 else RoadGrade.BRANCH
                pool = "urban"
            else:
                road.grade, pool = RoadGrade.BRANCH, "rural"
            road.name = _take(pools[pool], used)
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
            and self.area_class(*midpoint(roads[i])) not in (AreaClass.CORE, AreaClass.URBAN)
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
            (edge_line(roads[i]).ew, edge_line(roads[i]).index, roads[i].line.index)
            for i in dead_ends
        }

        def gap_beside(line: _Line) -> float:
            positions = self.ys if line.ew else self.xs
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
                        self.warp.metres(
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
        mids = [self._along(s, s.cum[-1] / 2, 0.0) for s in segments]
        grid_idx = locate([lnglat(*m) for m in mids], [g.ring for g in self.grids])
        seg_grid = [self.grids[g].code for g in grid_idx]

        township_len: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        community_len: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        plans: list[SegmentPlan] = []
        number = 0
        last_road = -1
        self.segment_info: list[tuple[_Segment, str, str]] = []  # segment, grid, road name
        for s, g, (a_name, b_name) in zip(segments, seg_grid, cross_names, strict=True):
            road = roads[s.road]
            if s.road != last_road:
                number, last_road = 0, s.road
            length = _GEOD.line_length([p[0] for p in s.line], [p[1] for p in s.line])
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
            self.segment_info.append((s, g, road.name))
        self.segments = tuple(plans)
        self.roads = tuple(
            RoadPlan(code=roads[i].code, name=roads[i].name, grade=roads[i].grade) for i in order
        )
        self.road_township = {roads[i].code: _argmax(township_len[i]) for i in order}
        self.road_community = {roads[i].code: _argmax(community_len[i]) for i in order}
        # Length of each road inside each township, to find a road for every township chief.
        self.road_length_in = {roads[i].code: dict(township_len[i]) for i in order}
        self.road_is_ew = {roads[i].code: roads[i].line.ew for i in order}

    @staticmethod
    def _along(s: _Segment, d: float, offset: float) -> tuple[float, float]:
        """The metric point d metres along a segment, `offset` metres to its left."""
        k = min(max(bisect_right(s.cum, d) - 1, 0), len(s.metres) - 2)
        (ax, ay), (bx, by) = s.metres[k], s.metres[k + 1]
        seg = (s.cum[k + 1] - s.cum[k]) or 1.0
        t = (d - s.cum[k]) / seg
        ux, uy = (bx - ax) / seg, (by - ay) / seg
        return ax + (bx - ax) * t - uy * offset, ay + (by - ay) * t + ux * offset

    # -- components and landmarks --

    def build_components(self) -> None:
        rng = self.rng
        n = round(20000 * self.scale)
        density: dict[str, float] = {
            AreaClass.CORE: 4.0,
            AreaClass.URBAN: 3.0,
            AreaClass.FRINGE: 1.2,
        }
        grid_class = {g.code: g.area_class for g in self.grids}
        weights = [s.cum[-1] * density.get(grid_class[g], 0.4) for s, g, _ in self.segment_info]
        picks = rng.choices(range(len(self.segment_info)), weights=weights, k=n)
        picks.sort()
        kinds = COMPONENT_KINDS
        urban_w = [k.weight_urban for k in kinds]
        rural_w = [k.weight_rural for k in kinds]
        fringe_w = [(a + b) / 2 for a, b in zip(urban_w, rural_w, strict=True)]
        raw: list[tuple[ComponentKind, Coord, int, str]] = []
        for p in picks:
            s, g, road_name = self.segment_info[p]
            cls = grid_class[g]
            w = (
                urban_w
                if cls in (AreaClass.CORE, AreaClass.URBAN)
                else fringe_w
                if cls == AreaClass.FRINGE
                else rural_w
            )
            kind = rng.choices(kinds, weights=w)[0]
            sign = rng.choice((1, -1))
            offset = sign * rng.uniform(*kind.offset)
            d = rng.uniform(0, s.cum[-1])
            raw.append(
                (
                    kind,
                    lnglat(*self._along(s, d, offset)),
                    p,
                    "left" if sign > 0 else "right",
                )
            )

        grid_idx = locate([c for _, c, _, _ in raw], [g.ring for g in self.grids])
        states = (
            ComponentState.INTACT,
            ComponentState.DAMAGED,
            ComponentState.LOST,
            ComponentState.OCCUPIED,
        )
        components = []
        base = dt.date(2024, 3, 1)
        for (kind, (lng, lat), p, side), gi in zip(raw, grid_idx, strict=True):
            seg = self.segments[p]
            road_name = self.segment_info[p][2]
            ew = self.road_is_ew[seg.road_code]
            side_name = (
                ("北" if side == "left" else "南") if ew else ("西" if side == "left" else "东")
            )
            is_cover = kind.key.endswith("_cover") or kind.key == "rain_grate"
            state = rng.choices(
                states, weights=(93, 4, 2.5 if is_cover else 0.5, 0.5 if is_cover else 2.5)
            )[0]
            recorded = base + dt.timedelta(days=rng.randrange(540))
            changed = (
                recorded + dt.timedelta(days=rng.randrange(1, 200))
                if state != ComponentState.INTACT
                else recorded
            )
            note = f"{road_name}（{seg.from_street}至{seg.to_street}段）{side_name}侧"
            if not (seg.from_street and seg.to_street):
                note = f"{road_name}{side_name}侧"
            components.append(
                ComponentPlan(
                    kind=kind.key,
                    name=f"{road_name}{kind.names[0]}",
                    grid_code=self.grids[gi].code if gi >= 0 else None,
                    owner_code=kind.owner,
                    maintainer_code=kind.maintainer,
                    state=state,
                    accuracy_class=kind.accuracy,
                    lng=lng,
                    lat=lat,
                    material=rng.choice(kind.materials),
                    location_note=note,
                    data_source="2024年部件普查" if rng.random() < 0.9 else "巡查补录",
                    recorded_on=recorded,
                    changed_on=changed,
                )
            )
        # Census order: kind by kind, grid by grid, so serials run through areas.
        key_order = {k.key: i for i, k in enumerate(kinds)}
        components.sort(key=lambda c: (key_order[c.kind], c.grid_code or "", c.lng, c.lat))
        self.components = tuple(components)

    def _place(self, candidates: Sequence[int], spread: tuple[float, float]) -> tuple[Coord, str]:
        """A point beside a random segment among candidates, and its street address."""
        p = self.rng.choice(candidates)
        s, _, road_name = self.segment_info[p]
        seg = self.segments[p]
        d = self.rng.uniform(0.1, 0.9) * s.cum[-1]
        offset = self.rng.choice((1, -1)) * self.rng.uniform(*spread)
        number = seg.number_from + round((seg.number_to - seg.number_from) * d / s.cum[-1])
        return lnglat(*self._along(s, d, offset)), f"{road_name}{number}号"

    def build_landmarks(self) -> None:
        rng, s = self.rng, self.scale
        grid_class = {g.code: g.area_class for g in self.grids}
        urban = [
            i
            for i, (_, g, _) in enumerate(self.segment_info)
            if grid_class[g] in (AreaClass.CORE, AreaClass.URBAN)
        ] or list(range(len(self.segment_info)))
        by_township: dict[str, list[int]] = defaultdict(list)
        for i, (_, g, _) in enumerate(self.segment_info):
            by_township[g[:9]].append(i)
        landmarks: list[LandmarkPlan] = []
        used: set[str] = set()
        self.addresses: dict[str, tuple[Coord, str]] = {}

        def add(name: str, kind: str, where: Sequence[int], aliases: str = "") -> None:
            if name in used:
                return
            used.add(name)
            (lng, lat), address = self._place(where or urban, (20, 60))
            landmarks.append(LandmarkPlan(name, aliases, kind, lng, lat))
            self.addresses[name] = ((lng, lat), address)

        def count(n: float, low: int = 1) -> int:
            return max(low, round(n * s))

        # Offices first: their addresses become the units' addresses.
        for _code, name, short, *_ in DEPARTMENTS:
            add(name, LandmarkKind.GOVERNMENT, urban, short)
        for t in self.townships:
            suffix = "办事处" if t.kind == TownshipKind.STREET else "人民政府"
            add(f"{t.name}{suffix}", LandmarkKind.GOVERNMENT, by_township[t.code], t.name)
        add("中牟县人民政府", LandmarkKind.GOVERNMENT, urban, "县政府")

        for n in range(1, count(6, 2) + 1):
            cn = names.chinese_number(n)
            add(f"县第{cn}实验小学", LandmarkKind.SCHOOL, urban, f"县{cn}小,{cn}小")
        for n in range(1, count(4) + 1):
            cn = names.chinese_number(n)
            add(f"县第{cn}初级中学", LandmarkKind.SCHOOL, urban, f"县{cn}中,{cn}初中")
        for n in range(1, count(2) + 1):
            cn = names.chinese_number(n)
            add(f"县第{cn}高级中学", LandmarkKind.SCHOOL, urban, f"{cn}高")
        for t in self.townships:
            if t.kind == TownshipKind.TOWNSHIP:
                stem = t.name.removesuffix("镇")
                add(f"{stem}镇中心小学", LandmarkKind.SCHOOL, by_township[t.code])
                add(f"{stem}镇初级中学", LandmarkKind.SCHOOL, by_township[t.code])
                add(f"{stem}公交首末站", LandmarkKind.BUS_STATION, by_township[t.code])
                add(f"{stem}集贸市场", LandmarkKind.MARKET, by_township[t.code])
                add(f"{stem}镇区公厕", LandmarkKind.TOILET, by_township[t.code])
            else:
                add(
                    f"{t.name.removesuffix('街道')}农贸市场",
                    LandmarkKind.MARKET,
                    by_township[t.code],
                )

        add("中牟汽车站", LandmarkKind.BUS_STATION, urban, "汽车站,中牟县汽车站,县汽车站")
        add("中牟县公交总站", LandmarkKind.BUS_STATION, urban, "公交总站")
        add("中牟汽车东站", LandmarkKind.BUS_STATION, urban, "汽车东站")

        road_by_code = {r.code: r for r in self.roads}
        urban_roads = sorted({self.segments[i].road_code for i in urban})
        toilets = rng.sample(urban_roads, min(len(urban_roads), count(30, 3)))
        by_road: dict[str, list[int]] = defaultdict(list)
        for i, seg in enumerate(self.segments):
            by_road[seg.road_code].append(i)
        for code in sorted(toilets):
            add(f"{road_by_code[code].name}公厕", LandmarkKind.TOILET, by_road[code])

        parks = list(names.PARK_NAMES) + [f"{n}游园" for n in names.COMMUNITY_STEMS]
        for name in parks[: count(8, 3)]:
            add(name, LandmarkKind.PARK, urban)
        estates = list(names.ESTATE_NAMES) + [f"{n}家园" for n in names.COMMUNITY_STEMS]
        estates += [f"{n}小区" for n in names.ROAD_STEMS]
        for name in estates[: count(25, 3)]:
            add(name, LandmarkKind.ESTATE, urban)
        self.landmarks = tuple(landmarks)

    # -- people and units --


def county_plan(*, scale: float = 1, seed: int = 2026) -> CountyPlan:
    """The demo county at `scale` (1 ≈ 10 townships, 2,000 grids, 300 roads, 20,000 components)."""
    b = Builder(scale, seed)
    b.build_areas()
    b.build_roads()
    b.build_components()
    b.build_landmarks()
    people_build(b)
    return CountyPlan(
        scale=b.scale,
        seed=seed,
        region_code=REGION_CODE,
        name=COUNTY_NAME,
        open311_id=OPEN311_ID,
        center=(CENTER_LNG, CENTER_LAT),
        townships=b.townships,
        communities=b.communities,
        grids=b.grids,
        roads=b.roads,
        segments=b.segments,
        components=b.components,
        landmarks=b.landmarks,
        units=b.units,
        users=b.users,
        road_chiefs=b.road_chiefs,
    )


def township_count(scale: float) -> int:
    """How many townships `county_plan` makes at this scale, without building it."""
    n_target = max(5, round(10 * float(scale)))
    n_streets = max(1, round(0.4 * n_target))
    return n_streets + max(4, n_target - n_streets)
