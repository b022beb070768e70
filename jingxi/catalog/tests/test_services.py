from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from conftest import World
from jingxi.catalog.choices import (
    CategoryKind,
    CategoryLevel,
    Responsibility,
    TimeUnit,
    Urgency,
)
from jingxi.catalog.data import MAJORS, MINORS, SEED_DOCUMENT_NAMES
from jingxi.catalog.models import Category, TimeLimit
from jingxi.catalog.services import (
    COL_CODE,
    COL_LIMITS,
    catalog_export_xlsx,
    catalog_import_xlsx,
    catalog_seed,
    category_save,
    time_limit_save,
    time_limit_set,
)
from jingxi.catalog.tests.conftest import workbook_edit
from jingxi.lib.tabular import ImportRejected, xlsx_read, xlsx_write
from jingxi.org.models import Jurisdiction
from jingxi.org.tests.factories import JurisdictionFactory

# --- seed ----------------------------------------------------------------------------


def test_seed_creates_every_major_and_at_least_eighty_minors(county: Jurisdiction) -> None:
    categories = Category.objects.filter(jurisdiction=county)
    assert categories.filter(level=CategoryLevel.MAJOR).count() == len(MAJORS) == 13
    minors = categories.filter(level=CategoryLevel.MINOR)
    assert minors.count() == len(MINORS) >= 80
    assert not minors.filter(time_limits__isnull=True).exists()
    for kind, code in SEED_DOCUMENT_NAMES.values():
        assert minors.filter(kind=kind, code=code).exists()
    names = set(minors.values_list("name", flat=True))
    for required in (
        "道路保洁作业不规范",
        "洒水作业不到位",
        "建筑外观及附属设施",
        "店外经营",
        "机动车乱停放",
        "非机动车乱停放",
        "停车场",
        "道路施工不规范",
        "公共厕所",
        "公交场站",
        "城市游园",
        "学校周边秩序",
        "老旧小区公共设施",
        "工地扬尘",
    ):
        assert required in names


def test_seed_links_default_units_by_code(county: Jurisdiction) -> None:
    garbage = Category.objects.get(jurisdiction=county, kind=CategoryKind.EVENT, code="0102")
    assert garbage.default_unit is not None and garbage.default_unit.code == "HW"
    shop = Category.objects.get(jurisdiction=county, name="店外经营")
    assert shop.default_unit is not None and shop.default_unit.code == "CGJ"
    ads = Category.objects.get(jurisdiction=county, name="非法小广告")
    assert ads.default_unit is None and ads.responsibility == Responsibility.TOWNSHIP


def test_seed_without_units_leaves_them_empty_and_falls_back_to_township(db: None) -> None:
    j = JurisdictionFactory()
    catalog_seed(jurisdiction=j)
    shop = Category.objects.get(jurisdiction=j, name="店外经营")
    assert shop.default_unit is None
    assert shop.responsibility == Responsibility.TOWNSHIP
    cover = Category.objects.get(jurisdiction=j, name="上水井盖")
    assert cover.responsibility == Responsibility.COMPONENT_MAINTAINER


def test_seed_is_idempotent(county: Jurisdiction) -> None:
    before = (Category.objects.count(), TimeLimit.objects.count())
    assert catalog_seed(jurisdiction=county) == 0
    assert (Category.objects.count(), TimeLimit.objects.count()) == before


def test_seed_never_overwrites_an_edited_row(county: Jurisdiction) -> None:
    garbage = Category.objects.get(jurisdiction=county, kind=CategoryKind.EVENT, code="0102")
    garbage.name = "暴露垃圾（本县口径）"
    garbage.filing_condition = "体积大于0.2立方米"
    category_save(category=garbage)
    time_limit_set(category=garbage, amount=3, unit=TimeUnit.WORKING_HOURS)
    TimeLimit.objects.filter(category=garbage, urgency=Urgency.URGENT).delete()

    catalog_seed(jurisdiction=county)

    garbage.refresh_from_db()
    assert garbage.name == "暴露垃圾（本县口径）"
    assert garbage.filing_condition == "体积大于0.2立方米"
    assert [(t.urgency, t.amount) for t in garbage.time_limits.all()] == [
        (Urgency.NORMAL, Decimal("3.0"))
    ]


def test_seed_keeps_the_categories_the_world_already_has(world: World) -> None:
    catalog_seed(jurisdiction=world.jurisdiction)
    world.exposed_garbage.refresh_from_db()
    assert world.exposed_garbage.filing_condition == "发现即立案"
    assert world.exposed_garbage.time_limits.count() == 1
    # The rest of the tree is there, linked to the world's units where they exist.
    overflow = Category.objects.get(jurisdiction=world.jurisdiction, name="垃圾满溢")
    assert overflow.default_unit == world.sanitation


def test_seed_keeps_jurisdictions_apart(county: Jurisdiction, other_county: Jurisdiction) -> None:
    catalog_seed(jurisdiction=other_county)
    assert Category.objects.filter(jurisdiction=other_county).count() == len(MAJORS) + len(MINORS)
    shop = Category.objects.get(jurisdiction=other_county, name="店外经营")
    assert shop.default_unit is not None
    assert shop.default_unit.jurisdiction == other_county


# --- single writes -------------------------------------------------------------------


def test_category_save_refuses_a_parent_of_another_kind(county: Jurisdiction) -> None:
    component_major = Category.objects.get(
        jurisdiction=county, kind=CategoryKind.COMPONENT, code="01"
    )
    minor = Category(
        jurisdiction=county,
        kind=CategoryKind.EVENT,
        level=CategoryLevel.MINOR,
        parent=component_major,
        code="0199",
        name="错挂大类",
    )
    with pytest.raises(ValidationError) as info:
        category_save(category=minor)
    assert "parent" in info.value.message_dict


def test_category_save_refuses_a_code_outside_its_major(county: Jurisdiction) -> None:
    major = Category.objects.get(jurisdiction=county, kind=CategoryKind.EVENT, code="01")
    minor = Category(
        jurisdiction=county,
        kind=CategoryKind.EVENT,
        level=CategoryLevel.MINOR,
        parent=major,
        code="0299",
        name="编码不符",
    )
    with pytest.raises(ValidationError) as info:
        category_save(category=minor)
    assert "code" in info.value.message_dict


def test_category_save_requires_a_unit_for_the_fixed_unit_rule(county: Jurisdiction) -> None:
    shop = Category.objects.get(jurisdiction=county, name="店外经营")
    shop.default_unit = None
    with pytest.raises(ValidationError) as info:
        category_save(category=shop)
    assert "default_unit" in info.value.message_dict


def test_time_limit_set_updates_in_place(county: Jurisdiction) -> None:
    garbage = Category.objects.get(jurisdiction=county, kind=CategoryKind.EVENT, code="0102")
    first = time_limit_set(category=garbage, amount="1.5", unit=TimeUnit.WORKING_HOURS)
    second = time_limit_set(category=garbage, amount=2, unit=TimeUnit.WORKING_DAYS)
    assert first.pk == second.pk
    second.refresh_from_db()
    assert (second.amount, second.unit) == (Decimal("2.0"), TimeUnit.WORKING_DAYS)


def test_majors_carry_no_time_limits(county: Jurisdiction) -> None:
    major = Category.objects.get(jurisdiction=county, kind=CategoryKind.EVENT, code="01")
    with pytest.raises(ValidationError):
        time_limit_save(time_limit=TimeLimit(category=major, amount=4, unit=TimeUnit.WORKING_HOURS))


# --- export / import -----------------------------------------------------------------


def _snapshot(jurisdiction: Jurisdiction) -> list[tuple[object, ...]]:
    rows = []
    for c in (
        Category.objects.filter(jurisdiction=jurisdiction)
        .select_related("parent", "default_unit")
        .prefetch_related("time_limits")
    ):
        limits = sorted((t.urgency, t.condition, t.amount, t.unit) for t in c.time_limits.all())
        rows.append(
            (
                c.kind,
                c.code,
                c.level,
                c.parent.code if c.parent else None,
                c.name,
                c.filing_condition,
                c.closing_condition,
                c.governance_area,
                c.focus_area,
                c.responsibility,
                c.default_unit.code if c.default_unit else None,
                c.keywords,
                c.is_active,
                tuple(limits),
            )
        )
    return sorted(rows)


def test_export_writes_one_row_per_category_with_readable_limits(
    county: Jurisdiction, exported: bytes
) -> None:
    rows = xlsx_read(exported, sheet="类别")
    assert len(rows) == len(MAJORS) + len(MINORS)
    by_code = {(r.get("部件/事件"), r.get(COL_CODE)): r for r in rows}
    illegal = by_code[("事件", "0101")]
    assert illegal.get("名称") == "私搭乱建"
    assert illegal.get(COL_LIMITS) == "一般:4工作时; 停止施工:4工作时; 拆除:20工作日; 罚款:7工作日"
    assert illegal.get("默认责任单位编码") == "CGJ"
    assert illegal.get("治理方面") == "治乱"


def test_export_import_round_trip_into_another_jurisdiction(
    county: Jurisdiction, other_county: Jurisdiction, exported: bytes
) -> None:
    summary = catalog_import_xlsx(jurisdiction=other_county, source=exported)
    assert summary.created == len(MAJORS) + len(MINORS)
    assert _snapshot(other_county) == _snapshot(county)
    again = catalog_export_xlsx(jurisdiction=other_county)
    assert [r.values for r in xlsx_read(again)] == [r.values for r in xlsx_read(exported)]


def test_reimporting_the_export_changes_nothing(county: Jurisdiction, exported: bytes) -> None:
    before = _snapshot(county)
    summary = catalog_import_xlsx(jurisdiction=county, source=exported)
    assert (summary.created, summary.updated) == (0, 0)
    assert summary.unchanged == len(MAJORS) + len(MINORS)
    assert _snapshot(county) == before


def test_import_updates_fields_and_replaces_time_limits(
    county: Jurisdiction, exported: bytes
) -> None:
    def edit(rows: list[list[object]]) -> None:
        header = rows[0]
        for row in rows[1:]:
            if row[header.index("部件/事件")] == "事件" and row[header.index(COL_CODE)] == "0102":
                row[header.index("名称")] = "暴露垃圾（修订）"
                row[header.index(COL_LIMITS)] = "一般:3工作时; 夜间:6工作时"
                row[header.index("启用")] = "否"

    summary = catalog_import_xlsx(jurisdiction=county, source=workbook_edit(exported, edit))
    assert summary.updated == 1
    garbage = Category.objects.get(jurisdiction=county, kind=CategoryKind.EVENT, code="0102")
    assert garbage.name == "暴露垃圾（修订）"
    assert not garbage.is_active
    assert sorted((t.condition, t.amount) for t in garbage.time_limits.all()) == [
        ("", Decimal("3.0")),
        ("夜间", Decimal("6.0")),
    ]


def test_import_creates_a_new_major_and_minor_from_the_file(county: Jurisdiction) -> None:
    headers = ["部件/事件", "编码", "名称", "处置时限", "责任单位规则", "默认责任单位编码"]
    data = xlsx_write(
        [
            (
                "类别",
                headers,
                [
                    ["事件", "0650", "共享单车投放过量", "一般:1工作日", "固定单位", "JJ"],
                    ["事件", "08", "本县扩展", "", "", ""],
                    ["事件", "0801", "桥下空间占用", "一般:2工作日", "属地乡镇/街道", ""],
                ],
            )
        ]
    )
    summary = catalog_import_xlsx(jurisdiction=county, source=data)
    assert summary.created == 3
    minor = Category.objects.get(jurisdiction=county, kind=CategoryKind.EVENT, code="0801")
    assert minor.parent is not None and minor.parent.name == "本县扩展"


def test_a_bad_row_among_good_ones_rejects_the_whole_file(
    county: Jurisdiction, exported: bytes
) -> None:
    bad_row_number = 0

    def edit(rows: list[list[object]]) -> None:
        nonlocal bad_row_number
        header = rows[0]
        for number, row in enumerate(rows[1:], start=2):
            row[header.index("名称")] = f"{row[header.index('名称')]}（改）"
            if row[header.index(COL_CODE)] == "0104" and row[0] == "事件":
                row[header.index(COL_LIMITS)] = "一般：两小时"
                bad_row_number = number

    before = _snapshot(county)
    with pytest.raises(ImportRejected) as info:
        catalog_import_xlsx(jurisdiction=county, source=workbook_edit(exported, edit))
    (error,) = info.value.errors
    assert error.row == bad_row_number and error.column == COL_LIMITS
    assert str(error).startswith(f"第{bad_row_number}行「处置时限」：")
    assert _snapshot(county) == before


def test_import_lists_every_bad_row_with_its_reason(county: Jurisdiction) -> None:
    headers = [
        "部件/事件",
        "编码",
        "名称",
        "处置时限",
        "治理方面",
        "责任单位规则",
        "默认责任单位编码",
    ]
    good = ["事件", "0650", "好行", "一般:1工作日", "治乱", "属地乡镇/街道", ""]
    data = xlsx_write(
        [
            (
                "类别",
                headers,
                [
                    good,
                    ["事故", "0651", "类型错", "一般:1工作日", "", "", ""],  # row 3
                    ["事件", "651", "编码错", "一般:1工作日", "", "", ""],  # row 4
                    ["事件", "0652", "单位不存在", "一般:1工作日", "", "固定单位", "XX"],  # row 5
                    ["事件", "0950", "无大类", "一般:1工作日", "", "", ""],  # row 6
                    ["事件", "0653", "无一般时限", "拆除:1工作日", "", "", ""],  # row 7
                    ["事件", "0654", "治理错", "一般:1工作日", "治好", "", ""],  # row 8
                    ["事件", "06", "大类有时限", "一般:1工作日", "", "", ""],  # row 9
                    good,  # row 10: duplicate of row 2
                    ["事件", "0655", "", "一般:1工作日", "", "", ""],  # row 11
                ],
            )
        ]
    )
    with pytest.raises(ImportRejected) as info:
        catalog_import_xlsx(jurisdiction=county, source=data)
    found = {(e.row, e.column) for e in info.value.errors}
    assert found == {
        (3, "部件/事件"),
        (4, "编码"),
        (5, "默认责任单位编码"),
        (6, "编码"),
        (7, "处置时限"),
        (8, "治理方面"),
        (9, "处置时限"),
        (10, "编码"),
        (11, "名称"),
    }
    assert "与第2行重复" in str(info.value)
    assert "XX" in str(info.value)
    assert not Category.objects.filter(jurisdiction=county, code="0650").exists()


def test_import_rejects_a_file_that_is_not_a_workbook(county: Jurisdiction) -> None:
    with pytest.raises(ImportRejected, match="不是有效的 Excel"):
        catalog_import_xlsx(jurisdiction=county, source=b"not a workbook")


def test_import_rejects_a_workbook_without_the_sheet(county: Jurisdiction) -> None:
    data = xlsx_write([("Sheet1", ["编码"], [["01"]])])
    with pytest.raises(ImportRejected, match="找不到工作表「类别」"):
        catalog_import_xlsx(jurisdiction=county, source=data)


def test_import_names_missing_columns(county: Jurisdiction) -> None:
    data = xlsx_write([("类别", ["编码"], [["01"]])])
    with pytest.raises(ImportRejected) as info:
        catalog_import_xlsx(jurisdiction=county, source=data)
    assert {e.column for e in info.value.errors} == {"部件/事件", "名称"}
