"""The staff's category suggestions, which the report form's category picker asks."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from conftest import Cast, World
from jingxi.catalog.selectors import category_pick_items
from jingxi.org.models import User


def _get(user: User, text: str) -> Any:
    client = Client()
    client.force_login(user)
    return client.get(reverse("catalog:category-suggest"), {"q": text})


def test_a_reporter_gets_the_categories_a_description_points_at(world: World, cast: Cast) -> None:
    response = _get(cast.inspector, "青年路上水井盖松动，旁边还有暴露垃圾")
    assert response.status_code == 200
    names = [s["name"] for s in response.json()["suggestions"]]
    assert set(names) == {"上水井盖", "暴露垃圾"}
    assert response.json()["suggestions"][0]["id"] in {
        world.manhole_cover.pk,
        world.exposed_garbage.pk,
    }
    assert _get(cast.inspector, "天气很好").json() == {"suggestions": []}


def test_who_may_not_report_gets_404(cast: Cast) -> None:
    assert _get(cast.handler_a, "暴露垃圾").status_code == 404


def test_pick_items_are_the_active_minor_categories_with_their_major(world: World) -> None:
    world.illegal_parking.is_active = False
    world.illegal_parking.save()
    items = {i["name"]: i for i in category_pick_items(jurisdiction=world.jurisdiction)}
    assert set(items) == {"暴露垃圾", "上水井盖"}
    assert items["上水井盖"]["major"] == "公用设施"
    assert items["上水井盖"]["code"] == world.manhole_cover.code
