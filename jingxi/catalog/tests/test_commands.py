from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jingxi.catalog.data import MAJORS, MINORS
from jingxi.catalog.models import Category
from jingxi.org.models import Jurisdiction
from jingxi.org.tests.factories import JurisdictionFactory


def test_seed_command_creates_the_tree_once(db: None) -> None:
    j = JurisdictionFactory(code="410122")
    out = StringIO()
    call_command("catalog_seed", "--jurisdiction", "410122", stdout=out)
    assert f"新建类别 {len(MAJORS) + len(MINORS)} 个" in out.getvalue()
    call_command("catalog_seed", "--jurisdiction", "410122", stdout=out)
    assert "新建类别 0 个" in out.getvalue()
    assert Category.objects.filter(jurisdiction=j).count() == len(MAJORS) + len(MINORS)


def test_seed_command_rejects_an_unknown_jurisdiction(db: None) -> None:
    with pytest.raises(CommandError, match="999999"):
        call_command("catalog_seed", "--jurisdiction", "999999")


def test_export_then_import_commands(
    county: Jurisdiction, other_county: Jurisdiction, tmp_path: Path
) -> None:
    target = tmp_path / "catalog.xlsx"
    call_command(
        "catalog_export", "--jurisdiction", county.code, "-o", str(target), stdout=StringIO()
    )
    assert target.stat().st_size > 0
    out = StringIO()
    call_command("catalog_import", "--jurisdiction", other_county.code, str(target), stdout=out)
    assert f"新增 {len(MAJORS) + len(MINORS)}" in out.getvalue()


def test_import_command_fails_clearly(county: Jurisdiction, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("catalog_import", "--jurisdiction", county.code, str(tmp_path / "none.xlsx"))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("catalog_import", "--jurisdiction", county.code, str(bad))


def test_export_command_rejects_a_missing_directory(county: Jurisdiction, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="目录不存在"):
        call_command(
            "catalog_export", "--jurisdiction", county.code, "-o", str(tmp_path / "no" / "x.xlsx")
        )
