from __future__ import annotations

from collections.abc import Iterator

import pytest

from conftest import World, line
from jingxi.places.geocode import (
    address_geocode,
    address_normalize,
    geocode_index_for,
    point_describe,
)
from jingxi.places.models import Component, Landmark, Road, Segment
from jingxi.places.responsibility import OutsideJurisdiction, geo_cache_clear
from jingxi.places.services import geo_version_bump


@pytest.fixture(autouse=True)
def _fresh_indexes() -> Iterator[None]:
    geo_cache_clear()
    yield
    geo_cache_clear()


def geocode(world: World, text: str) -> list[tuple[str, str, float, float]]:
    return [
        (c.kind, c.label, round(c.lng, 5), round(c.lat, 5))
        for c in address_geocode(jurisdiction=world.jurisdiction, text=text)
    ]


def test_normalize_full_width_spaces_and_crossing_words() -> None:
    assert address_normalize(" 青年路　１００號 ") == "青年路100号"
    assert address_normalize("青年路与建设路交叉口") == "青年路与建设路口"
    assert address_normalize("青年路與建设路十字路口") == "青年路与建设路口"


def test_house_number_is_interpolated_along_its_segment(world: World) -> None:
    # 青年路 west holds 1–199 from 113.95 to 113.97: 100 is halfway.
    assert geocode(world, "青年路100号") == [("house_number", "青年路100号", 113.96, 34.71)]
    # 青年路 east holds 201–399 from 113.97 to 113.99.
    assert geocode(world, "青年路300号") == [("house_number", "青年路300号", 113.98, 34.71)]
    # 建设路 north holds 101–199 from 34.71 to 34.72.
    assert geocode(world, "建设路150号") == [("house_number", "建设路150号", 113.97, 34.715)]


@pytest.mark.parametrize(
    "text",
    ["青年路１００號", "青年路 100 号", "中牟县青年路100号", "青年路100号院3栋", "青年路100"],
)
def test_house_number_variants(world: World, text: str) -> None:
    assert geocode(world, text) == [("house_number", "青年路100号", 113.96, 34.71)]


def test_house_number_at_range_ends(world: World) -> None:
    assert geocode(world, "青年路1号") == [("house_number", "青年路1号", 113.95, 34.71)]
    assert geocode(world, "青年路199号") == [("house_number", "青年路199号", 113.97, 34.71)]


def test_house_number_outside_every_range_gives_the_road_only(world: World) -> None:
    result = address_geocode(jurisdiction=world.jurisdiction, text="青年路999号")
    assert [(c.kind, c.label) for c in result] == [("road", "青年路")]
    assert result[0].score < 0.5


@pytest.mark.parametrize(
    "text",
    [
        "青年路与建设路交叉口",
        "青年路建设路口",
        "青年路和建设路交叉口",
        "建设路与青年路路口",
        "青年路、建设路交汇处",
        "青年路 与 建设路 交叉口",
    ],
)
def test_intersection_variants(world: World, text: str) -> None:
    result = address_geocode(jurisdiction=world.jurisdiction, text=text)
    assert len(result) == 1
    assert result[0].kind == "intersection"
    assert (round(result[0].lng, 7), round(result[0].lat, 7)) == (113.97, 34.71)
    assert result[0].label.endswith("交叉口")


def test_roads_meeting_twice_give_two_intersection_candidates(world: World) -> None:
    ring = Road.objects.create(jurisdiction=world.jurisdiction, code="R009", name="环城路")
    Segment.objects.create(
        road=ring,
        seq=1,
        geometry=line((113.965, 34.705), (113.975, 34.705), (113.975, 34.715), (113.965, 34.715)),
    )
    result = geocode(world, "环城路与建设路交叉口")
    assert [(k, lng, lat) for k, _label, lng, lat in result] == [
        ("intersection", 113.97, 34.705),
        ("intersection", 113.97, 34.715),
    ]


def test_roads_that_never_meet_are_not_an_intersection(world: World) -> None:
    Road.objects.create(jurisdiction=world.jurisdiction, code="R009", name="北环路")
    far = Road.objects.get(code="R009")
    Segment.objects.create(road=far, seq=1, geometry=line((113.95, 34.719), (113.96, 34.719)))
    result = geocode(world, "北环路与建设路交叉口")
    assert [kind for kind, *_rest in result] == ["road", "road"]


def test_landmark_exact_and_alias(world: World) -> None:
    Landmark.objects.filter(name="县第一实验小学").update(aliases="一小，实验一小")
    assert geocode(world, "县第一实验小学") == [("landmark", "县第一实验小学", 113.96, 34.715)]
    assert geocode(world, "实验一小") == [("landmark", "县第一实验小学", 113.96, 34.715)]


def test_landmark_named_inside_a_longer_text(world: World) -> None:
    result = geocode(world, "中牟县县第一实验小学门口")
    assert result == [("landmark", "县第一实验小学", 113.96, 34.715)]


def test_ambiguous_landmark_returns_candidates_best_first(world: World) -> None:
    Landmark.objects.create(
        jurisdiction=world.jurisdiction, name="实验小学", lng=113.98, lat=34.705
    )
    Landmark.objects.create(
        jurisdiction=world.jurisdiction, name="县第二实验小学", lng=113.985, lat=34.715
    )
    # An exact name wins alone.
    assert [c[1] for c in geocode(world, "实验小学")] == ["实验小学"]
    result = address_geocode(jurisdiction=world.jurisdiction, text="实验小")
    assert [c.label for c in result] == ["实验小学", "县第一实验小学", "县第二实验小学"]
    assert result[0].score > result[1].score
    assert all(c.kind == "landmark" for c in result)


def test_component_by_name_and_object_id(world: World) -> None:
    for serial, lng in ((1, 113.955), (2, 113.965)):
        Component.objects.create(
            jurisdiction=world.jurisdiction,
            object_id=f"41012201010{serial:05d}",
            category=world.manhole_cover,
            name="青年路1号上水井盖" if serial == 1 else "上水井盖",
            lng=lng,
            lat=34.7101,
        )
    assert geocode(world, "4101220101000002") == [
        ("component", "上水井盖（4101220101000002）", 113.965, 34.7101)
    ]
    assert geocode(world, "上水井盖") == [
        ("component", "上水井盖（4101220101000002）", 113.965, 34.7101)
    ]


def test_road_name_alone_gives_the_middle_of_the_road(world: World) -> None:
    assert geocode(world, "建设路") == [("road", "建设路", 113.97, 34.71)]
    assert geocode(world, "青年路") == [("road", "青年路", 113.97, 34.71)]


@pytest.mark.parametrize("text", ["火星路", "", "   ", "一二三"])
def test_unknown_text_gives_nothing(world: World, text: str) -> None:
    assert address_geocode(jurisdiction=world.jurisdiction, text=text) == []


def test_index_is_rebuilt_after_geo_version_bump(world: World) -> None:
    first = geocode_index_for(jurisdiction=world.jurisdiction)
    Landmark.objects.create(
        jurisdiction=world.jurisdiction, name="中牟公园", lng=113.98, lat=34.715
    )
    assert geocode(world, "中牟公园") == []
    assert geocode_index_for(jurisdiction=world.jurisdiction) is first
    geo_version_bump(jurisdiction=world.jurisdiction)
    assert geocode(world, "中牟公园") == [("landmark", "中牟公园", 113.98, 34.715)]
    assert geocode_index_for(jurisdiction=world.jurisdiction) is not first


def test_describe_names_the_segment_and_the_landmark_near(world: World) -> None:
    text = point_describe(jurisdiction=world.jurisdiction, lng=113.96, lat=34.7108)
    assert text == "青年路（文化路至建设路段）近县第一实验小学"


def test_describe_without_landmark_near(world: World) -> None:
    text = point_describe(jurisdiction=world.jurisdiction, lng=113.985, lat=34.7101)
    assert text == "青年路（建设路至东风路段）"


def test_describe_away_from_roads_names_the_community_and_grid(world: World) -> None:
    text = point_describe(jurisdiction=world.jurisdiction, lng=113.985, lat=34.7185)
    assert text == "东风路街道北社区（网格410122002001002）"


def test_describe_outside_raises(world: World) -> None:
    with pytest.raises(OutsideJurisdiction):
        point_describe(jurisdiction=world.jurisdiction, lng=113.90, lat=34.71)


def test_geocode_then_describe_round_trip(world: World) -> None:
    (candidate,) = address_geocode(jurisdiction=world.jurisdiction, text="建设路50号")
    assert point_describe(
        jurisdiction=world.jurisdiction, lng=candidate.lng, lat=candidate.lat
    ).startswith("建设路（南环路至青年路段）")
