"""The home dashboard: master-data counts, my roads, my units, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from conftest import Cast, World
from jingxi.org.choices import Role
from jingxi.org.models import Membership
from jingxi.places.choices import RoadChiefLevel
from jingxi.places.models import RoadChief
from jingxi.web import selectors


def test_counts_are_the_jurisdictions_master_data(world: World, cast: Cast) -> None:
    counts = {
        t.key: t.value for t in selectors.jurisdiction_counts(jurisdiction=world.jurisdiction)
    }
    assert counts == {
        "townships": 2,
        "communities": 4,
        "grids": 8,
        "roads": 2,
        "segments": 4,
        "components": 0,
        "units": 6,
        "staff": 9,
        "road_chiefs": 1,
    }


def test_counts_leave_out_other_jurisdictions(cast: Cast) -> None:
    other = cast.outsider.jurisdiction
    assert other is not None
    counts = {t.key: t.value for t in selectors.jurisdiction_counts(jurisdiction=other)}
    assert set(counts.values()) == {0}


def test_road_chief_sees_my_roads_with_level_and_segments(client: Client, cast: Cast) -> None:
    client.force_login(cast.road_chief)
    response = client.get("/")
    html = response.content.decode()
    assert 'id="my-roads"' in html
    (road,) = response.context["my_roads"]
    assert road.road_name == "青年路"
    assert road.level_label == "乡级路长"
    assert road.segment_count == 2
    assert road.whole_road


def test_chief_of_some_segments_counts_only_those(world: World, cast: Cast) -> None:
    post = RoadChief.objects.create(
        road=world.jianshe,
        user=cast.road_chief,
        level=RoadChiefLevel.COMMUNITY,
        start_date=dt.date(2026, 1, 1),
    )
    post.segments.add(world.segments["jianshe-north"])
    roads = {r.road_name: r for r in selectors.road_list_for_chief(user=cast.road_chief)}
    assert roads["建设路"].segment_count == 1
    assert not roads["建设路"].whole_road


def test_former_road_chief_has_no_roads(cast: Cast) -> None:
    RoadChief.objects.filter(user=cast.road_chief).update(end_date=dt.date(2026, 6, 30))
    assert selectors.road_list_for_chief(user=cast.road_chief) == []


def test_unit_staff_see_my_units(client: Client, cast: Cast) -> None:
    client.force_login(cast.unit_head_a)
    response = client.get("/")
    (unit,) = response.context["my_units"]
    assert unit.unit_name == "县环卫中心"
    assert unit.role_label == "第一责任人"
    assert unit.head_name == "环卫主任"
    assert response.context["my_roads"] == []


def test_dispatcher_has_neither_roads_nor_units(client: Client, cast: Cast) -> None:
    client.force_login(cast.dispatcher)
    html = client.get("/").content.decode()
    assert 'id="my-roads"' not in html
    assert 'id="my-units"' not in html
    assert 'data-count="grids"' in html


def test_home_runs_a_fixed_number_of_queries(
    client: Client, world: World, cast: Cast, django_assert_max_num_queries: Any
) -> None:
    client.force_login(cast.road_chief)
    # More roads, units and roles must not add queries.
    for unit in (world.sanitation, world.traffic, world.township_unit_b):
        Membership.objects.create(user=cast.road_chief, unit=unit, role=Role.UNIT_HANDLER)
    RoadChief.objects.create(
        road=world.jianshe,
        user=cast.road_chief,
        level=RoadChiefLevel.TOWNSHIP,
        start_date=dt.date(2026, 1, 1),
    )
    # session, user, roles, jurisdiction, counts, my roads, my units,
    # and the work counts: roles held, case visibility, one aggregate of every queue
    with django_assert_max_num_queries(10):
        response = client.get("/")
    assert len(response.context["my_roads"]) == 2
    assert len(response.context["my_units"]) == 3


def test_user_without_jurisdiction_gets_a_notice(client: Client, cast: Cast) -> None:
    client.force_login(cast.citizen)
    html = client.get("/").content.decode()
    assert "尚未关联辖区" in html
