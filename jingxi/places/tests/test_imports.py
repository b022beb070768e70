"""GeoJSON imports and exports of places, and the road-chief XLSX import."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import World, box, line
from jingxi.lib.tabular import ImportRejected, xlsx_read, xlsx_write
from jingxi.org.choices import Role
from jingxi.org.models import Jurisdiction, Membership, User
from jingxi.places.chiefs_xlsx import (
    ROAD_CHIEF_COLUMNS,
    road_chiefs_export_xlsx,
    road_chiefs_import_xlsx,
    seqs_format,
    seqs_parse,
)
from jingxi.places.choices import ComponentState, RoadChiefLevel
from jingxi.places.exports import (
    GEOJSON_EXPORTERS,
    components_export_geojson,
    roads_export_geojson,
    townships_export_geojson,
)
from jingxi.places.imports import (
    GEOJSON_IMPORTERS,
    components_import_geojson,
    grids_import_geojson,
    landmarks_import_geojson,
    roads_import_geojson,
    townships_import_geojson,
)
from jingxi.places.models import Community, Component, Grid, Landmark, Road, RoadChief, Segment

pytestmark = pytest.mark.django_db


def collection(*features: dict[str, Any]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def point(lng: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lng, lat]}


def rejected(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ImportRejected) as info:
        call(**kwargs)
    return str(info.value)


def geo_version(world: World) -> int:
    return Jurisdiction.objects.get(pk=world.jurisdiction.pk).geo_version


# --- round trips ------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(GEOJSON_IMPORTERS))
def test_every_kind_exports_what_its_import_reads(world: World, kind: str) -> None:
    Component.objects.create(
        jurisdiction=world.jurisdiction,
        object_id="4101220101000001",
        category=world.manhole_cover,
        name="井盖1",
        grid=world.grids["A-north-1"],
        maintainer=world.sanitation,
        state=ComponentState.DAMAGED,
        lng=113.955,
        lat=34.715,
        recorded_on=dt.date(2025, 5, 1),
    )
    exported = GEOJSON_EXPORTERS[kind](jurisdiction=world.jurisdiction)
    assert exported["type"] == "FeatureCollection"
    assert exported["features"]
    source = json.dumps(exported, ensure_ascii=False)
    # The fixture's areas and lengths are round figures; the first import measures them.
    GEOJSON_IMPORTERS[kind](jurisdiction=world.jurisdiction, source=source)
    before = geo_version(world)

    summary = GEOJSON_IMPORTERS[kind](jurisdiction=world.jurisdiction, source=source)

    assert (summary.created, summary.updated) == (0, 0)
    assert summary.unchanged == len(exported["features"])
    assert GEOJSON_EXPORTERS[kind](jurisdiction=world.jurisdiction) == exported
    assert geo_version(world) == before  # nothing changed, nothing written


def test_an_edited_export_imports_as_updates(world: World) -> None:
    exported = components_export_geojson(jurisdiction=world.jurisdiction)
    assert exported["features"] == []
    data = roads_export_geojson(jurisdiction=world.jurisdiction)
    for f in data["features"]:
        f["properties"]["maintainer_code"] = "HW"
    for f in data["features"][:2]:  # both segments of 青年路
        f["properties"]["road_grade"] = "快速路"
    before = geo_version(world)

    summary = roads_import_geojson(jurisdiction=world.jurisdiction, source=json.dumps(data))

    assert (summary.created, summary.updated, summary.unchanged) == (0, 4, 0)
    assert str(summary) == "新建0条，更新4条"
    assert set(Segment.objects.values_list("maintainer__code", flat=True)) == {"HW"}
    world.qingnian.refresh_from_db()
    assert world.qingnian.grade == "expressway"
    assert geo_version(world) == before + 1


def test_townships_import_creates_and_updates_by_code(world: World) -> None:
    data = townships_export_geojson(jurisdiction=world.jurisdiction)
    data["features"][0]["properties"]["name"] = "青年路街道（新）"
    data["features"].append(
        feature(box(113.99, 34.70, 114.01, 34.72), code="410122003", name="新区", kind="乡镇")
    )

    summary = townships_import_geojson(jurisdiction=world.jurisdiction, source=json.dumps(data))

    assert (summary.created, summary.updated, summary.unchanged) == (1, 1, 1)
    world.township_a.refresh_from_db()
    assert world.township_a.name == "青年路街道（新）"
    assert world.jurisdiction.townships.get(code="410122003").kind == "township"


def test_grid_import_computes_the_geodesic_area(world: World) -> None:
    source = collection(
        feature(box(113.95, 34.70, 113.96, 34.71), code="410122001002009", area_class="核心区")
    )

    grids_import_geojson(jurisdiction=world.jurisdiction, source=source)

    grid = Grid.objects.get(code="410122001002009")
    assert grid.community == world.communities["A-south"]
    assert grid.area_class == "core"
    # 0.01° x 0.01° at 34.7°N is about 915 m x 1109 m.
    assert 1_000_000 < grid.area_m2 < 1_030_000


def test_roads_import_creates_roads_and_segments_with_lengths(world: World) -> None:
    source = collection(
        feature(
            line((113.95, 34.705), (113.96, 34.705)),
            road_code="R010",
            road_name="商都路",
            road_grade="次干路",
            seq=1,
            from_street="文化路",
            to_street="广场路",
            township_code="410122001",
            maintainer_code="HW",
            number_from=1,
            number_to=99,
        ),
        feature(
            line((113.96, 34.705), (113.97, 34.705)),
            road_code="R010",
            road_name="商都路",
            seq=2,
        ),
        feature(line((113.95, 34.712), (113.99, 34.712)), road_name="青年路", seq=3),
    )

    summary = roads_import_geojson(jurisdiction=world.jurisdiction, source=source)

    assert (summary.created, summary.updated) == (3, 0)
    road = Road.objects.get(code="R010")
    assert (road.name, road.grade) == ("商都路", "secondary")
    first = road.segments.get(seq=1)
    assert first.township == world.township_a
    assert first.maintainer == world.sanitation
    assert 900 < first.length_m < 930
    assert world.qingnian.segments.count() == 3


def test_road_export_round_trip_keeps_segments_seq_order(world: World) -> None:
    exported = roads_export_geojson(jurisdiction=world.jurisdiction)
    assert [f["properties"]["seq"] for f in exported["features"]] == [1, 2, 1, 2]
    assert exported["features"][0]["properties"]["road_code"] == "R001"


def test_components_import_finds_the_grid_and_category(world: World) -> None:
    source = collection(
        feature(point(113.975, 34.705), object_id="4101220101000007", name="上水井盖"),
        feature(
            point(113.955, 34.715),
            object_id="4101220101000008",
            grid_code="410122001001002",
            state="丢失",
            accuracy_class="a",
            recorded_on="2025-06-01",
        ),
    )

    summary = components_import_geojson(jurisdiction=world.jurisdiction, source=source)

    assert summary.created == 2
    located = Component.objects.get(object_id="4101220101000007")
    assert located.category == world.manhole_cover
    assert located.grid == world.grids["B-south-1"]
    given = Component.objects.get(object_id="4101220101000008")
    assert given.grid == world.grids["A-north-2"]
    assert (given.state, given.accuracy_class) == ("lost", "a")
    assert given.recorded_on == dt.date(2025, 6, 1)


def test_landmarks_import_updates_by_name(world: World) -> None:
    source = collection(
        feature(point(113.961, 34.716), name="县第一实验小学", kind="学校", aliases="一小"),
        feature(point(113.98, 34.705), name="东风公园", kind="park"),
    )

    summary = landmarks_import_geojson(jurisdiction=world.jurisdiction, source=source)

    assert (summary.created, summary.updated) == (1, 1)
    school = Landmark.objects.get(name="县第一实验小学")
    assert (school.kind, school.aliases, school.lng) == ("school", "一小", 113.961)


def test_large_component_import_and_export(world: World) -> None:
    features = [
        feature(
            point(113.95 + (i % 100) * 0.0004, 34.70 + (i // 100) * 0.0004),
            object_id=f"4101220101{i:06d}",
        )
        for i in range(1, 3001)
    ]
    summary = components_import_geojson(
        jurisdiction=world.jurisdiction, source=collection(*features)
    )
    assert summary.created == 3000
    exported = components_export_geojson(jurisdiction=world.jurisdiction)
    assert len(exported["features"]) == 3000
    assert exported["features"][0]["properties"]["grid_code"] == "410122001002001"


# --- atomicity and errors ---------------------------------------------------


def test_one_bad_feature_rejects_the_whole_file(world: World) -> None:
    before = geo_version(world)
    good = feature(box(113.95, 34.70, 113.96, 34.71), code="410122001002007")
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[113.95, 34.70], [113.96, 34.71], [113.96, 34.70], [113.95, 34.71], [113.95, 34.70]]
        ],
    }
    bad = feature(bowtie, code="410122001002008")

    message = rejected(
        grids_import_geojson,
        jurisdiction=world.jurisdiction,
        source=collection(good, good | {"properties": {"code": "410122001002006"}}, bad),
    )

    assert "第3个要素" in message
    assert "Self-intersection" in message
    assert not Grid.objects.filter(code__in=["410122001002007", "410122001002006"]).exists()
    assert geo_version(world) == before


def test_every_error_in_the_file_is_reported(world: World) -> None:
    source = collection(
        feature(point(113.96, 34.71), object_id="41012201010001"),
        feature(point(113.96, 34.71), object_id="4101230101000001"),
        feature(point(113.96, 34.71), object_id="4101229999000001"),
        feature(point(113.96, 34.71), object_id="4101220101000001", owner_code="NOPE"),
        feature(point(113.96, 34.71), object_id="4101220101000001"),
        feature(line((113.95, 34.70), (113.96, 34.71)), object_id="4101220101000002"),
        feature(point(34.71, 13.96), object_id="4101220101000003"),
        feature(point(113.96, 34.71), object_id="4101220101000004", grid_code="410122001001099"),
    )

    message = rejected(components_import_geojson, jurisdiction=world.jurisdiction, source=source)

    lines = message.splitlines()
    assert len(lines) == 8
    assert lines[0].startswith("第1个要素「object_id」") and "16位数字" in lines[0]
    assert "第2个要素" in lines[1] and "410122" in lines[1]
    assert "第3个要素" in lines[2] and "未知的部件小类编码「9999」" in lines[2]
    assert "第4个要素「owner_code」" in lines[3] and "NOPE" in lines[3]
    assert "第5个要素" in lines[4] and "与第4个要素重复" in lines[4]
    assert "第6个要素「geometry」" in lines[5] and "Point" in lines[5]
    assert "第7个要素" in lines[6] and "经纬度颠倒" in lines[6]
    assert "第8个要素「grid_code」" in lines[7]
    assert not Component.objects.exists()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (b"{not json", "不是有效的 JSON"),
        (b"\xff\xfe\x00", "UTF-8"),
        (b'{"type": "Feature"}', "FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": []}', "没有要素"),
        (b'{"type": "FeatureCollection", "features": [1]}', "第1个要素：不是 GeoJSON Feature"),
    ],
)
def test_a_file_that_is_not_a_feature_collection_is_rejected(
    world: World, source: bytes, expected: str
) -> None:
    assert expected in rejected(
        townships_import_geojson, jurisdiction=world.jurisdiction, source=source
    )


@pytest.mark.parametrize(
    ("geometry", "expected"),
    [
        (None, "缺少几何对象"),
        (line((113.95, 34.70), (113.96, 34.71)), "几何类型应为 Polygon/MultiPolygon"),
        ({"type": "Polygon", "coordinates": [[["a", "b"]]]}, "坐标格式错误"),
        (
            {
                "type": "Polygon",
                "coordinates": [[[113.95, 34.7], [113.96, 34.7], [113.96, 34.71], [113.95, 34.71]]],
            },
            "未闭合",
        ),
        (box(190, 34.7, 191, 34.71), "超出 WGS84"),
        (box(500000, 3800000, 500100, 3800100), "超出 WGS84"),
    ],
)
def test_bad_geometries_are_named(world: World, geometry: Any, expected: str) -> None:
    source = collection(feature(geometry, code="410122009", name="X"))
    message = rejected(townships_import_geojson, jurisdiction=world.jurisdiction, source=source)
    assert message.startswith("第1个要素「geometry」")
    assert expected in message


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("4101220010", "应为12位数字"),
        ("410199001001", "应以辖区（行政区划）的编码「410122」开头"),
        ("410122009001", "前9位「410122009」不是已有的乡镇/街道编码"),
    ],
)
def test_community_codes_are_checked_against_their_parent(
    world: World, code: str, expected: str
) -> None:
    source = collection(feature(box(113.95, 34.70, 113.96, 34.71), code=code, name="新社区"))
    message = rejected(communities_import, jurisdiction=world.jurisdiction, source=source)
    assert "第1个要素「code」" in message and expected in message
    assert not Community.objects.filter(name="新社区").exists()


def communities_import(**kwargs: Any) -> Any:
    return GEOJSON_IMPORTERS["communities"](**kwargs)


def test_unknown_choice_labels_are_named(world: World) -> None:
    source = collection(
        feature(box(113.95, 34.70, 113.96, 34.71), code="410122009", name="X", kind="镇")
    )
    message = rejected(townships_import_geojson, jurisdiction=world.jurisdiction, source=source)
    assert "「kind」" in message and "不是可选值" in message


def test_roads_feature_must_agree_on_road_name(world: World) -> None:
    source = collection(
        feature(
            line((113.95, 34.705), (113.96, 34.705)), road_code="R001", road_name="青年路", seq=5
        ),
        feature(
            line((113.96, 34.705), (113.97, 34.705)), road_code="R001", road_name="建设路", seq=6
        ),
        feature(line((113.96, 34.705), (113.97, 34.705)), road_code="R001", seq=5),
        feature(line((113.96, 34.705), (113.97, 34.705)), road_name="无名路", seq=1),
    )
    message = rejected(roads_import_geojson, jurisdiction=world.jurisdiction, source=source)
    lines = message.splitlines()
    assert "第2个要素「road_name」" in lines[0]
    assert "第3个要素「seq」" in lines[1] and "与第1个要素重复" in lines[1]
    assert "第4个要素「road_code」" in lines[2]
    assert Segment.objects.count() == 4


# --- commands ---------------------------------------------------------------


def test_import_geojson_command_imports_and_reports(world: World, tmp_path: Path) -> None:
    path = tmp_path / "landmarks.geojson"
    path.write_bytes(collection(feature(point(113.98, 34.705), name="东风公园", kind="park")))
    out = io.StringIO()

    call_command(
        "import_geojson", "--kind", "landmarks", "--jurisdiction", "410122", str(path), stdout=out
    )

    assert Landmark.objects.filter(name="东风公园").exists()
    assert "新建1条" in out.getvalue()


def test_import_geojson_command_fails_on_a_bad_file(world: World, tmp_path: Path) -> None:
    path = tmp_path / "bad.geojson"
    path.write_bytes(collection(feature(point(113.98, 34.705))))
    with pytest.raises(CommandError, match="第1个要素「name」"):
        call_command("import_geojson", "--kind", "landmarks", "--jurisdiction", "410122", str(path))


def test_import_geojson_command_rejects_unknown_jurisdiction(world: World, tmp_path: Path) -> None:
    path = tmp_path / "x.geojson"
    path.write_bytes(b"{}")
    with pytest.raises(CommandError, match="999999"):
        call_command("import_geojson", "--kind", "grids", "--jurisdiction", "999999", str(path))


def test_export_geojson_command_writes_a_file_and_stdout(world: World, tmp_path: Path) -> None:
    path = tmp_path / "roads.geojson"
    call_command("export_geojson", "--kind", "roads", "--jurisdiction", "410122", "-o", str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data["features"]) == 4

    out = io.StringIO()
    call_command("export_geojson", "--kind", "townships", "--jurisdiction", "410122", stdout=out)
    assert json.loads(out.getvalue())["features"][0]["properties"]["name"] == "青年路街道"


def test_commands_exit_non_zero_on_bad_input(world: World, tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "bad.geojson"
    path.write_text("nope", encoding="utf-8")
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "import_geojson",
            "--kind",
            "grids",
            "--jurisdiction",
            "410122",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert result.returncode != 0


# --- road chiefs ------------------------------------------------------------


def chiefs_file(*rows: tuple[Any, ...]) -> bytes:
    return xlsx_write([("路长", ROAD_CHIEF_COLUMNS, rows)])


@pytest.fixture
def chiefs(world: World) -> dict[str, User]:
    people = {}
    for username, name in (("wang", "王路长"), ("li", "李路长"), ("zhao", "赵路长")):
        user = User.objects.create(
            username=username, full_name=name, jurisdiction=world.jurisdiction
        )
        Membership.objects.create(user=user, unit=world.township_unit_a, role=Role.ROAD_CHIEF)
        people[username] = user
    return people


def test_seq_lists_parse_and_format() -> None:
    assert seqs_parse("1-3,5，7－8") == [1, 2, 3, 5, 7, 8]
    assert seqs_format([8, 1, 2, 3, 5, 7]) == "1-3,5,7-8"
    assert seqs_parse("") == []
    with pytest.raises(ValueError):
        seqs_parse("3-1")


def test_road_chief_import_replaces_the_current_chief(
    world: World, chiefs: dict[str, User]
) -> None:
    road_chiefs_import_xlsx(
        jurisdiction=world.jurisdiction,
        source=chiefs_file(
            ("青年路", "乡级路长", "wang", "1-2", "巡查", "123", "2026-01-01", None)
        ),
    )
    summary = road_chiefs_import_xlsx(
        jurisdiction=world.jurisdiction,
        source=chiefs_file(("R001", "township", "li", "", "", "", "2026-03-01", None)),
    )

    assert summary.created == 1
    old = RoadChief.objects.get(user=chiefs["wang"])
    assert old.end_date == dt.date(2026, 3, 1)
    assert [s.seq for s in old.segments.all()] == [1, 2]
    new = RoadChief.objects.get(road=world.qingnian, level=RoadChiefLevel.TOWNSHIP, end_date=None)
    assert new.user == chiefs["li"]
    assert not new.segments.exists()


def test_road_chief_export_round_trips(world: World, chiefs: dict[str, User]) -> None:
    road_chiefs_import_xlsx(
        jurisdiction=world.jurisdiction,
        source=chiefs_file(
            ("青年路", "乡级路长", "wang", "1", "巡查", "123", "2025-01-01", "2025-12-31"),
            ("青年路", "乡级路长", "li", "1-2", "", "", "2026-01-01", None),
            ("建设路", "县级路长", "zhao", "", "", "", "2026-01-01", None),
        ),
    )
    exported = road_chiefs_export_xlsx(jurisdiction=world.jurisdiction)

    summary = road_chiefs_import_xlsx(jurisdiction=world.jurisdiction, source=exported)

    assert (summary.created, summary.updated) == (0, 3)
    again = road_chiefs_export_xlsx(jurisdiction=world.jurisdiction)
    assert [r.values for r in xlsx_read(again)] == [r.values for r in xlsx_read(exported)]
    assert RoadChief.objects.filter(end_date=None).count() == 2


def test_road_chief_rows_are_checked(world: World, chiefs: dict[str, User]) -> None:
    message = rejected(
        road_chiefs_import_xlsx,
        jurisdiction=world.jurisdiction,
        source=chiefs_file(
            ("青年路", "乡级路长", "wang", "1", "", "", "2026-01-01", None),
            ("青年路", "乡级路长", "li", "", "", "", "2026-01-01", None),
            ("无此路", "乡级路长", "li", "", "", "", "2026-01-01", None),
            ("青年路", "省级路长", "li", "", "", "", "2026-01-01", None),
            ("青年路", "县级路长", "nobody", "", "", "", "2026-01-01", None),
            ("青年路", "县级路长", "li", "9", "", "", "2026-01-01", None),
            ("建设路", "县级路长", "li", "x", "", "", "2026/13/01", None),
            ("建设路", "社区级路长", "li", "", "", "", "2026-01-01", "2025-01-01"),
        ),
    )
    lines = message.splitlines()
    assert lines[0].startswith("第3行「级别」") and "第2行" in lines[0]
    assert lines[1].startswith("第4行「道路」")
    assert lines[2].startswith("第5行「级别」")
    assert lines[3].startswith("第6行「路长账号」")
    assert lines[4].startswith("第7行「负责路段」") and "没有路段9" in lines[4]
    assert lines[5].startswith("第8行「负责路段」")
    assert lines[6].startswith("第9行「卸任日期」")
    assert not RoadChief.objects.exists()


def test_import_xlsx_command_imports_road_chiefs(
    world: World, chiefs: dict[str, User], tmp_path: Path
) -> None:
    path = tmp_path / "chiefs.xlsx"
    path.write_bytes(chiefs_file(("青年路", "乡级路长", "wang", "", "", "", "2026-01-01", None)))
    out = io.StringIO()
    call_command(
        "import_xlsx", "--kind", "road_chiefs", "--jurisdiction", "410122", str(path), stdout=out
    )
    assert RoadChief.objects.filter(user=chiefs["wang"]).exists()
