"""Loading the demo county: complete, coded, logins that work, idempotent, resettable."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Count

from jingxi.catalog.choices import CategoryKind, CategoryLevel
from jingxi.catalog.models import Category
from jingxi.demo.generator import county_plan
from jingxi.demo.loader import LoadSummary, component_categories, demo_county_load
from jingxi.demo.logins import demo_logins
from jingxi.demo.plan import REGION_CODE
from jingxi.demo.roads import DEAD_END_NAME, RIVER_NAME
from jingxi.org.choices import Role
from jingxi.org.models import CalendarDay, Jurisdiction, Membership, Unit, User
from jingxi.org.roles import ADMINISTRATOR_ROLES
from jingxi.places.choices import RoadChiefLevel
from jingxi.places.models import (
    Community,
    Component,
    Grid,
    Landmark,
    Road,
    RoadChief,
    Segment,
    Township,
)
from jingxi.places.network import road_network_build
from jingxi.places.responsibility import point_responsibility

SCALE = 0.05
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def loaded(db: None, settings: Any) -> LoadSummary:
    settings.PASSWORD_HASHERS = FAST_HASHER
    return demo_county_load(scale=SCALE)


def table_counts() -> dict[str, int]:
    return {
        "townships": Township.objects.count(),
        "communities": Community.objects.count(),
        "grids": Grid.objects.count(),
        "roads": Road.objects.count(),
        "segments": Segment.objects.count(),
        "components": Component.objects.count(),
        "landmarks": Landmark.objects.count(),
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "road_chiefs": RoadChief.objects.count(),
    }


def test_summary_counts_are_the_table_counts(loaded: LoadSummary) -> None:
    assert {k: v for k, v in loaded.counts.items() if k != "categories"} == table_counts()
    assert "网格 100" in loaded.message


def test_load_writes_the_whole_plan(loaded: LoadSummary) -> None:
    assert loaded.loaded
    assert loaded.unmapped_kinds == ()
    assert table_counts() == county_plan(scale=SCALE).counts()
    j = Jurisdiction.objects.get(code=REGION_CODE)
    assert (j.name, j.open311_id) == ("中牟县", "zhongmou.gov.cn")
    assert j.geo_version >= 1
    assert Category.objects.filter(jurisdiction=j, level=CategoryLevel.MINOR).count() >= 80
    years = {
        d.year for d in CalendarDay.objects.filter(jurisdiction=j).values_list("date", flat=True)
    }
    assert {2025, 2026, 2027} <= years


def test_component_ids_carry_region_and_category_code(loaded: LoadSummary) -> None:
    ids = set()
    rows = Component.objects.values_list(
        "object_id", "category__code", "category__kind", "category__level", "grid_id", "owner_id"
    )
    for object_id, code, kind, level, grid_id, owner_id in rows:
        assert re.fullmatch(r"\d{16}", object_id)
        assert object_id[:6] == REGION_CODE
        assert object_id[6:10] == code
        assert (kind, level) == (CategoryKind.COMPONENT, CategoryLevel.MINOR)
        assert grid_id is not None and owner_id is not None
        ids.add(object_id)
    assert len(ids) == Component.objects.count()
    serials = Component.objects.filter(object_id__endswith="000001").count()
    assert serials == Component.objects.values("category").distinct().count()


def test_grid_codes_extend_their_community_codes(loaded: LoadSummary) -> None:
    for code, community_code in Grid.objects.values_list("code", "community__code"):
        assert re.fullmatch(r"\d{15}", code)
        assert code[:12] == community_code
    assert not Township.objects.filter(unit=None).exists()
    assert not Community.objects.filter(unit=None).exists()


def test_every_road_has_a_chief_at_each_of_three_levels(loaded: LoadSummary) -> None:
    roads = Road.objects.annotate(levels=Count("chiefs__level", distinct=True))
    assert roads.exists()
    assert all(r.levels == 3 for r in roads)
    county = RoadChief.objects.filter(level=RoadChiefLevel.COUNTY)
    assert set(county.values_list("user__memberships__role", flat=True)) >= {Role.LEADER}


def test_every_role_has_a_demo_login_that_authenticates(loaded: LoadSummary) -> None:
    label_to_role = {str(label): value for value, label in Role.choices}
    logins = demo_logins()
    assert {label_to_role[x.role_label] for x in logins} == set(Role.values)
    for x in logins:
        user = authenticate(username=x.username, password=x.password)
        assert user is not None, x.username
        assert Membership.objects.filter(
            user=user, role=label_to_role[x.role_label], unit__name=x.unit_name
        ).exists(), x
    admin = User.objects.get(username="admin")
    assert not admin.is_superuser  # a system administrator by role (三员分立)
    administrators = Membership.objects.filter(role__in=ADMINISTRATOR_ROLES)
    held = {role: set(administrators.filter(role=role).values_list("user__username", flat=True))
            for role in ADMINISTRATOR_ROLES}  # fmt: skip
    assert held == {Role.ADMIN: {"admin"}, Role.SECURITY_ADMIN: {"secadmin"},
                    Role.AUDITOR: {"auditor"}}  # fmt: skip
    assert Unit.objects.get(code="HW").head == User.objects.get(username="head")


def test_a_road_chief_login_has_roads(loaded: LoadSummary) -> None:
    chief = User.objects.get(username="roadchief")
    assert chief.road_chief_posts.filter(level=RoadChiefLevel.TOWNSHIP).exists()
    leader = User.objects.get(username="leader")
    assert leader.road_chief_posts.filter(level=RoadChiefLevel.COUNTY).exists()


def test_second_load_finds_the_county_and_writes_nothing(
    loaded: LoadSummary, django_assert_max_num_queries: Any
) -> None:
    before = table_counts()
    with django_assert_max_num_queries(20):
        again = demo_county_load(scale=SCALE)
    assert not again.loaded
    assert again.seconds < 2
    assert table_counts() == before
    assert "--reset" in again.message


def test_reset_wipes_the_jurisdiction_and_loads_it_again(loaded: LoadSummary) -> None:
    j = Jurisdiction.objects.get(code=REGION_CODE)
    version = j.geo_version
    Road.objects.filter(code="R0001").update(name="改过的路名")
    Component.objects.filter(pk=Component.objects.order_by("pk").values("pk")[:1]).delete()
    other = Jurisdiction.objects.create(code="410102", name="中原区")
    Unit.objects.create(jurisdiction=other, code="JXB", name="区精细办", kind="office")

    again = demo_county_load(scale=SCALE, reset=True)

    assert again.loaded
    assert table_counts() == {
        **county_plan(scale=SCALE).counts(),
        "units": len(county_plan(scale=SCALE).units) + 1,
    }
    assert Road.objects.get(code="R0001").name != "改过的路名"
    j.refresh_from_db()
    assert again.jurisdiction_id == j.pk
    assert j.geo_version > version
    assert Unit.objects.filter(jurisdiction=other).count() == 1


def test_an_existing_username_is_reused_as_it_is(db: None, settings: Any) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHER
    User.objects.create_superuser(username="admin", password="my-own-secret")
    demo_county_load(scale=SCALE)
    admin = User.objects.get(username="admin")
    assert admin.check_password("my-own-secret")
    assert admin.memberships.filter(role=Role.ADMIN, unit__code="JXB").exists()


def test_a_missing_category_falls_back_to_one_that_exists(loaded: LoadSummary) -> None:
    j = Jurisdiction.objects.get(code=REGION_CODE)
    found, unmapped = component_categories(jurisdiction=j)
    assert unmapped == ()
    assert found["street_light"].name == "路灯"
    Category.objects.filter(jurisdiction=j, kind=CategoryKind.COMPONENT, code="0109").update(
        is_active=False
    )
    found, _ = component_categories(jurisdiction=j)
    assert found["heat_cover"] == found["water_cover"]
    assert Category.objects.filter(jurisdiction=j).count() == loaded.counts["categories"]


def test_responsibility_puts_a_component_in_its_own_grid(loaded: LoadSummary) -> None:
    j = Jurisdiction.objects.get(code=REGION_CODE)
    for c in Component.objects.select_related("grid").order_by("object_id")[:40]:
        found = point_responsibility(jurisdiction=j, lng=c.lng, lat=c.lat)
        assert found.grid_code == c.grid.code  # type: ignore[union-attr]  # loaded with a grid
        assert found.segment_id is not None


def test_demo_load_command_prints_what_it_did(db: None, settings: Any) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHER
    out = StringIO()
    call_command("demo_load", "--scale", str(SCALE), stdout=out)
    assert "已载入演示县" in out.getvalue()
    out = StringIO()
    call_command("demo_load", stdout=out)
    assert "无需操作" in out.getvalue()


def test_the_demo_network_is_one_part_with_dead_ends(loaded: LoadSummary) -> None:
    jurisdiction = Jurisdiction.objects.get(code=REGION_CODE)
    network = road_network_build(jurisdiction=jurisdiction, tolerance_m=5)
    ends = [
        s
        for s in Segment.objects.filter(road__jurisdiction=jurisdiction)
        for name in (s.from_street, s.to_street)
        if name in (RIVER_NAME, DEAD_END_NAME)
    ]
    # The bridges keep both banks in one part; roads end at the river and short of the edge.
    assert len(network.parts) == 1
    assert len(network.dangling) == len(ends) >= 3
    assert network.near_misses == ()
