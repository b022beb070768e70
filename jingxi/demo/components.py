"""The demo county's components (部件) and landmarks, placed beside its road segments.

`generator.county_plan` calls `components_build` and `landmarks_build` after the roads
(`roads.roads_build`), from the same seeded generator.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from jingxi.demo import names
from jingxi.demo.lattice import lnglat, locate
from jingxi.demo.plan import (
    COMPONENT_KINDS,
    DEPARTMENTS,
    ComponentKind,
    ComponentPlan,
    Coord,
    LandmarkPlan,
)
from jingxi.demo.roads import along
from jingxi.places.choices import AreaClass, ComponentState, LandmarkKind, TownshipKind

if TYPE_CHECKING:
    from jingxi.demo.generator import Builder


def components_build(b: Builder) -> None:
    """Plan the components (部件) along the segments, denser in town."""
    rng = b.rng
    n = round(20000 * b.scale)
    density: dict[str, float] = {
        AreaClass.CORE: 4.0,
        AreaClass.URBAN: 3.0,
        AreaClass.FRINGE: 1.2,
    }
    grid_class = {g.code: g.area_class for g in b.grids}
    weights = [s.cum[-1] * density.get(grid_class[g], 0.4) for s, g, _ in b.segment_info]
    picks = rng.choices(range(len(b.segment_info)), weights=weights, k=n)
    picks.sort()
    kinds = COMPONENT_KINDS
    urban_w = [k.weight_urban for k in kinds]
    rural_w = [k.weight_rural for k in kinds]
    fringe_w = [(a + b) / 2 for a, b in zip(urban_w, rural_w, strict=True)]
    raw: list[tuple[ComponentKind, Coord, int, str]] = []
    for p in picks:
        s, g, road_name = b.segment_info[p]
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
                lnglat(*along(s, d, offset)),
                p,
                "left" if sign > 0 else "right",
            )
        )

    grid_idx = locate([c for _, c, _, _ in raw], [g.ring for g in b.grids])
    states = (
        ComponentState.INTACT,
        ComponentState.DAMAGED,
        ComponentState.LOST,
        ComponentState.OCCUPIED,
    )
    components = []
    base = dt.date(2024, 3, 1)
    for (kind, (lng, lat), p, side), gi in zip(raw, grid_idx, strict=True):
        seg = b.segments[p]
        road_name = b.segment_info[p][2]
        ew = b.road_is_ew[seg.road_code]
        side_name = ("北" if side == "left" else "南") if ew else ("西" if side == "left" else "东")
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
                grid_code=b.grids[gi].code if gi >= 0 else None,
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
    b.components = tuple(components)


def _place(b: Builder, candidates: Sequence[int], spread: tuple[float, float]) -> tuple[Coord, str]:
    """A point beside a random segment among candidates, and its street address."""
    p = b.rng.choice(candidates)
    s, _, road_name = b.segment_info[p]
    seg = b.segments[p]
    d = b.rng.uniform(0.1, 0.9) * s.cum[-1]
    offset = b.rng.choice((1, -1)) * b.rng.uniform(*spread)
    number = seg.number_from + round((seg.number_to - seg.number_from) * d / s.cum[-1])
    return lnglat(*along(s, d, offset)), f"{road_name}{number}号"


def landmarks_build(b: Builder) -> None:
    """Plan the landmarks (and their street addresses) that geocoding finds by name."""
    rng, s = b.rng, b.scale
    grid_class = {g.code: g.area_class for g in b.grids}
    urban = [
        i
        for i, (_, g, _) in enumerate(b.segment_info)
        if grid_class[g] in (AreaClass.CORE, AreaClass.URBAN)
    ] or list(range(len(b.segment_info)))
    by_township: dict[str, list[int]] = defaultdict(list)
    for i, (_, g, _) in enumerate(b.segment_info):
        by_township[g[:9]].append(i)
    landmarks: list[LandmarkPlan] = []
    used: set[str] = set()
    b.addresses = {}

    def add(name: str, kind: str, where: Sequence[int], aliases: str = "") -> None:
        if name in used:
            return
        used.add(name)
        (lng, lat), address = _place(b, where or urban, (20, 60))
        landmarks.append(LandmarkPlan(name, aliases, kind, lng, lat))
        b.addresses[name] = ((lng, lat), address)

    def count(n: float, low: int = 1) -> int:
        return max(low, round(n * s))

    # Offices first: their addresses become the units' addresses.
    for _code, name, short, *_ in DEPARTMENTS:
        add(name, LandmarkKind.GOVERNMENT, urban, short)
    for t in b.townships:
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
    for t in b.townships:
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

    road_by_code = {r.code: r for r in b.roads}
    urban_roads = sorted({b.segments[i].road_code for i in urban})
    toilets = rng.sample(urban_roads, min(len(urban_roads), count(30, 3)))
    by_road: dict[str, list[int]] = defaultdict(list)
    for i, seg in enumerate(b.segments):
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
    b.landmarks = tuple(landmarks)
