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

The areas are planned here (`Builder.build_areas`); the roads in `roads.py` (a lattice
of named lines broken by a river, dead ends and bends), the components and landmarks
beside them in `components.py`, the people in `people.py`. Each is a function of the
`Builder`, which holds the seeded generator and what the earlier steps planned.
"""

from __future__ import annotations

import math
import random

from jingxi.demo import names
from jingxi.demo.components import components_build, landmarks_build
from jingxi.demo.lattice import GEOD, Edges, Rect, Warp, allocate, lnglat, snap, split
from jingxi.demo.names import take
from jingxi.demo.people import people_build
from jingxi.demo.plan import (
    CENTER_LAT,
    CENTER_LNG,
    COUNTY_NAME,
    OPEN311_ID,
    REGION_CODE,
    CommunityPlan,
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
from jingxi.demo.roads import _Segment, roads_build
from jingxi.places.choices import AreaClass, CommunityKind, TownshipKind


class Builder:
    # Written by roads.roads_build.
    xs: list[int]
    ys: list[int]
    segment_info: list[tuple[_Segment, str, str]]  # segment, grid, road name
    segments: tuple[SegmentPlan, ...]
    roads: tuple[RoadPlan, ...]
    road_township: dict[str, str]
    road_community: dict[str, str]
    road_length_in: dict[str, dict[str, float]]
    road_is_ew: dict[str, bool]
    # Written by components.components_build and components.landmarks_build.
    components: tuple[ComponentPlan, ...]
    landmarks: tuple[LandmarkPlan, ...]
    addresses: dict[str, tuple[Coord, str]]
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
                    name = take(urban_pool, used) + "社区"
                    kind = CommunityKind.COMMUNITY
                elif j == 1:
                    stem = t_name.removesuffix("镇").removesuffix("乡")
                    name = stem + "社区" if stem + "社区" not in used else ""
                    name = name or take(urban_pool, used) + "社区"
                    used.add(name.removesuffix("社区"))
                    kind = CommunityKind.COMMUNITY
                else:
                    name = take(village_pool, used) + "村"
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
            area, _ = GEOD.polygon_area_perimeter([p[0] for p in rg], [p[1] for p in rg])
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


def county_plan(*, scale: float = 1, seed: int = 2026) -> CountyPlan:
    """The demo county at `scale` (1 ≈ 10 townships, 2,000 grids, 300 roads, 20,000 components)."""
    b = Builder(scale, seed)
    b.build_areas()
    roads_build(b)
    components_build(b)
    landmarks_build(b)
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
