"""The per-segment checklist: the components along a segment give its 部件 items, the
common street events follow."""

from __future__ import annotations

import pytest

from conftest import World
from jingxi.catalog.choices import CategoryKind
from jingxi.catalog.tests.factories import MinorCategoryFactory
from jingxi.inspections.checklist import EVENT_CODES, MAX_ITEMS, checklists_for
from jingxi.places.models import Component
from jingxi.places.tests.factories import ComponentFactory

pytestmark = pytest.mark.django_db

# jianshe-north runs north along lng 113.97 from lat 34.71 to 34.72. At lat 34.715 a
# degree of longitude is about 91.5 km: 0.0001° ≈ 9 m, 0.0011° ≈ 100 m.
LNG, LAT = 113.97, 34.715


def _component(world: World, name: str, *, lng: float, code: str) -> Component:
    category = MinorCategoryFactory(
        jurisdiction=world.jurisdiction, kind=CategoryKind.COMPONENT, code=code, name=name
    )
    component: Component = ComponentFactory(
        jurisdiction=world.jurisdiction, category=category, lng=lng, lat=LAT
    )
    return component


def test_components_along_the_segment_give_their_categories(world: World) -> None:
    north, west = world.segments["jianshe-north"], world.segments["qingnian-west"]
    _component(world, "路灯", lng=LNG + 0.0001, code="0104")  # ~9 m east of the line
    _component(world, "果皮箱", lng=LNG - 0.0011, code="0105")  # ~100 m west
    ComponentFactory(
        jurisdiction=world.jurisdiction, category=world.manhole_cover, lng=LNG, lat=LAT
    )
    ComponentFactory(  # a second manhole cover: the category is listed once
        jurisdiction=world.jurisdiction, category=world.manhole_cover, lng=LNG, lat=LAT + 0.001
    )

    lists = checklists_for(jurisdiction=world.jurisdiction, segment_ids=[north.pk, west.pk])

    names = [i.name for i in lists[north.pk]]
    assert names[:2] == ["上水井盖", "路灯"]
    assert "果皮箱" not in names
    # The common events the jurisdiction has follow: here only 暴露垃圾 (0102).
    assert names[2:] == ["暴露垃圾"]
    assert lists[north.pk][2].category == world.exposed_garbage.pk
    # qingnian-west ends at the crossing, 500 m south of the components.
    assert [i.name for i in lists[west.pk]] == ["暴露垃圾"]


def test_the_list_is_kept_short(world: World) -> None:
    north = world.segments["jianshe-north"]
    for n, code in enumerate(EVENT_CODES[1:]):
        MinorCategoryFactory(jurisdiction=world.jurisdiction, code=code, name=f"事件{n}")
    for n in range(MAX_ITEMS):
        _component(world, f"部件{n}", lng=LNG, code=f"02{n + 1:02d}")

    items = checklists_for(jurisdiction=world.jurisdiction, segment_ids=[north.pk])[north.pk]

    assert len(items) == MAX_ITEMS
    assert [i.code for i in items if i.kind == CategoryKind.EVENT] == list(EVENT_CODES)
