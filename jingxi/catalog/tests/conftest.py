from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from openpyxl import load_workbook

from jingxi.catalog.services import catalog_export_xlsx, catalog_seed
from jingxi.org.choices import UnitKind
from jingxi.org.models import Jurisdiction, Unit
from jingxi.org.tests.factories import JurisdictionFactory

# The departments of docs/contracts.md that the standard catalog names.
DEPARTMENTS = {
    "JXB": "县城市精细化管理办公室",
    "CGJ": "县城市管理局",
    "JJ": "县公安局交通警察大队",
    "GAJ": "县公安局",
    "JTJ": "县交通运输局",
    "SCJG": "县市场监督管理局",
    "ZJJ": "县住房和城乡建设局",
    "SZ": "县市政工程管理中心",
    "YL": "县园林绿化中心",
    "HW": "县环境卫生管理中心",
    "JYJ": "县教育局",
    "GJ": "县公共交通公司",
    "HWZY": "县环卫作业公司",
}


def units_create(jurisdiction: Jurisdiction) -> dict[str, Unit]:
    return {
        code: Unit.objects.create(
            jurisdiction=jurisdiction, code=code, name=name, kind=UnitKind.DEPARTMENT
        )
        for code, name in DEPARTMENTS.items()
    }


@pytest.fixture
def county(db: None) -> Jurisdiction:
    """A jurisdiction with every contract unit and the seeded standard catalog."""
    j = JurisdictionFactory()
    units_create(j)
    catalog_seed(jurisdiction=j)
    return j


@pytest.fixture
def other_county(db: None) -> Jurisdiction:
    """A second jurisdiction with the same unit codes and no catalog."""
    j = JurisdictionFactory(code="410102", name="中原区")
    units_create(j)
    return j


def workbook_edit(data: bytes, edit: Callable[[list[list[Any]]], None]) -> bytes:
    """Load the 类别 sheet as rows of values, let `edit` change them, save again."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb["类别"]
    rows: list[list[Any]] = [[c.value for c in row] for row in ws.iter_rows()]
    edit(rows)
    ws.delete_rows(1, ws.max_row)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def exported(county: Jurisdiction) -> bytes:
    return catalog_export_xlsx(jurisdiction=county)
