"""The demo county's plan: deterministic, well coded, seamless, connected."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter, defaultdict
from functools import cache

import pytest
import shapely

from jingxi.demo.generator import county_plan, township_count
from jingxi.demo.names import chinese_number
from jingxi.demo.plan import CENTER_LAT, COMPONENT_KIND_BY_KEY, DEPARTMENTS, REGION_CODE, CountyPlan
from jingxi.demo.roads import DEAD_END_NAME, RIVER_BRIDGES, RIVER_NAME
from jingxi.org.choices import Role
from jingxi.places.choices import RoadChiefLevel

SCALE = 0.2


@cache
def plan() -> CountyPlan:
    return county_plan(scale=SCALE, seed=7)


def metres(lng: float, lat: float) -> tuple[float, float]:
    """A rough local projection, good enough for distances of a few metres."""
    return lng * 111_320 * math.cos(math.radians(CENTER_LAT)), lat * 110_950


def test_same_seed_gives_the_same_plan() -> None:
    assert county_plan(scale=SCALE, seed=7) == plan()


def test_another_seed_gives_another_county() -> None:
    other = county_plan(scale=SCALE, seed=8)
    assert other.grids[0].ring != plan().grids[0].ring
    assert other.components != plan().components


def test_scale_one_has_the_sizes_of_the_issue() -> None:
    counts = county_plan(scale=1).counts()
    assert counts["townships"] == 10 == township_count(1)
    assert counts["communities"] == 100
    assert counts["grids"] == 2000
    assert 270 <= counts["roads"] <= 340
    assert 2700 <= counts["segments"] <= 3300
    assert counts["components"] == 20000


def test_township_count_predicts_the_plan() -> None:
    for scale in (0.05, 0.5):
        assert township_count(scale) == len(county_plan(scale=scale).townships)
    assert township_count(SCALE) == len(plan().townships)


def test_codes_are_hierarchical_and_unique() -> None:
    p = plan()
    townships = {t.code for t in p.townships}
    communities = {c.code for c in p.communities}
    assert len(townships) == len(p.townships)
    assert len(communities) == len(p.communities)
    assert all(re.fullmatch(rf"{REGION_CODE}\d{{3}}", t) for t in townships)
    assert all(c.township_code == c.code[:9] in townships for c in p.communities)
    grid_codes = [g.code for g in p.grids]
    assert len(set(grid_codes)) == len(grid_codes)
    for g in p.grids:
        assert re.fullmatch(r"\d{15}", g.code)
        assert g.code[:12] == g.community_code
        assert g.community_code in communities
    streets = [t for t in p.townships if t.code[6:] < "100"]
    assert streets and streets[0].name == "青年路街道"


def test_names_are_unique() -> None:
    p = plan()
    for names in (
        [t.name for t in p.townships],
        [c.name for c in p.communities],
        [r.name for r in p.roads],
        [r.code for r in p.roads],
        [u.code for u in p.units],
        [u.name for u in p.units],
        [u.username for u in p.users],
        [m.name for m in p.landmarks],
    ):
        assert len(names) == len(set(names)), Counter(names).most_common(3)


def _polygon(ring: tuple[tuple[float, float], ...]) -> shapely.Polygon:
    return shapely.Polygon(ring)


def _assert_tiles(parent: shapely.Polygon, children: list[shapely.Polygon]) -> None:
    assert all(c.is_valid for c in children)
    union = shapely.union_all(children)
    # No gaps: the union is the parent. No overlaps: the areas add up.
    assert union.symmetric_difference(parent).area <= parent.area * 1e-9
    assert sum(c.area for c in children) == pytest.approx(parent.area, rel=1e-9)


def test_grids_tile_each_community_without_gaps_or_overlaps() -> None:
    p = plan()
    grids = defaultdict(list)
    for g in p.grids:
        grids[g.community_code].append(_polygon(g.ring))
    for c in p.communities:
        _assert_tiles(_polygon(c.ring), grids[c.code])


def test_communities_tile_townships_and_townships_tile_the_county() -> None:
    p = plan()
    communities = defaultdict(list)
    for c in p.communities:
        communities[c.township_code].append(_polygon(c.ring))
    townships = []
    for t in p.townships:
        polygon = _polygon(t.ring)
        _assert_tiles(polygon, communities[t.code])
        townships.append(polygon)
    county = shapely.union_all(townships)
    assert isinstance(county, shapely.Polygon)
    assert not county.interiors
    assert county.area == pytest.approx(sum(t.area for t in townships), rel=1e-9)


def test_neighbouring_grids_share_identical_vertices() -> None:
    p = plan()
    polygons = [_polygon(g.ring) for g in p.grids]
    tree = shapely.STRtree(polygons)
    touching = 0
    for i, polygon in enumerate(polygons[:50]):
        for j in tree.query(polygon, predicate="touches"):
            shared = polygon.boundary.intersection(polygons[j].boundary)
            if shared.length > 0:
                touching += 1
                # A seamless edge: the shared boundary is made of the same vertices.
                assert shapely.get_num_coordinates(shared) >= 2
                assert set(p.grids[i].ring) & set(p.grids[j].ring)
    assert touching > 50


def test_grid_areas_are_measured_and_classed() -> None:
    p = plan()
    classes = Counter(g.area_class for g in p.grids)
    assert set(classes) >= {"core", "urban", "rural"}
    for g in p.grids:
        assert g.area_m2 > 1000
    core = [g.area_m2 for g in p.grids if g.area_class == "core"]
    rural = [g.area_m2 for g in p.grids if g.area_class == "rural"]
    assert sum(core) / len(core) < sum(rural) / len(rural)


def test_segments_run_between_named_crossings_with_rising_house_numbers() -> None:
    p = plan()
    by_road = defaultdict(list)
    for s in p.segments:
        by_road[s.road_code].append(s)
        assert s.from_street and s.to_street
        assert s.from_street != s.to_street
        assert s.township_code is not None
        assert s.maintainer_code in {"SZ", f"T{s.township_code[6:]}"}
        assert s.length_m > 0
        assert s.number_from < s.number_to
    assert set(by_road) == {r.code for r in p.roads}
    for segments in by_road.values():
        assert [s.seq for s in segments] == list(range(1, len(segments) + 1))
        for a, b in itertools.pairwise(segments):
            assert a.line[-1] == b.line[0]  # the road is continuous
            assert a.to_street == b.from_street
            assert b.number_from == a.number_to + 1


def test_roads_cross_each_other_at_shared_points() -> None:
    p = plan()
    name = {r.code: r.name for r in p.roads}
    roads_at: dict[tuple[float, float], set[str]] = defaultdict(set)
    for s in p.segments:
        roads_at[s.line[0]].add(s.road_code)
        roads_at[s.line[-1]].add(s.road_code)
    crossings = [codes for codes in roads_at.values() if len(codes) >= 2]
    assert len(crossings) > len(p.roads)
    # A segment's cross streets are roads that meet it at its ends (unless it ends at
    # the river or stops short).
    no_crossing = {RIVER_NAME, DEAD_END_NAME}
    checked = 0
    for s in p.segments:
        if s.from_street not in no_crossing:
            assert s.from_street in {name[c] for c in roads_at[s.line[0]]}
        if s.to_street not in no_crossing:
            assert s.to_street in {name[c] for c in roads_at[s.line[-1]]}
        checked += 1
    assert checked == len(p.segments)


def test_the_network_has_curves_dead_ends_and_a_river_with_few_bridges() -> None:
    p = plan()
    ends = Counter(pt for s in p.segments for pt in (s.line[0], s.line[-1]))
    south = [metres(*s.line[-1]) for s in p.segments if s.to_street == RIVER_NAME]
    north = [metres(*s.line[0]) for s in p.segments if s.from_street == RIVER_NAME]
    dead = [s.line[-1] for s in p.segments if s.to_street == DEAD_END_NAME]
    # Roads end at both banks, and nothing else meets them there.
    assert len(south) == len(north) >= 5
    assert 1 <= len(dead) <= 4
    for s in p.segments:
        if s.to_street in (RIVER_NAME, DEAD_END_NAME):
            assert ends[s.line[-1]] == 1
        if s.from_street == RIVER_NAME:
            assert ends[s.line[0]] == 1
    # The river runs between the banks: only the bridges cross it.
    middle = sorted(
        ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        for a, b in zip(sorted(south), sorted(north), strict=True)
    )
    river = shapely.LineString(middle)
    crossing = [
        s
        for s in p.segments
        if RIVER_NAME not in (s.from_street, s.to_street)
        and river.intersects(shapely.LineString([metres(*pt) for pt in s.line]))
    ]
    assert 1 <= len(crossing) <= RIVER_BRIDGES
    # Some roads bend well away from the straight line between their crossings.
    bends = 0
    for s in p.segments:
        line = shapely.LineString([metres(*pt) for pt in s.line])
        chord = shapely.LineString([line.coords[0], line.coords[-1]])
        if line.hausdorff_distance(chord) > 0.05 * chord.length:
            bends += 1
    assert bends >= 10


def test_components_lie_within_metres_of_a_road() -> None:
    p = plan()
    lines = [shapely.LineString([metres(*pt) for pt in s.line]) for s in p.segments]
    tree = shapely.STRtree(lines)
    points = shapely.points([metres(c.lng, c.lat) for c in p.components[:2000]])
    _, distances = tree.query_nearest(points, return_distance=True)
    assert float(distances.max()) <= 35  # car parks and stations sit back from the road
    covers = [
        i
        for i, c in enumerate(p.components[:2000])
        if COMPONENT_KIND_BY_KEY[c.kind].accuracy == "a"
    ]
    assert covers
    assert max(float(distances[i]) for i in covers) <= 12


def test_components_are_mostly_intact_and_in_a_grid() -> None:
    p = plan()
    states = Counter(c.state for c in p.components)
    assert states["intact"] / len(p.components) > 0.85
    assert states["damaged"] and states["lost"] and states["occupied"]
    grids = {g.code for g in p.grids}
    assert all(c.grid_code in grids for c in p.components)
    kinds = Counter(c.kind for c in p.components)
    assert {"street_light", "street_tree", "rain_cover", "bin"} <= set(kinds)


def test_units_follow_the_contract_table() -> None:
    p = plan()
    codes = {u.code for u in p.units}
    assert {code for code, *_ in DEPARTMENTS} <= codes
    assert {"JXB", "CGJ", "JJ", "GAJ", "JTJ", "SCJG", "ZJJ", "SZ", "YL", "HW", "JYJ"} <= codes
    assert {t.unit_code for t in p.townships} <= codes
    assert {c.unit_code for c in p.communities} <= codes
    by_code = {u.code: u for u in p.units}
    for c in p.communities:
        assert by_code[c.unit_code].parent_code == f"T{c.code[6:9]}"
        assert re.fullmatch(r"C\d{6}", c.unit_code)
    for t in p.townships:
        assert by_code[t.unit_code].parent_code is None
        assert by_code[t.unit_code].ranking_group == "township"
    usernames = {u.username for u in p.users}
    assert all(u.head_username in usernames for u in p.units)
    assert by_code["HW"].head_username == "head"


def test_every_role_has_staff() -> None:
    p = plan()
    roles = {m.role for u in p.users for m in u.memberships}
    assert roles == set(Role.values)
    usernames = {u.username for u in p.users}
    assert {"admin", "dispatcher", "inspector", "inspector2", "roadchief", "handler", "head"} <= (
        usernames
    )
    assert {"assessor", "leader", "operator", "handler_hw", "handler_jj", "handler_t001"} <= (
        usernames
    )
    assert all(re.fullmatch(r"1\d{10}", u.phone) for u in p.users)
    assert len({u.phone for u in p.users}) == len(p.users)


def test_every_road_has_one_chief_per_level() -> None:
    p = plan()
    levels = defaultdict(list)
    for rc in p.road_chiefs:
        levels[rc.road_code].append(rc.level)
    assert set(levels) == {r.code for r in p.roads}
    for found in levels.values():
        assert sorted(found) == sorted(RoadChiefLevel.values)
    county = {rc.username for rc in p.road_chiefs if rc.level == "county"}
    assert "leader" in county
    assert "roadchief" in {rc.username for rc in p.road_chiefs if rc.level == "township"}


def test_landmarks_include_the_seed_facilities() -> None:
    kinds = Counter(m.kind for m in plan().landmarks)
    assert {"school", "toilet", "bus_station", "park", "estate"} <= set(kinds)
    names = {m.name for m in plan().landmarks}
    assert {"县第一实验小学", "中牟汽车站", "牟山游园", "纺织厂家属院"} <= names


@pytest.mark.parametrize(
    ("n", "text"),
    [(1, "一"), (10, "十"), (12, "十二"), (20, "二十"), (105, "一百零五"), (110, "一百一十")],
)
def test_chinese_numbers(n: int, text: str) -> None:
    assert chinese_number(n) == text
