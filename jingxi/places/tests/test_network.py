from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import Cast, World
from jingxi.lib.geo import MetricProjection
from jingxi.org.models import Jurisdiction
from jingxi.places.imports import roads_import_geojson
from jingxi.places.models import Segment
from jingxi.places.network import road_network_build, road_network_get
from jingxi.places.responsibility import geo_cache_clear

pytestmark = pytest.mark.django_db

# A corner of the county north of the world's roads, where the test draws in metres.
ORIGIN = (113.95, 34.75)


@pytest.fixture(autouse=True)
def _fresh_indexes() -> Iterator[None]:
    geo_cache_clear()
    yield
    geo_cache_clear()


class Drawing:
    """Metres east and north of ORIGIN ↔ WGS84, in the projection the network uses."""

    def __init__(self, jurisdiction: Jurisdiction) -> None:
        self.projection = MetricProjection.for_lng(jurisdiction.center_lng)
        self.x0, self.y0 = self.projection.forward_point(*ORIGIN)

    def at(self, x: float, y: float) -> tuple[float, float]:
        return self.projection.inverse_point(self.x0 + x, self.y0 + y)

    def line(self, *points: tuple[float, float]) -> dict[str, Any]:
        return {"type": "LineString", "coordinates": [list(self.at(x, y)) for x, y in points]}


def segment(geometry: dict[str, Any], code: str, name: str, seq: int) -> dict[str, Any]:
    properties = {"road_code": code, "road_name": name, "seq": seq}
    return {"type": "Feature", "geometry": geometry, "properties": properties}


@pytest.fixture
def drawing(world: World) -> Drawing:
    """The world's own roads removed, then a small network imported as GeoJSON:

    - 东大街 in two segments whose ends are 3 m apart (joined), its east end 8 m
      short of 西延路 (a near miss, not joined);
    - 南北路 starting 2 m beside 东大街's first segment (a T-junction that splits it);
    - 孤岛路 on its own (a disconnected part).
    """
    Segment.objects.filter(road__jurisdiction=world.jurisdiction).delete()
    d = Drawing(world.jurisdiction)
    source = {
        "type": "FeatureCollection",
        "features": [
            segment(d.line((0, 0), (200, 0), (500, 0)), "R101", "东大街", 1),
            segment(d.line((503, 0), (1000, 0)), "R101", "东大街", 2),
            segment(d.line((250, 2), (250, 400)), "R102", "南北路", 1),
            segment(d.line((1008, 0), (1300, 0)), "R103", "西延路", 1),
            segment(d.line((0, 1000), (150, 1050), (300, 1000)), "R104", "孤岛路", 1),
        ],
    }
    summary = roads_import_geojson(jurisdiction=world.jurisdiction, source=json.dumps(source))
    assert summary.created == 5
    return d


def test_ends_within_the_tolerance_join_and_a_t_junction_splits(
    world: World, drawing: Drawing
) -> None:
    network = road_network_build(jurisdiction=world.jurisdiction, tolerance_m=5)

    # (0,0), T at (250,1), joined (501.5,0), (1000,0), (250,400), 西延路 2, 孤岛路 2.
    assert network.node_count == 9
    # 东大街 #1 split in two at the T, plus the four other segments.
    assert network.edge_count == 6
    assert [p.node_count for p in network.parts] == [5, 2, 2]
    assert [p.edge_count for p in network.parts] == [4, 1, 1]
    assert network.parts[0].length_m == pytest.approx(1000 + 398, abs=3)


def test_dangling_ends_and_near_misses_are_reported(world: World, drawing: Drawing) -> None:
    network = road_network_build(jurisdiction=world.jurisdiction, tolerance_m=5)

    assert sorted((d.road_name, d.seq) for d in network.dangling) == sorted(
        [
            ("东大街", 1),
            ("东大街", 2),
            ("南北路", 1),
            ("西延路", 1),
            ("西延路", 1),
            ("孤岛路", 1),
            ("孤岛路", 1),
        ]
    )
    (miss,) = network.near_misses
    assert {miss.road_a, miss.road_b} == {"东大街", "西延路"}
    assert miss.distance_m == pytest.approx(8, abs=0.1)
    lng, lat = drawing.at(1004, 0)
    assert (miss.lng, miss.lat) == pytest.approx((lng, lat), abs=1e-6)
    assert not network.ok


def test_a_wider_tolerance_joins_the_near_miss(world: World, drawing: Drawing) -> None:
    network = road_network_build(jurisdiction=world.jurisdiction, tolerance_m=10)

    assert [p.node_count for p in network.parts] == [6, 2]
    assert network.near_misses == ()


def test_a_tighter_tolerance_leaves_the_3_m_gap_open(world: World, drawing: Drawing) -> None:
    network = road_network_build(jurisdiction=world.jurisdiction, tolerance_m=1.2)

    # The 3 m gap is now a near miss, and 南北路 (2 m off 东大街) no longer meets it.
    assert [p.node_count for p in network.parts] == [2, 2, 2, 2, 2]
    assert [m.distance_m for m in network.near_misses] == pytest.approx([3], abs=0.1)


def test_shortest_path_follows_the_network(world: World, drawing: Drawing) -> None:
    network = road_network_build(jurisdiction=world.jurisdiction, tolerance_m=5)

    # From 100 m along 东大街 to 300 m up 南北路: 150 m east, then 298 m north.
    length = network.path_length_m(drawing.at(100, 0), drawing.at(250, 300))
    assert length == pytest.approx(150 + 298, abs=2)
    # Two points on the same piece: the distance between them along it.
    assert network.path_length_m(drawing.at(600, 0), drawing.at(900, 3)) == pytest.approx(
        300, abs=1
    )
    # Across the 3 m joint to the east end of 东大街.
    assert network.path_length_m(drawing.at(0, 0), drawing.at(1000, 0)) == pytest.approx(
        1000, abs=3
    )
    # 孤岛路 and 西延路 are not reachable from 东大街.
    assert network.path_length_m(drawing.at(0, 0), drawing.at(150, 1050)) is None
    assert network.path_length_m(drawing.at(0, 0), drawing.at(1200, 0)) is None


def test_the_network_is_kept_until_the_geo_version_moves(world: World, drawing: Drawing) -> None:
    first = road_network_get(jurisdiction=world.jurisdiction)
    assert road_network_get(jurisdiction=world.jurisdiction) is first
    # An import bumps the geo version: the next call builds the network again.
    source = {
        "type": "FeatureCollection",
        "features": [segment(drawing.line((1000, 0), (1008, 0)), "R105", "连接路", 1)],
    }
    roads_import_geojson(jurisdiction=world.jurisdiction, source=json.dumps(source))
    second = road_network_get(jurisdiction=world.jurisdiction)
    assert second is not first
    assert [p.node_count for p in second.parts] == [7, 2]
    geo_cache_clear()
    assert road_network_get(jurisdiction=world.jurisdiction) is not second


def test_quality_page_shows_the_network(cast: Cast, world: World, drawing: Drawing) -> None:
    client = Client()
    assert client.login(username=cast.dispatcher.username, password=cast.password)

    html = client.get(reverse("places:grid-quality")).content.decode()

    assert 'id="road-network"' in html
    assert "路网连通性" in html
    assert "连通片区（3）" in html
    assert "断头路端点（7）" in html
    assert "疑似未接通（1）" in html
    assert "东大街" in html and "西延路" in html
    assert "8.0" in html
