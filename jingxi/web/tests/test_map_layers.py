"""The map page and its GeoJSON layer endpoints."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from conftest import Cast, World
from jingxi.cases.choices import Action, Source
from jingxi.cases.models import Case
from jingxi.cases.services import case_report, case_transition
from jingxi.org.choices import Role
from jingxi.org.models import Membership, Unit
from jingxi.org.tests.factories import UserFactory
from jingxi.places import layers as map_layers
from jingxi.places.choices import ComponentState
from jingxi.places.layers import BBoxError, bbox_parse, geometry_bbox
from jingxi.places.models import Component, Township
from jingxi.places.services import geo_version_bump

ALL = "113.9,34.6,114.1,34.8"
# The west half of the world: street A, with 建设路 on its eastern edge at 113.97.
WEST = "113.951,34.701,113.965,34.719"


def _get(client: Client, layer: str, bbox: str | None = None) -> Any:
    url = f"/map/layers/{layer}.geojson" + (f"?bbox={bbox}" if bbox else "")
    return client.get(url)


@pytest.fixture
def dispatcher_client(client: Client, cast: Cast) -> Client:
    client.force_login(cast.dispatcher)
    return client


def _component(world: World, serial: int, lng: float, lat: float, **kw: Any) -> Component:
    return Component.objects.create(
        jurisdiction=world.jurisdiction,
        object_id=f"4101220101{serial:06d}",
        category=world.manhole_cover,
        name=f"井盖{serial}",
        lng=lng,
        lat=lat,
        maintainer=world.sanitation,
        **kw,
    )


def test_map_page_is_centred_on_the_jurisdiction(dispatcher_client: Client, world: World) -> None:
    html = dispatcher_client.get("/map/").content.decode()
    assert f'data-center-lng="{world.jurisdiction.center_lng}"' in html
    assert 'data-layer-url="/map/layers/__layer__.geojson"' in html
    assert "vendor/leaflet/leaflet.js" in html
    assert "vendor/leaflet.markercluster/leaflet.markercluster.js" in html
    assert 'id="jx-map-i18n"' in html
    # Every script and stylesheet is served from here: no external origin.
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)


def test_townships_are_a_feature_collection_of_polygons(dispatcher_client: Client) -> None:
    response = _get(dispatcher_client, "townships")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["truncated"] is False
    names = sorted(f["properties"]["name"] for f in body["features"])
    assert names == ["东风路街道", "青年路街道"]
    feature = body["features"][0]
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["communities"] == 2
    assert feature["properties"]["kind"] == "街道"


def test_segments_carry_road_and_road_chiefs(dispatcher_client: Client) -> None:
    body = _get(dispatcher_client, "segments").json()
    assert len(body["features"]) == 4
    by_name = {f["properties"]["name"]: f["properties"] for f in body["features"]}
    west = by_name["青年路（文化路至建设路段）"]
    assert west["road"] == "青年路"
    assert west["grade_label"] == "主干路"
    assert west["road_chiefs_count"] == 1
    assert west["road_chiefs"] == ["路长老王（乡级路长）"]
    assert by_name["建设路（南环路至青年路段）"]["road_chiefs_count"] == 0


def test_bbox_limits_polygons_and_lines(dispatcher_client: Client) -> None:
    townships = _get(dispatcher_client, "townships", WEST).json()["features"]
    assert [f["properties"]["name"] for f in townships] == ["青年路街道"]
    grids = _get(dispatcher_client, "grids", WEST).json()["features"]
    assert len(grids) == 4
    assert all(f["properties"]["township"] == "青年路街道" for f in grids)
    segments = _get(dispatcher_client, "segments", WEST).json()["features"]
    assert [f["properties"]["name"] for f in segments] == ["青年路（文化路至建设路段）"]
    communities = _get(dispatcher_client, "communities", ALL).json()["features"]
    assert len(communities) == 4


def test_components_are_filtered_by_bbox_in_sql(
    dispatcher_client: Client, world: World, django_assert_max_num_queries: Any
) -> None:
    _component(world, 1, 113.955, 34.705, state=ComponentState.DAMAGED)
    _component(world, 2, 113.985, 34.715)
    with django_assert_max_num_queries(5):  # session, user, roles, jurisdiction, components
        body = _get(dispatcher_client, "components", WEST).json()
    (feature,) = body["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [113.955, 34.705]}
    props = feature["properties"]
    assert props["object_id"] == "4101220101000001"
    assert props["state"] == "damaged"
    assert props["state_label"] == "破损"
    assert props["maintainer"] == "县环卫中心"
    assert len(_get(dispatcher_client, "components", ALL).json()["features"]) == 2


def test_components_are_capped(
    dispatcher_client: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(map_layers.CAPS, "components", 2)
    for i in range(3):
        _component(world, i + 1, 113.955 + i * 0.001, 34.705)
    body = _get(dispatcher_client, "components", ALL).json()
    assert len(body["features"]) == 2
    assert body["truncated"] is True


@pytest.mark.parametrize(
    "bbox",
    ["1,2,3", "a,b,c,d", "113.99,34.7,113.95,34.72", "113,34,200,35", "nan,1,2,3", "1,2,3,4,5"],
)
def test_bad_bbox_is_a_400_with_a_message(dispatcher_client: Client, bbox: str) -> None:
    response = _get(dispatcher_client, "grids", bbox)
    assert response.status_code == 400
    assert "bbox" in response.json()["error"]


def test_unknown_layer_is_a_404(dispatcher_client: Client) -> None:
    response = _get(dispatcher_client, "rivers")
    assert response.status_code == 404
    assert "rivers" in response.json()["error"]


def test_logged_out_is_redirected_to_login(client: Client, world: World) -> None:
    response = _get(client, "townships")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_user_only_sees_their_jurisdictions_data(client: Client, cast: Cast) -> None:
    other = cast.outsider.jurisdiction
    assert other is not None
    unit = Unit.objects.create(jurisdiction=other, code="X", name="外区精细办", kind="office")
    Membership.objects.create(user=cast.outsider, unit=unit, role=Role.DISPATCHER)
    client.force_login(cast.outsider)
    for layer in ("townships", "communities", "grids", "segments", "components"):
        body = _get(client, layer).json()
        assert body["features"] == [], layer


def test_user_without_a_staff_role_is_refused(client: Client, cast: Cast) -> None:
    client.force_login(cast.citizen)
    assert _get(client, "townships").status_code == 404
    assert client.get("/map/").status_code == 404


def test_layer_index_follows_the_geo_version(dispatcher_client: Client, world: World) -> None:
    assert len(_get(dispatcher_client, "townships").json()["features"]) == 2
    Township.objects.filter(pk=world.township_b.pk).update(name="新东风街道")
    geo_version_bump(jurisdiction=world.jurisdiction)
    names = {
        f["properties"]["name"] for f in _get(dispatcher_client, "townships").json()["features"]
    }
    assert "新东风街道" in names


def test_popup_labels_follow_the_language(dispatcher_client: Client) -> None:
    dispatcher_client.cookies["django_language"] = "en"
    body = _get(dispatcher_client, "segments").json()
    assert {f["properties"]["grade_label"] for f in body["features"]} == {
        "Arterial road",
        "Secondary road",
    }


def test_bbox_parse() -> None:
    assert bbox_parse(None) is None
    assert bbox_parse("") is None
    box = bbox_parse("113.9,34.6,114.1,34.8")
    assert box is not None
    assert box.intersects((113.95, 34.7, 113.97, 34.72))
    assert not box.intersects((115.0, 34.7, 115.1, 34.72))
    with pytest.raises(BBoxError):
        bbox_parse("113.9,34.6,114.1")


def test_geometry_bbox_walks_every_shape() -> None:
    multi = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[1, 1], [2, 1], [2, 2], [1, 1]]],
            [[[5, 5], [6, 5], [6, 7], [5, 5]]],
        ],
    }
    assert geometry_bbox(multi) == (1.0, 1.0, 6.0, 7.0)
    assert geometry_bbox({"type": "Point", "coordinates": [3, 4]}) == (3.0, 4.0, 3.0, 4.0)


# --- the open cases' layer (cases/maplayer.py) ----------------------------------------


def _case_at(world: World, lng: float, lat: float) -> Case:
    return case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=lng,
        lat=lat,
        description="暴露垃圾",
        source=Source.CITIZEN_WEB,
    )


def test_cases_layer_shows_the_open_cases_each_user_sees(
    world: World, cast: Cast, django_assert_max_num_queries: Any
) -> None:
    west = _case_at(world, 113.955, 34.7102)  # 青年路, street A
    east = _case_at(world, 113.985, 34.715)
    for action in (Action.FILE, Action.DISPATCH):
        case_transition(case_id=west.pk, action=action, actor=cast.dispatcher)
    closed = _case_at(world, 113.956, 34.7102)
    case_transition(case_id=closed.pk, action=Action.REJECT, actor=cast.dispatcher, note="重复")

    dispatcher = Client()
    dispatcher.force_login(cast.dispatcher)
    with django_assert_max_num_queries(5):  # session, user, roles, jurisdiction, cases
        body = _get(dispatcher, "cases", ALL).json()
    assert {f["properties"]["number"] for f in body["features"]} == {west.number, east.number}
    (feature,) = _get(dispatcher, "cases", WEST).json()["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [113.955, 34.7102]}
    assert feature["properties"]["url"] == f"/cases/{west.pk}/"
    assert feature["properties"]["category"] == world.exposed_garbage.name
    assert body["truncated"] is False
    # The handler sees the case at their unit only; another unit's handler none.
    for user, expected in ((cast.handler_a, {west.number}), (cast.handler_b, set())):
        client = Client()
        client.force_login(user)
        numbers = {f["properties"]["number"] for f in _get(client, "cases", ALL).json()["features"]}
        assert numbers == expected
    # The map page offers the layer to those with the workbench.
    assert 'data-cases-layer="cases"' in dispatcher.get("/map/").content.decode()


def test_cases_layer_is_not_offered_without_the_workbench(world: World, cast: Cast) -> None:
    security = UserFactory(username="security", jurisdiction=world.jurisdiction)
    Membership.objects.create(user=security, unit=world.office, role=Role.SECURITY_ADMIN)
    client = Client()
    client.force_login(security)
    assert "data-cases-layer" not in client.get("/map/").content.decode()
    assert _get(client, "cases", ALL).status_code == 404
