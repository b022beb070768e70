"""XLSX imports and exports of units and staff, and their commands."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import Cast, World
from jingxi.lib.tabular import ImportRejected, xlsx_read, xlsx_write
from jingxi.org.choices import RankingGroup, Role, UnitKind
from jingxi.org.imports import (
    STAFF_COLUMNS,
    UNIT_COLUMNS,
    staff_export_xlsx,
    staff_import_xlsx,
    units_export_xlsx,
    units_import_xlsx,
)
from jingxi.org.models import Membership, Unit, User

pytestmark = pytest.mark.django_db


def units_file(*rows: tuple[Any, ...]) -> bytes:
    return xlsx_write([("单位", UNIT_COLUMNS, rows)])


def staff_file(*rows: tuple[Any, ...]) -> bytes:
    return xlsx_write([("人员", STAFF_COLUMNS, rows)])


def rejected(call: Any, **kwargs: Any) -> list[str]:
    with pytest.raises(ImportRejected) as info:
        call(**kwargs)
    return str(info.value).splitlines()


def values(data: bytes) -> list[dict[str, str | None]]:
    return [row.values for row in xlsx_read(data)]


# --- units ------------------------------------------------------------------


def test_units_export_round_trips(cast: Cast, world: World) -> None:
    exported = units_export_xlsx(jurisdiction=world.jurisdiction)

    summary = units_import_xlsx(jurisdiction=world.jurisdiction, source=exported)

    assert (summary.created, summary.updated) == (0, Unit.objects.count())
    assert values(units_export_xlsx(jurisdiction=world.jurisdiction)) == values(exported)
    head_row = next(r for r in values(exported) if r["单位编码"] == "HW")
    assert head_row["第一责任人账号"] == "head_a"
    assert head_row["类型"] == "职能部门"


def test_units_import_creates_children_before_or_after_their_parent(world: World) -> None:
    summary = units_import_xlsx(
        jurisdiction=world.jurisdiction,
        source=units_file(
            ("C001001", "青年路北社区居委会", "北社区", "社区/村", "T001", "", "", "", "", "", ""),
            (
                "SZ",
                "县市政工程管理中心",
                "市政中心",
                "department",
                "",
                "B类部门",
                "张三",
                "0371-1",
                "",
                "",
                "是",
            ),
            ("JJ", "县交警大队", "", "职能部门", "", "class_a", "", "", "", "", "否"),
        ),
    )

    assert (summary.created, summary.updated) == (2, 1)
    community = Unit.objects.get(code="C001001")
    assert community.parent == world.township_unit_a
    assert community.kind == UnitKind.COMMUNITY
    assert community.ranking_group == RankingGroup.NONE
    municipal = Unit.objects.get(code="SZ")
    assert (municipal.ranking_group, municipal.contact_name) == (RankingGroup.CLASS_B, "张三")
    world.traffic.refresh_from_db()
    assert not world.traffic.is_active


def test_units_import_parent_may_come_later_in_the_file(world: World) -> None:
    units_import_xlsx(
        jurisdiction=world.jurisdiction,
        source=units_file(
            ("X2", "下级", "", "职能部门", "X1", "", "", "", "", "", ""),
            ("X1", "上级", "", "职能部门", "", "", "", "", "", "", ""),
        ),
    )
    assert Unit.objects.get(code="X2").parent == Unit.objects.get(code="X1")


def test_units_import_rejects_every_bad_row_and_writes_nothing(world: World) -> None:
    lines = rejected(
        units_import_xlsx,
        jurisdiction=world.jurisdiction,
        source=units_file(
            ("N1", "新单位一", "", "职能部门", "", "", "", "", "", "", ""),
            ("N1", "新单位二", "", "职能部门", "", "", "", "", "", "", ""),
            ("N3", "新单位三", "", "部委", "", "", "", "", "", "", ""),
            ("N4", "县精细办", "", "职能部门", "", "", "", "", "", "", ""),
            ("N5", "新单位五", "", "职能部门", "NOPE", "", "", "", "", "", ""),
            ("N6", "新单位六", "", "职能部门", "", "", "", "", "", "nobody", ""),
            ("N7", "新单位七", "", "职能部门", "N8", "", "", "", "", "", ""),
            ("N8", "新单位八", "", "职能部门", "N7", "", "", "", "", "", ""),
            ("N9", "", "", "职能部门", "", "", "", "", "", "", ""),
        ),
    )

    assert lines[0].startswith("第3行「单位编码」") and "与第2行重复" in lines[0]
    assert lines[1].startswith("第4行「类型」") and "不是可选值" in lines[1]
    assert lines[2].startswith("第5行「名称」") and "JXB" in lines[2]
    assert lines[3].startswith("第6行「上级单位编码」") and "NOPE" in lines[3]
    assert lines[4].startswith("第7行「第一责任人账号」")
    assert lines[5].startswith("第8行「上级单位编码」") and "循环" in lines[5]
    assert lines[6].startswith("第9行「上级单位编码」") and "循环" in lines[6]
    assert lines[7].startswith("第10行「名称」") and "不能为空" in lines[7]
    assert not Unit.objects.filter(code__startswith="N").exists()


def test_units_import_names_missing_columns(world: World) -> None:
    lines = rejected(
        units_import_xlsx,
        jurisdiction=world.jurisdiction,
        source=xlsx_write([("单位", ("单位编码", "名称"), [("Z", "Z")])]),
    )
    assert lines == ["第1行「类型」：缺少必需的列"]


def test_units_import_rejects_a_file_that_is_not_xlsx(world: World) -> None:
    lines = rejected(units_import_xlsx, jurisdiction=world.jurisdiction, source=b"not a workbook")
    assert "不是有效的 Excel" in lines[0]


# --- staff ------------------------------------------------------------------


def test_staff_import_creates_users_with_several_roles(world: World) -> None:
    summary = staff_import_xlsx(
        jurisdiction=world.jurisdiction,
        source=staff_file(
            ("zhang", "张三", "13800000000", "JXB", "督导员", "组长", ""),
            ("zhang", "张三", "", "T001", "road_chief", "", ""),
            ("wu", "吴四", "", "HW", "责任单位经办人", "", "a-Strong-pass-2026"),
            ("qian", "钱五", "", "", "", "", ""),
        ),
    )

    assert (summary.created, summary.updated) == (3, 0)
    zhang = User.objects.get(username="zhang")
    assert (zhang.full_name, zhang.phone, zhang.jurisdiction) == (
        "张三",
        "13800000000",
        world.jurisdiction,
    )
    assert not zhang.has_usable_password()
    roles = set(Membership.objects.filter(user=zhang).values_list("unit__code", "role", "title"))
    assert roles == {("JXB", Role.INSPECTOR, "组长"), ("T001", Role.ROAD_CHIEF, "")}
    assert User.objects.get(username="wu").check_password("a-Strong-pass-2026")
    assert not User.objects.get(username="qian").memberships.exists()


def test_staff_export_round_trips(cast: Cast, world: World) -> None:
    exported = staff_export_xlsx(jurisdiction=world.jurisdiction)
    rows = values(exported)
    assert {"账号": "dispatcher", "角色": "受理/派遣员", "单位编码": "JXB"}.items() <= next(
        r for r in rows if r["账号"] == "dispatcher"
    ).items()
    assert not any(r["账号"] == "outsider" for r in rows)

    summary = staff_import_xlsx(jurisdiction=world.jurisdiction, source=exported)

    assert summary.created == 0
    assert values(staff_export_xlsx(jurisdiction=world.jurisdiction)) == rows
    # Passwords of existing users are left alone when the column is empty.
    assert User.objects.get(username="dispatcher").check_password(cast.password)


def test_staff_import_rejects_bad_rows(cast: Cast, world: World) -> None:
    lines = rejected(
        staff_import_xlsx,
        jurisdiction=world.jurisdiction,
        source=staff_file(
            ("zhang", "张三", "", "JXB", "督导员", "", ""),
            ("zhang", "张三丰", "", "JXB", "路长", "", ""),
            ("li", "李四", "", "NOPE", "督导员", "", ""),
            ("li", "李四", "", "JXB", "厨师", "", ""),
            ("outsider", "外区人员", "", "JXB", "督导员", "", ""),
            ("wang", "王五", "", "JXB", "督导员", "", "123"),
            ("zhang", "张三", "", "JXB", "督导员", "", ""),
            ("", "无名", "", "", "", "", ""),
        ),
    )
    assert lines[0].startswith("第3行「姓名」") and "第2行" in lines[0]
    assert lines[1].startswith("第4行「单位编码」")
    assert lines[2].startswith("第5行「角色」")
    assert lines[3].startswith("第6行「账号」") and "其他辖区" in lines[3]
    assert lines[4].startswith("第7行「密码」")
    assert lines[5].startswith("第8行「角色」") and "与第2行重复" in lines[5]
    assert lines[6].startswith("第9行「账号」")
    assert not User.objects.filter(username__in=["zhang", "li", "wang"]).exists()


# --- commands ---------------------------------------------------------------


def test_import_xlsx_command_imports_units(world: World, tmp_path: Path) -> None:
    path = tmp_path / "units.xlsx"
    path.write_bytes(
        units_file(("GJ", "县公共交通公司", "", "作业单位", "", "作业单位", "", "", "", "", ""))
    )
    out = io.StringIO()

    call_command(
        "import_xlsx", "--kind", "units", "--jurisdiction", "410122", str(path), stdout=out
    )

    assert Unit.objects.get(code="GJ").ranking_group == RankingGroup.CONTRACTOR
    assert "新建1条" in out.getvalue()


def test_import_xlsx_command_fails_with_the_row_errors(world: World, tmp_path: Path) -> None:
    path = tmp_path / "staff.xlsx"
    path.write_bytes(staff_file(("zhang", "张三", "", "NOPE", "督导员", "", "")))
    with pytest.raises(CommandError, match="第2行「单位编码」"):
        call_command("import_xlsx", "--kind", "staff", "--jurisdiction", "410122", str(path))
    with pytest.raises(CommandError, match="无法读取"):
        call_command(
            "import_xlsx", "--kind", "staff", "--jurisdiction", "410122", str(tmp_path / "none")
        )


def test_export_xlsx_command_writes_what_import_reads(
    cast: Cast, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "staff.xlsx"
    call_command("export_xlsx", "--kind", "staff", "--jurisdiction", "410122", "-o", str(path))
    call_command("import_xlsx", "--kind", "staff", "--jurisdiction", "410122", str(path))
    assert values(path.read_bytes()) == values(staff_export_xlsx(jurisdiction=world.jurisdiction))

    path = tmp_path / "chiefs.xlsx"
    call_command(
        "export_xlsx", "--kind", "road_chiefs", "--jurisdiction", "410122", "-o", str(path)
    )
    assert values(path.read_bytes())[0]["路长账号"] == "roadchief"
