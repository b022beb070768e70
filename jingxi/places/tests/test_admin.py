"""The places admin: geometry editing and preview, GeoJSON import/export views, query counts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import Cast, World, box, line
from jingxi.org.models import Jurisdiction, Unit
from jingxi.places.models import (
    Component,
    Grid,
    Landmark,
    ResponsibilityRule,
    Road,
    RoadChief,
    Segment,
    Township,
)

pytestmark = pytest.mark.django_db


def url(model: type[models.Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def geo_version() -> int:
    return Jurisdiction.objects.get(code="410122").geo_version


def components(world: World, start: int, count: int) -> None:
    Component.objects.bulk_create(
        Component(
            jurisdiction=world.jurisdiction,
            object_id=f"4101220101{i:06d}",
            category=world.manhole_cover,
            name=f"井盖{i}",
            grid=world.grids["A-north-1"],
            maintainer=world.sanitation,
            owner=world.sanitation,
            lng=113.955,
            lat=34.715,
        )
        for i in range(start, start + count)
    )


# --- changelists ------------------------------------------------------------


def test_component_changelist_queries_do_not_grow_with_rows(
    admin_client: Client, world: World
) -> None:
    components(world, 1, 3)
    changelist = url(Component, "changelist")
    admin_client.get(changelist)  # warm the session and content types
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(changelist).status_code == 200

    components(world, 100, 120)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(changelist)

    assert len(response.context["cl"].result_list) == 50
    assert len(many.captured_queries) == len(few.captured_queries)


def test_component_changelist_stays_within_a_query_budget(
    admin_client: Client, world: World, django_assert_max_num_queries: Any
) -> None:
    components(world, 1, 200)
    admin_client.get(url(Component, "changelist"))
    with django_assert_max_num_queries(12):
        admin_client.get(url(Component, "changelist"), {"state__exact": "intact", "q": "井盖"})


@pytest.mark.parametrize("model", [Township, Grid, Road, Segment, RoadChief, Landmark])
def test_other_changelists_do_not_grow_with_rows(
    admin_client: Client, world: World, cast: Cast, model: type[models.Model]
) -> None:
    admin_client.get(url(model, "changelist"))
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url(model, "changelist"))
    for i in range(3, 9):
        road = Road.objects.create(jurisdiction=world.jurisdiction, code=f"R10{i}", name=f"路{i}")
        Segment.objects.create(
            road=road,
            seq=1,
            township=world.township_a,
            maintainer=world.sanitation,
            geometry=line((113.95, 34.70), (113.96, 34.70)),
        )
        RoadChief.objects.create(
            road=road, user=cast.road_chief, level="county", start_date="2026-01-01"
        )
        Township.objects.create(
            jurisdiction=world.jurisdiction,
            code=f"41012201{i}",
            name=f"镇{i}",
            unit=world.sanitation,
            geometry=box(113.95, 34.70, 113.96, 34.71),
        )
        Landmark.objects.create(jurisdiction=world.jurisdiction, name=f"地标{i}", lng=114, lat=34)
    with CaptureQueriesContext(connection) as many:
        admin_client.get(url(model, "changelist"))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_component_search_by_object_id_prefix_and_filters(
    admin_client: Client, world: World
) -> None:
    components(world, 1, 3)
    found = admin_client.get(url(Component, "changelist"), {"q": "4101220101000002"})
    assert [c.object_id for c in found.context["cl"].result_list] == ["4101220101000002"]
    by_category = admin_client.get(
        url(Component, "changelist"),
        {"category": str(world.manhole_cover.pk), "state__exact": "intact"},
    )
    assert len(by_category.context["cl"].result_list) == 3


# --- change pages: geometry -------------------------------------------------------


def test_change_page_previews_the_geometry_with_local_leaflet(
    admin_client: Client, world: World
) -> None:
    page = admin_client.get(url(Grid, "change", world.grids["A-north-1"].pk)).content.decode()
    assert "vendor/leaflet/leaflet.js" in page
    assert "places/geometry_preview.js" in page
    assert 'class="jingxi-geo-preview"' in page
    assert "jingxi-geojson" in page  # the editable text area


def grid_form(grid: Grid, geometry: Any) -> dict[str, Any]:
    return {
        "community": grid.community.pk,
        "code": grid.code,
        "area_class": grid.area_class,
        "geometry": json.dumps(geometry),
    }


def test_grid_saved_in_admin_gets_its_area_and_bumps_geo_version(
    admin_client: Client, world: World
) -> None:
    grid = world.grids["A-north-1"]
    before = geo_version()

    response = admin_client.post(
        url(Grid, "change", grid.pk), grid_form(grid, box(113.95, 34.71, 113.955, 34.715))
    )

    assert response.status_code == 302
    grid.refresh_from_db()
    assert 200_000 < grid.area_m2 < 300_000
    assert geo_version() == before + 1


@pytest.mark.parametrize(
    ("geometry", "expected"),
    [
        (line((113.95, 34.71), (113.96, 34.71)), "几何类型应为"),
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [
                        [113.95, 34.70],
                        [113.96, 34.71],
                        [113.96, 34.70],
                        [113.95, 34.71],
                        [113.95, 34.70],
                    ]
                ],
            },
            "几何无效",
        ),
        (box(34.70, 113.95, 34.71, 113.96), "WGS84"),
    ],
)
def test_grid_with_a_bad_geometry_is_refused(
    admin_client: Client, world: World, geometry: Any, expected: str
) -> None:
    grid = world.grids["A-north-1"]
    before = geo_version()
    response = admin_client.post(url(Grid, "change", grid.pk), grid_form(grid, geometry))
    assert response.status_code == 200
    assert expected in str(response.context["adminform"].form.errors["geometry"])
    assert geo_version() == before


def test_segment_saved_in_admin_gets_its_length(admin_client: Client, world: World) -> None:
    segment = world.segments["qingnian-west"]
    response = admin_client.post(
        url(Segment, "change", segment.pk),
        {
            "road": segment.road.pk,
            "seq": segment.seq,
            "from_street": segment.from_street,
            "to_street": segment.to_street,
            "township": segment.township_id,
            "maintainer": segment.maintainer_id,
            "number_from": 1,
            "number_to": 199,
            "geometry": json.dumps(line((113.95, 34.71), (113.96, 34.71))),
        },
    )
    assert response.status_code == 302
    segment.refresh_from_db()
    assert 900 < segment.length_m < 930


def test_deleting_a_landmark_bumps_geo_version(admin_client: Client, world: World) -> None:
    landmark = Landmark.objects.get()
    before = geo_version()
    response = admin_client.post(url(Landmark, "delete", landmark.pk), {"post": "yes"})
    assert response.status_code == 302
    assert geo_version() == before + 1


def test_bulk_delete_bumps_geo_version(admin_client: Client, world: World) -> None:
    components(world, 1, 3)
    before = geo_version()
    admin_client.post(
        url(Component, "changelist"),
        {
            "action": "delete_selected",
            "post": "yes",
            "_selected_action": list(Component.objects.values_list("pk", flat=True)),
        },
    )
    assert not Component.objects.exists()
    assert geo_version() == before + 1


def test_component_with_swapped_coordinates_is_refused(admin_client: Client, world: World) -> None:
    response = admin_client.post(
        url(Component, "add"),
        {
            "jurisdiction": world.jurisdiction.pk,
            "object_id": "4101220101000009",
            "category": world.manhole_cover.pk,
            "state": "intact",
            "accuracy_class": "b",
            "lng": 34.7,
            "lat": 13.9,
        },
    )
    assert response.status_code == 200
    assert "经纬度颠倒" in str(response.context["adminform"].form.errors)


# --- GeoJSON import and export views ---------------------------------------------


def upload(data: dict[str, Any]) -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "data.geojson", json.dumps(data).encode(), content_type="application/geo+json"
    )


def test_landmark_import_view_imports_and_reports(admin_client: Client, world: World) -> None:
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [113.98, 34.705]},
                "properties": {"name": "东风公园", "kind": "游园"},
            }
        ],
    }
    assert admin_client.get(url(Landmark, "import")).status_code == 200

    response = admin_client.post(
        url(Landmark, "import"),
        {"jurisdiction": world.jurisdiction.pk, "file": upload(data)},
        follow=True,
    )

    assert "新建1条" in response.content.decode()
    assert Landmark.objects.get(name="东风公园").kind == "park"


def test_grid_import_view_shows_every_error_and_writes_nothing(
    admin_client: Client, world: World
) -> None:
    good = {
        "type": "Feature",
        "geometry": box(113.95, 34.70, 113.96, 34.71),
        "properties": {"code": "410122001002005"},
    }
    data = {
        "type": "FeatureCollection",
        "features": [
            good,
            {**good, "properties": {"code": "410122009001001"}},
            {
                **good,
                "geometry": line((113.95, 34.70), (113.96, 34.71)),
                "properties": {"code": "410122001002006"},
            },
        ],
    }

    response = admin_client.post(
        url(Grid, "import"), {"jurisdiction": world.jurisdiction.pk, "file": upload(data)}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "第2个要素「code」" in page
    assert "第3个要素「geometry」" in page
    assert "未导入任何数据" in page
    assert not Grid.objects.filter(code__in=["410122001002005", "410122001002006"]).exists()


def test_road_export_from_the_road_changelist_carries_its_segments(
    admin_client: Client, world: World
) -> None:
    response = admin_client.get(url(Road, "export"), {"q": "建设"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    data = json.loads(response.content)
    assert {f["properties"]["road_name"] for f in data["features"]} == {"建设路"}
    assert len(data["features"]) == 2


def test_export_then_import_through_the_admin_round_trips(
    admin_client: Client, world: World
) -> None:
    exported = json.loads(admin_client.get(url(Township, "export")).content)
    exported["features"][1]["properties"]["name"] = "东风街道"
    before = geo_version()
    response = admin_client.post(
        url(Township, "import"),
        {
            "jurisdiction": world.jurisdiction.pk,
            "file": SimpleUploadedFile("t.geojson", json.dumps(exported).encode()),
        },
        follow=True,
    )
    assert "更新1条，1条无变化" in response.content.decode()
    assert Township.objects.get(code="410122002").name == "东风街道"
    assert geo_version() == before + 1


def test_export_selected_components(admin_client: Client, world: World) -> None:
    components(world, 1, 3)
    chosen = list(Component.objects.order_by("object_id").values_list("pk", flat=True)[:2])
    response = admin_client.post(
        url(Component, "changelist"), {"action": "export_selected", "_selected_action": chosen}
    )
    data = json.loads(response.content)
    assert [f["properties"]["object_id"] for f in data["features"]] == [
        "4101220101000001",
        "4101220101000002",
    ]


def test_road_chief_export_and_import_views(admin_client: Client, world: World, cast: Cast) -> None:
    exported = admin_client.get(url(RoadChief, "export"))
    assert exported.status_code == 200
    response = admin_client.post(
        url(RoadChief, "import"),
        {
            "jurisdiction": world.jurisdiction.pk,
            "file": SimpleUploadedFile("chiefs.xlsx", exported.content),
        },
        follow=True,
    )
    assert "更新1条" in response.content.decode()


# --- responsibility rules ----------------------------------------------------------------


def test_responsibility_rule_added_in_admin_goes_through_the_service(
    admin_client: Client, world: World
) -> None:
    before = geo_version()
    response = admin_client.post(
        url(ResponsibilityRule, "add"),
        {
            "jurisdiction": world.jurisdiction.pk,
            "category": world.illegal_parking.pk,
            "township": world.township_b.pk,
            "unit": world.township_unit_b.pk,
        },
    )
    assert response.status_code == 302
    rule = ResponsibilityRule.objects.get()
    assert (rule.category, rule.township, rule.unit) == (
        world.illegal_parking,
        world.township_b,
        world.township_unit_b,
    )
    assert geo_version() == before + 1

    admin_client.post(url(ResponsibilityRule, "delete", rule.pk), {"post": "yes"})
    assert not ResponsibilityRule.objects.exists()
    assert geo_version() == before + 2


def test_responsibility_rule_with_a_unit_of_another_jurisdiction_is_refused(
    admin_client: Client, world: World
) -> None:
    other = Jurisdiction.objects.create(code="410102", name="中原区")
    stranger = Unit.objects.create(jurisdiction=other, code="X", name="外区单位", kind="department")
    response = admin_client.post(
        url(ResponsibilityRule, "add"),
        {
            "jurisdiction": world.jurisdiction.pk,
            "category": world.illegal_parking.pk,
            "township": "",
            "unit": stranger.pk,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["unit"]
    assert not ResponsibilityRule.objects.exists()
