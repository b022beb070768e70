"""The inspector's round page and its service worker: who gets them, what they show."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from conftest import Cast, World
from jingxi.inspections.models import Plan, Route
from jingxi.inspections.phone import round_today_for
from jingxi.inspections.selectors import today_for
from jingxi.places.tests.factories import ComponentFactory

pytestmark = pytest.mark.django_db

PAGE = "/inspections/round/"
SW = "/inspections/sw.js"


def _route(world: World, cast: Cast) -> Route:
    now = timezone.now()
    plan = Plan.objects.create(
        jurisdiction=world.jurisdiction,
        day=today_for(user=cast.inspector, now=now),
        generated_at=now,
    )
    north, west = world.segments["jianshe-north"], world.segments["qingnian-west"]
    return Route.objects.create(
        plan=plan,
        inspector=cast.inspector,
        required_m=2940.0,
        length_m=3500.0,
        minutes=53,
        geometry={"type": "LineString", "coordinates": [[113.97, 34.72], [113.97, 34.71]]},
        stops=[{"kind": "segment", "id": north.pk}, {"kind": "segment", "id": west.pk}],
    )


def test_only_the_inspector_gets_the_page_and_the_worker(client: Client, cast: Cast) -> None:
    for user in (cast.dispatcher, cast.leader, cast.handler_a, cast.road_chief):
        client.force_login(user)
        assert client.get(PAGE).status_code == 404, user
        assert client.get(SW).status_code == 404, user
    client.force_login(cast.inspector)
    assert client.get(PAGE).status_code == 200
    assert client.get(SW).status_code == 200


def test_the_page_numbers_the_route_in_its_order(client: Client, world: World, cast: Cast) -> None:
    _route(world, cast)
    client.force_login(cast.inspector)
    response = client.get(PAGE)
    html = response.content.decode()
    assert "路线 3.5 公里 · 约 53 分钟 · 2 个路段" in html
    data = json.loads(
        html.split('id="round-today" type="application/json">')[1].split("</script>")[0]
    )
    assert [s["label"] for s in data["stops"]] == ["建设路 青年路—北环路", "青年路 文化路—建设路"]
    assert [s["n"] for s in data["stops"]] == [1, 2]
    assert data["stops"][0]["lng"] == pytest.approx(113.97)
    assert data["stops"][0]["lat"] == pytest.approx(34.715)
    assert data["open_round"] is None
    # No inline script: the page's code comes from files (the CSP refuses anything else).
    assert "<script>" not in html
    assert 'capture="environment"' in html


def test_another_inspectors_route_is_not_shown(client: Client, world: World, cast: Cast) -> None:
    route = _route(world, cast)
    today = round_today_for(user=cast.dispatcher)
    assert today is not None and today.stops == []
    assert round_today_for(user=cast.inspector).stops[0].id == route.stops[0]["id"]  # type: ignore[union-attr]


def test_the_worker_is_served_at_the_pages_scope(client: Client, cast: Cast) -> None:
    client.force_login(cast.inspector)
    response = client.get(SW)
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/inspections/"
    assert b'addEventListener("fetch"' in response.content


def test_the_home_page_and_the_menu_lead_the_inspector_to_the_round(
    client: Client, cast: Cast
) -> None:
    client.force_login(cast.inspector)
    html = client.get("/").content.decode()
    assert 'id="home-round"' in html and 'data-nav="round"' in html
    client.force_login(cast.dispatcher)
    html = client.get("/").content.decode()
    assert 'id="home-round"' not in html and 'data-nav="round"' not in html


def test_the_page_has_a_checklist_per_segment(client: Client, world: World, cast: Cast) -> None:
    _route(world, cast)
    north, west = world.segments["jianshe-north"], world.segments["qingnian-west"]
    ComponentFactory(
        jurisdiction=world.jurisdiction, category=world.manhole_cover, lng=113.97, lat=34.715
    )
    client.force_login(cast.inspector)
    html = client.get(PAGE).content.decode()

    assert 'id="round-checklist" hidden' in html  # round.js shows it while a round is open
    sections = html.split('<details class="checklist" data-segment="')[1:]
    assert [int(s.split('"')[0]) for s in sections] == [north.pk, west.pk]
    north_items = sections[0].split("</details>")[0]
    assert f'data-category="{world.manhole_cover.pk}"' in north_items
    assert f'data-category="{world.exposed_garbage.pk}"' in north_items
    assert "0/2" in north_items
    west_items = sections[1].split("</details>")[0]
    assert f'data-category="{world.manhole_cover.pk}"' not in west_items
    assert west_items.count('data-ok="1"') == west_items.count('data-ok="0"') == 1
    assert "正常" in west_items and "有问题" in west_items


def test_no_route_no_checklist(client: Client, cast: Cast) -> None:
    client.force_login(cast.inspector)
    assert 'id="round-checklist"' not in client.get(PAGE).content.decode()
