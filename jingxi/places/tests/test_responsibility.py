from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import numpy as np
import pytest

from conftest import World
from jingxi.catalog.choices import CategoryLevel, Responsibility
from jingxi.catalog.models import Category
from jingxi.lib.geo import wgs84_to_gcj02
from jingxi.org.choices import RankingGroup, UnitKind
from jingxi.org.models import Unit
from jingxi.org.tests.factories import UserFactory
from jingxi.places.choices import RoadChiefLevel
from jingxi.places.models import Component, ResponsibilityRule, RoadChief
from jingxi.places.responsibility import (
    OutsideJurisdiction,
    UnitRule,
    UnknownCategory,
    geo_cache_clear,
    point_responsibility,
    points_responsibility,
    responsibility_index_for,
)
from jingxi.places.responsibility_index import ResponsibilityIndex
from jingxi.places.selectors import geo_snapshot_load
from jingxi.places.services import geo_version_bump, responsibility_rule_set

# About 0.0001 degree of latitude is 11.1 m.
NORTH_OF_QINGNIAN_30M = (113.955, 34.71 + 30 / 111_000)
NORTH_OF_QINGNIAN_80M = (113.955, 34.71 + 80 / 111_000)
TODAY = dt.date(2026, 6, 1)


@pytest.fixture(autouse=True)
def _fresh_indexes() -> Iterator[None]:
    geo_cache_clear()
    yield
    geo_cache_clear()


def index(world: World, **kwargs: float) -> ResponsibilityIndex:
    return ResponsibilityIndex(
        geo_snapshot_load(jurisdiction=world.jurisdiction), today=lambda: TODAY, **kwargs
    )


def test_point_inside_resolves_township_community_and_grid(world: World) -> None:
    result = index(world).resolve(113.955, 34.715)
    assert result.township_code == "410122001"
    assert result.township_name == "青年路街道"
    assert result.community_code == "410122001001"
    assert result.grid_code == "410122001001001"
    assert result.grid_id == world.grids["A-north-1"].pk
    assert (result.lng, result.lat) == (113.955, 34.715)


def test_point_on_shared_township_border_goes_to_lowest_code(world: World) -> None:
    r = index(world)
    for lat in (34.7025, 34.715, 34.7199):
        result = r.resolve(113.97, lat)
        assert result.township_code == "410122001"
        # The same rule at every level keeps the hierarchy consistent.
        assert result.grid_code.startswith(result.community_code)
        assert result.community_code.startswith(result.township_code)


def test_point_on_grid_corner_goes_to_lowest_grid_code(world: World) -> None:
    result = index(world).resolve(113.96, 34.71)
    assert result.grid_code == "410122001001001"
    assert result.community_code == "410122001001"


def test_point_on_corner_where_four_grids_of_two_townships_meet(world: World) -> None:
    result = index(world).resolve(113.97, 34.71)
    assert result.township_code == "410122001"
    assert result.grid_code == "410122001001002"


def test_point_on_outer_boundary_is_inside(world: World) -> None:
    assert index(world).resolve(113.95, 34.70).township_code == "410122001"
    assert index(world).resolve(113.99, 34.72).township_code == "410122002"


@pytest.mark.parametrize(
    ("lng", "lat"), [(113.9499, 34.71), (113.9901, 34.71), (113.97, 34.6999), (120.0, 30.0)]
)
def test_point_just_outside_raises_outside_jurisdiction(
    world: World, lng: float, lat: float
) -> None:
    with pytest.raises(OutsideJurisdiction) as excinfo:
        index(world).resolve(lng, lat)
    assert f"{lng:.6f}" in str(excinfo.value)
    assert "不在本辖区范围内" in str(excinfo.value)


def test_point_responsibility_names_gcj02_point_as_given(world: World) -> None:
    with pytest.raises(OutsideJurisdiction, match=r"113\.940000") as excinfo:
        point_responsibility(jurisdiction=world.jurisdiction, lng=113.94, lat=34.71, crs="gcj02")
    assert isinstance(excinfo.value, ValueError)
    assert "GCJ02" in str(excinfo.value)


def test_point_responsibility_accepts_gcj02(world: World) -> None:
    glng, glat = wgs84_to_gcj02(113.955, 34.715)
    assert (glng, glat) != (113.955, 34.715)
    result = point_responsibility(jurisdiction=world.jurisdiction, lng=glng, lat=glat, crs="gcj02")
    assert result.grid_code == "410122001001001"
    assert result.lng == pytest.approx(113.955, abs=1e-7)
    assert result.lat == pytest.approx(34.715, abs=1e-7)


def test_point_responsibility_rejects_unknown_crs(world: World) -> None:
    with pytest.raises(ValueError, match="坐标系"):
        point_responsibility(jurisdiction=world.jurisdiction, lng=113.955, lat=34.715, crs="bd09")  # type: ignore[arg-type]  # testing bad input


def test_nearest_segment_within_distance(world: World) -> None:
    result = index(world).resolve(*NORTH_OF_QINGNIAN_30M)
    assert result.segment_id == world.segments["qingnian-west"].pk
    assert result.segment_label == "青年路（文化路至建设路段）"
    assert result.road_id == world.qingnian.pk
    assert result.road_name == "青年路"
    assert result.distance_m == pytest.approx(30.0, abs=0.5)


def test_no_segment_beyond_distance(world: World) -> None:
    result = index(world).resolve(*NORTH_OF_QINGNIAN_80M)
    assert result.segment_id is None
    assert result.distance_m is None
    assert result.road_chiefs == ()
    assert result.grid_code == "410122001001001"


def test_max_distance_is_configurable(world: World) -> None:
    result = index(world, max_distance_m=100.0).resolve(*NORTH_OF_QINGNIAN_80M)
    assert result.segment_id == world.segments["qingnian-west"].pk
    assert result.distance_m == pytest.approx(80.0, abs=0.5)


def test_tie_at_intersection_goes_to_lowest_road_code_and_seq(world: World) -> None:
    result = index(world).resolve(113.97, 34.71)
    assert result.segment_id == world.segments["qingnian-west"].pk
    assert result.distance_m == 0.0


def _chief(world: World, name: str, level: str, **kwargs: object) -> RoadChief:
    user = UserFactory(full_name=name, phone="13800000000", jurisdiction=world.jurisdiction)
    defaults: dict[str, object] = {
        "road": world.qingnian,
        "start_date": dt.date(2025, 1, 1),
        "supervision_phone": "0371-12345",
    }
    defaults.update(kwargs)
    return RoadChief.objects.create(user=user, level=level, **defaults)


def test_road_chiefs_current_today_covering_the_segment_are_listed(world: World) -> None:
    county = _chief(world, "县级路长", RoadChiefLevel.COUNTY)
    township = _chief(world, "乡级路长", RoadChiefLevel.TOWNSHIP)
    township.segments.add(world.segments["qingnian-east"])
    _chief(world, "卸任路长", RoadChiefLevel.COMMUNITY, end_date=dt.date(2026, 1, 1))
    _chief(world, "将任路长", RoadChiefLevel.COMMUNITY, start_date=dt.date(2027, 1, 1))
    r = index(world)

    west = r.resolve(*NORTH_OF_QINGNIAN_30M)
    assert west.road_chiefs == ((county.user_id, "县级路长", "county", "13800000000"),)
    east = r.resolve(113.985, 34.7101)
    assert [c[1] for c in east.road_chiefs] == ["县级路长", "乡级路长"]
    assert east.road_chiefs[1][2] == "township"
    assert r.resolve(113.9701, 34.705).road_chiefs == ()  # 建设路 has no chief


def test_road_chief_phone_falls_back_to_supervision_phone(world: World) -> None:
    chief = _chief(world, "县级路长", RoadChiefLevel.COUNTY)
    chief.user.phone = ""
    chief.user.save()
    result = index(world).resolve(*NORTH_OF_QINGNIAN_30M)
    assert result.road_chiefs[0][3] == "0371-12345"


def test_chief_list_follows_the_day(world: World) -> None:
    # The end date is the first day out of office (jingxi.places.chiefs).
    _chief(world, "县级路长", RoadChiefLevel.COUNTY, end_date=dt.date(2026, 6, 2))
    day = [TODAY]
    r = ResponsibilityIndex(
        geo_snapshot_load(jurisdiction=world.jurisdiction), today=lambda: day[0]
    )
    assert len(r.resolve(*NORTH_OF_QINGNIAN_30M).road_chiefs) == 1
    day[0] = dt.date(2026, 6, 2)
    assert r.resolve(*NORTH_OF_QINGNIAN_30M).road_chiefs == ()


# --- responsible unit ---------------------------------------------------------------


def _unit(world: World, code: str, name: str, kind: str = UnitKind.DEPARTMENT) -> Unit:
    return Unit.objects.create(
        jurisdiction=world.jurisdiction,
        code=code,
        name=name,
        kind=kind,
        ranking_group=RankingGroup.CLASS_B,
    )


POINT_A = (113.955, 34.715)  # township A, 555 m from any road
POINT_B = (113.985, 34.715)  # township B


def _rule(world: World, category: Category, unit: Unit, township: bool) -> None:
    responsibility_rule_set(
        jurisdiction=world.jurisdiction,
        category=category,
        unit=unit,
        township=world.township_a if township else None,
    )


def test_unit_rule_minor_township_beats_everything(world: World) -> None:
    u1, u2 = _unit(world, "X1", "单位一"), _unit(world, "X2", "单位二")
    u3, u4 = _unit(world, "X3", "单位三"), _unit(world, "X4", "单位四")
    garbage = world.exposed_garbage
    assert garbage.parent is not None
    _rule(world, garbage, u1, township=True)
    _rule(world, garbage, u2, township=False)
    _rule(world, garbage.parent, u3, township=True)
    _rule(world, garbage.parent, u4, township=False)
    r = index(world)

    a = r.resolve(*POINT_A, category_id=garbage.pk)
    assert (a.unit_id, a.unit_name, a.unit_rule) == (u1.pk, "单位一", UnitRule.RULE_MINOR_TOWNSHIP)
    b = r.resolve(*POINT_B, category_id=garbage.pk)
    assert (b.unit_id, b.unit_rule) == (u2.pk, UnitRule.RULE_MINOR)


def test_unit_rule_major_township_then_major_anywhere(world: World) -> None:
    u3, u4 = _unit(world, "X3", "单位三"), _unit(world, "X4", "单位四")
    garbage = world.exposed_garbage
    assert garbage.parent is not None
    _rule(world, garbage.parent, u3, township=True)
    _rule(world, garbage.parent, u4, township=False)
    r = index(world)
    a = r.resolve(*POINT_A, category_id=garbage.pk)
    assert (a.unit_id, a.unit_rule) == (u3.pk, UnitRule.RULE_MAJOR_TOWNSHIP)
    b = r.resolve(*POINT_B, category_id=garbage.pk)
    assert (b.unit_id, b.unit_rule) == (u4.pk, UnitRule.RULE_MAJOR)


def test_unit_default_unit_of_category(world: World) -> None:
    result = index(world).resolve(*POINT_A, category_id=world.exposed_garbage.pk)
    assert (result.unit_id, result.unit_rule) == (world.sanitation.pk, UnitRule.DEFAULT_UNIT)


def test_unit_category_without_default_unit_goes_to_office(world: World) -> None:
    Category.objects.filter(pk=world.exposed_garbage.pk).update(default_unit=None)
    result = index(world).resolve(*POINT_A, category_id=world.exposed_garbage.pk)
    assert (result.unit_id, result.unit_rule) == (world.office.pk, UnitRule.OFFICE)


def test_unit_township_responsibility(world: World) -> None:
    Category.objects.filter(pk=world.exposed_garbage.pk).update(
        responsibility=Responsibility.TOWNSHIP
    )
    r = index(world)
    a = r.resolve(*POINT_A, category_id=world.exposed_garbage.pk)
    assert (a.unit_id, a.unit_rule) == (world.township_unit_a.pk, UnitRule.TOWNSHIP)
    b = r.resolve(*POINT_B, category_id=world.exposed_garbage.pk)
    assert b.unit_id == world.township_unit_b.pk


def test_unit_township_without_unit_falls_back_to_office(world: World) -> None:
    Category.objects.filter(pk=world.exposed_garbage.pk).update(
        responsibility=Responsibility.TOWNSHIP
    )
    world.township_a.unit = None
    world.township_a.save()
    result = index(world).resolve(*POINT_A, category_id=world.exposed_garbage.pk)
    assert (result.unit_id, result.unit_rule) == (world.office.pk, UnitRule.OFFICE)


def test_office_fallback_prefers_jxb_then_any_office(world: World) -> None:
    _unit(world, "AAA", "另一个办公室", kind=UnitKind.OFFICE)
    assert index(world).office_unit_id == world.office.pk
    Unit.objects.filter(pk=world.office.pk).update(kind=UnitKind.DEPARTMENT)
    other = Unit.objects.get(code="AAA")
    assert index(world).office_unit_id == other.pk


def test_unit_segment_maintainer_near_a_segment_else_township(world: World) -> None:
    Category.objects.filter(pk=world.exposed_garbage.pk).update(
        responsibility=Responsibility.SEGMENT_MAINTAINER
    )
    contractor = _unit(world, "HWZY", "县环卫作业公司", kind=UnitKind.CONTRACTOR)
    segment = world.segments["qingnian-west"]
    segment.maintainer = contractor
    segment.save()
    r = index(world)
    near = r.resolve(*NORTH_OF_QINGNIAN_30M, category_id=world.exposed_garbage.pk)
    assert (near.unit_id, near.unit_rule) == (contractor.pk, UnitRule.SEGMENT_MAINTAINER)
    far = r.resolve(*NORTH_OF_QINGNIAN_80M, category_id=world.exposed_garbage.pk)
    assert (far.unit_id, far.unit_rule) == (world.township_unit_a.pk, UnitRule.TOWNSHIP)


def test_unit_component_maintainer_then_segment_then_township(world: World) -> None:
    water = _unit(world, "SW", "县自来水公司")
    manhole = world.manhole_cover
    lng, lat = NORTH_OF_QINGNIAN_30M
    Component.objects.create(
        jurisdiction=world.jurisdiction,
        object_id="4101220101000001",
        category=manhole,
        name="上水井盖",
        maintainer=water,
        lng=lng + 20 / 91_000,  # about 20 m east
        lat=lat,
    )
    r = index(world)
    near = r.resolve(lng, lat, category_id=manhole.pk)
    assert (near.unit_id, near.unit_rule) == (water.pk, UnitRule.COMPONENT_MAINTAINER)
    # 40 m east of the component: beyond 30 m, but still 30 m from 青年路 west.
    off = r.resolve(lng + 60 / 91_000, lat, category_id=manhole.pk)
    assert (off.unit_id, off.unit_rule) == (
        world.township_unit_a.pk,
        UnitRule.SEGMENT_MAINTAINER,
    )
    far = r.resolve(*POINT_A, category_id=manhole.pk)
    assert (far.unit_id, far.unit_rule) == (world.township_unit_a.pk, UnitRule.TOWNSHIP)


def test_unknown_category_is_refused(world: World) -> None:
    with pytest.raises(UnknownCategory, match="不属于本辖区"):
        index(world).resolve(*POINT_A, category_id=999_999)


def test_major_category_can_be_resolved(world: World) -> None:
    major = Category.objects.get(
        jurisdiction=world.jurisdiction, code="05", level=CategoryLevel.MAJOR
    )
    result = index(world).resolve(*POINT_A, category_id=major.pk)
    assert result.unit_id == world.township_unit_a.pk  # default responsibility: township


# --- batch and refresh --------------------------------------------------------------


def test_resolve_many_agrees_with_resolve(world: World) -> None:
    _chief(world, "县级路长", RoadChiefLevel.COUNTY)
    Category.objects.filter(pk=world.exposed_garbage.pk).update(
        responsibility=Responsibility.SEGMENT_MAINTAINER
    )
    r = index(world)
    rng = np.random.default_rng(7)
    lngs = rng.uniform(113.945, 113.995, 400)
    lats = np.concatenate([rng.uniform(34.695, 34.725, 300), rng.uniform(34.7095, 34.7105, 100)])
    lngs[:4] = [113.97, 113.96, 113.95, 113.97]
    lats[:4] = [34.71, 34.71, 34.70, 34.715]
    batch = r.resolve_many(lngs, lats, category_id=world.exposed_garbage.pk)
    outside = 0
    for lng, lat, got in zip(lngs.tolist(), lats.tolist(), batch, strict=True):
        try:
            single = r.resolve(lng, lat, category_id=world.exposed_garbage.pk)
        except OutsideJurisdiction:
            assert got is None
            outside += 1
            continue
        assert got is not None
        assert got == single
    assert 0 < outside < 400
    assert any(b is not None and b.segment_id for b in batch)


def test_points_responsibility_accepts_gcj02_batch(world: World) -> None:
    g = [wgs84_to_gcj02(113.955, 34.715), wgs84_to_gcj02(113.985, 34.705), (100.0, 20.0)]
    results = points_responsibility(
        jurisdiction=world.jurisdiction,
        lngs=[p[0] for p in g],
        lats=[p[1] for p in g],
        crs="gcj02",
        category=world.illegal_parking,
    )
    assert results[0] is not None and results[0].grid_code == "410122001001001"
    assert results[1] is not None and results[1].township_code == "410122002"
    assert results[1].unit_id == world.traffic.pk
    assert results[2] is None


def test_responsibility_index_is_cached_per_process_until_geo_version_bump(world: World) -> None:
    j = world.jurisdiction
    first = responsibility_index_for(jurisdiction=j)
    assert responsibility_index_for(jurisdiction=j) is first
    assert (
        point_responsibility(
            jurisdiction=j, lng=113.955, lat=34.715, category=world.exposed_garbage
        ).unit_id
        == world.sanitation.pk
    )
    # A write without a bump is not seen (the contract: writes go through services).
    ResponsibilityRule.objects.create(
        jurisdiction=j, category=world.exposed_garbage, unit=world.traffic, township=None
    )
    assert responsibility_index_for(jurisdiction=j) is first
    geo_version_bump(jurisdiction=j)
    second = responsibility_index_for(jurisdiction=j)
    assert second is not first
    assert second.geo_version == first.geo_version + 1
    result = point_responsibility(
        jurisdiction=j, lng=113.955, lat=34.715, category=world.exposed_garbage
    )
    assert result.unit_id == world.traffic.pk


def test_responsibility_index_sees_bump_through_a_stale_jurisdiction_object(world: World) -> None:
    stale = world.jurisdiction
    first = responsibility_index_for(jurisdiction=stale)
    responsibility_rule_set(
        jurisdiction=stale, category=world.exposed_garbage, unit=world.traffic, township=None
    )
    assert stale.geo_version == 0  # the in-memory object did not move ...
    assert responsibility_index_for(jurisdiction=stale) is not first  # ... but the database did


def test_responsibility_rule_set_removes_a_rule(world: World) -> None:
    j = world.jurisdiction
    responsibility_rule_set(jurisdiction=j, category=world.exposed_garbage, unit=world.traffic)
    assert ResponsibilityRule.objects.count() == 1
    responsibility_rule_set(jurisdiction=j, category=world.exposed_garbage, unit=None)
    assert ResponsibilityRule.objects.count() == 0
    result = point_responsibility(
        jurisdiction=j, lng=113.955, lat=34.715, category=world.exposed_garbage
    )
    assert result.unit_id == world.sanitation.pk
