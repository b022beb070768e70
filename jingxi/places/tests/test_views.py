from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import Cast, World, box
from jingxi.lib.geo import wgs84_to_gcj02
from jingxi.org.models import User
from jingxi.places.imports import roads_import_geojson
from jingxi.places.models import Segment
from jingxi.places.responsibility import geo_cache_clear
from jingxi.places.services import geo_version_bump


@pytest.fixture(autouse=True)
def _fresh_indexes() -> Iterator[None]:
    geo_cache_clear()
    yield
    geo_cache_clear()


def client_for(user: User, cast: Cast) -> Client:
    client = Client()
    assert client.login(username=user.username, password=cast.password)
    return client


def get_json(client: Client, name: str, **params: Any) -> tuple[int, dict[str, Any]]:
    response = client.get(reverse(name), params)
    assert response["Content-Type"] == "application/json"
    data: dict[str, Any] = response.json()
    return response.status_code, data


# --- responsibility ----------------------------------------------------------------------------


def test_responsibility_returns_the_full_answer(cast: Cast, world: World) -> None:
    client = client_for(cast.inspector, cast)
    status, data = get_json(
        client,
        "places:point-responsibility",
        lng="113.955",
        lat="34.7102",
        category=str(world.exposed_garbage.pk),
    )
    assert status == 200
    assert data["township_name"] == "青年路街道"
    assert data["community_code"] == "410122001001"
    assert data["grid_code"] == "410122001001001"
    assert data["segment_label"] == "青年路（文化路至建设路段）"
    assert data["road_name"] == "青年路"
    assert data["distance_m"] == pytest.approx(22.2, abs=0.5)
    assert data["road_chiefs"] == [
        {
            "user_id": cast.road_chief.pk,
            "name": "路长老王",
            "level": "township",
            "phone": "0371-62100000",
        }
    ]
    assert (data["unit_id"], data["unit_name"]) == (world.sanitation.pk, "县环卫中心")
    assert data["unit_rule"] == "default_unit"
    assert (data["lng"], data["lat"]) == (113.955, 34.7102)


def test_responsibility_accepts_gcj02(cast: Cast) -> None:
    glng, glat = wgs84_to_gcj02(113.985, 34.705)
    status, data = get_json(
        client_for(cast.inspector, cast),
        "places:point-responsibility",
        lng=str(glng),
        lat=str(glat),
        crs="gcj02",
    )
    assert status == 200
    assert data["township_code"] == "410122002"
    assert data["lng"] == pytest.approx(113.985, abs=1e-7)
    assert data["unit_id"] is None


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "请提供经度"),
        ({"lng": "113.955"}, "请提供经度"),
        ({"lng": "abc", "lat": "34.71"}, "经纬度必须是数字"),
        ({"lng": "nan", "lat": "34.71"}, "超出有效范围"),
        ({"lng": "213.9", "lat": "34.71"}, "超出有效范围"),
        ({"lng": "113.955", "lat": "34.71", "crs": "bd09"}, "坐标系"),
        ({"lng": "113.955", "lat": "34.71", "category": "x1"}, "类别编号"),
        ({"lng": "113.955", "lat": "34.71", "category": "999999"}, "不属于本辖区"),
        ({"lng": "113.9", "lat": "34.71"}, "不在本辖区范围内"),
    ],
)
def test_responsibility_bad_input_is_400_with_a_chinese_message(
    cast: Cast, params: dict[str, str], message: str
) -> None:
    status, data = get_json(
        client_for(cast.inspector, cast), "places:point-responsibility", **params
    )
    assert status == 400
    assert message in data["error"]


def test_responsibility_outside_names_the_point(cast: Cast) -> None:
    status, data = get_json(
        client_for(cast.inspector, cast), "places:point-responsibility", lng="113.9", lat="34.71"
    )
    assert status == 400
    assert data["error"] == "坐标（经度 113.900000，纬度 34.710000，WGS84）不在本辖区范围内"


def test_responsibility_user_without_a_staff_role_is_404(cast: Cast) -> None:
    status, data = get_json(
        client_for(cast.citizen, cast), "places:point-responsibility", lng="113.955", lat="34.71"
    )
    assert status == 404
    assert data["error"] == "没有找到该页面"


@pytest.mark.parametrize(
    "name", ["places:point-responsibility", "places:address-geocode", "places:point-describe"]
)
def test_endpoints_redirect_anonymous_users_to_login(world: World, name: str) -> None:
    response = Client().get(reverse(name), {"lng": "113.955", "lat": "34.71", "q": "青年路"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_responsibility_takes_a_fixed_number_of_queries_once_warm(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    client = client_for(cast.inspector, cast)
    get_json(client, "places:point-responsibility", lng="113.955", lat="34.7102")
    # Session, user, roles, the version check.
    with django_assert_max_num_queries(5):
        status, _data = get_json(
            client, "places:point-responsibility", lng="113.985", lat="34.7102"
        )
    assert status == 200


# --- geocode and describe ---------------------------------------------------------------


def test_geocode_returns_candidates(cast: Cast) -> None:
    status, data = get_json(
        client_for(cast.operator, cast), "places:address-geocode", q="青年路与建设路交叉口"
    )
    assert status == 200
    assert data["query"] == "青年路与建设路交叉口"
    (candidate,) = data["candidates"]
    assert candidate["kind"] == "intersection"
    assert candidate["label"] == "青年路与建设路交叉口"
    assert (round(candidate["lng"], 6), round(candidate["lat"], 6)) == (113.97, 34.71)
    assert candidate["score"] == 1.0


def test_geocode_unknown_is_an_empty_list(cast: Cast) -> None:
    status, data = get_json(client_for(cast.operator, cast), "places:address-geocode", q="火星路")
    assert (status, data["candidates"]) == (200, [])


@pytest.mark.parametrize(
    ("q", "message"), [("", "请输入"), ("   ", "请输入"), ("路" * 201, "过长")]
)
def test_geocode_bad_query_is_400(cast: Cast, q: str, message: str) -> None:
    status, data = get_json(client_for(cast.operator, cast), "places:address-geocode", q=q)
    assert status == 400
    assert message in data["error"]


def test_describe_returns_readable_text(cast: Cast) -> None:
    status, data = get_json(
        client_for(cast.operator, cast), "places:point-describe", lng="113.96", lat="34.7108"
    )
    assert status == 200
    assert data["text"] == "青年路（文化路至建设路段）近县第一实验小学"


def test_describe_outside_is_400(cast: Cast) -> None:
    status, data = get_json(
        client_for(cast.operator, cast), "places:point-describe", lng="120", lat="30"
    )
    assert status == 400
    assert "不在本辖区范围内" in data["error"]


# --- quality page -----------------------------------------------------------------------


def _flag(html: str, name: str) -> str:
    """The page's one `name="..."` flag: "1" passed, "0" failed."""
    (found,) = re.findall(rf'{name}="([01])"', html)
    return str(found)


def test_quality_page_for_the_dispatcher_on_a_clean_world(cast: Cast) -> None:
    response = client_for(cast.dispatcher, cast).get(reverse("places:grid-quality"))
    assert response.status_code == 200
    assert [t.name for t in response.templates][:2] == [
        "places/grid_quality.html",
        "web/base.html",
    ]
    html = response.content.decode()
    assert _flag(html, "data-grid-ok") == "1"
    assert "网格数据检查通过" in html


def test_quality_page_lists_problems(cast: Cast, world: World) -> None:
    grid = world.grids["A-south-1"]
    grid.geometry = box(113.95, 34.70, 113.9605, 34.71)
    grid.save()
    response = client_for(cast.leader, cast).get(reverse("places:grid-quality"))
    html = response.content.decode()
    assert _flag(html, "data-grid-ok") == "0"
    assert _flag(html, "data-ok") == "0"
    assert 'id="grid-overlaps"' in html
    assert "410122001002001" in html and "410122001002002" in html
    assert "网格重叠（1）" in html


def test_quality_page_report_is_kept_until_geo_version_bump(cast: Cast, world: World) -> None:
    client = client_for(cast.dispatcher, cast)

    def grid_ok() -> str:
        return _flag(client.get(reverse("places:grid-quality")).content.decode(), "data-grid-ok")

    assert grid_ok() == "1"
    grid = world.grids["A-south-1"]
    grid.geometry = box(113.95, 34.70, 113.9605, 34.71)
    grid.save()
    assert grid_ok() == "1"
    geo_version_bump(jurisdiction=world.jurisdiction)
    assert grid_ok() == "0"


def _ring_road(world: World) -> None:
    """The world's roads replaced by one closed ring of four segments: one part, no
    dangling end, no near miss (a network that passes)."""
    Segment.objects.filter(road__jurisdiction=world.jurisdiction).delete()
    corners = [(113.951, 34.751), (113.955, 34.751), (113.955, 34.754), (113.951, 34.754)]
    features = [
        {
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": [list(corners[i]), list(corners[(i + 1) % 4])],
            },
            "properties": {"road_code": "R900", "road_name": "环城路", "seq": i + 1},
        }
        for i in range(4)
    ]
    source = {"type": "FeatureCollection", "features": features}
    roads_import_geojson(jurisdiction=world.jurisdiction, source=json.dumps(source))


def test_the_verdict_counts_the_road_network_as_well_as_the_grids(cast: Cast, world: World) -> None:
    client = client_for(cast.dispatcher, cast)
    _ring_road(world)
    html = client.get(reverse("places:grid-quality")).content.decode()
    assert (_flag(html, "data-grid-ok"), _flag(html, "data-network-ok")) == ("1", "1")
    assert _flag(html, "data-ok") == "1"
    assert "数据质量检查通过" in html
    # A dead end: the grids still pass, the page does not.
    Segment.objects.filter(road__code="R900", seq=4).delete()
    geo_version_bump(jurisdiction=world.jurisdiction)
    html = client.get(reverse("places:grid-quality")).content.decode()
    assert (_flag(html, "data-grid-ok"), _flag(html, "data-network-ok")) == ("1", "0")
    assert _flag(html, "data-ok") == "0"
    assert "数据质量检查未通过" in html
    assert "断头路端点2个" in html


@pytest.mark.parametrize("who", ["handler_a", "citizen", "road_chief"])
def test_quality_page_is_for_office_roles_only(cast: Cast, who: str) -> None:
    response = client_for(getattr(cast, who), cast).get(reverse("places:grid-quality"))
    assert response.status_code == 404


def test_quality_page_redirects_anonymous(world: World) -> None:
    response = Client().get(reverse("places:grid-quality"))
    assert response.status_code == 302
