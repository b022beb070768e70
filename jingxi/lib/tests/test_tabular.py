from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from jingxi.lib.tabular import ImportRejected, RowError, xlsx_read, xlsx_write


def _workbook(rows: list[list[object]], title: str = "Sheet") -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_row_error_reads_as_chinese_sentence() -> None:
    assert str(RowError(3, "时限", "格式不正确")) == "第3行「时限」：格式不正确"
    assert str(RowError(3, None, "重复")) == "第3行：重复"
    assert str(RowError(None, None, "不是 Excel 文件")) == "不是 Excel 文件"


def test_import_rejected_lists_every_error() -> None:
    exc = ImportRejected([RowError(2, "编码", "为空"), RowError(5, "名称", "过长")])
    assert str(exc) == "第2行「编码」：为空\n第5行「名称」：过长"
    assert len(exc.errors) == 2
    assert isinstance(exc, Exception)


def test_read_gives_excel_row_numbers_and_trimmed_headers() -> None:
    data = _workbook(
        [
            [" 编码 ", "名称", "时限"],
            ["0101", " 上水井盖 ", 4],
            [None, None, None],
            ["0102", "污水井盖", 2.5],
        ]
    )
    rows = xlsx_read(data, required_columns=["编码", "名称"])
    assert [r.number for r in rows] == [2, 4]
    assert rows[0].values == {"编码": "0101", "名称": "上水井盖", "时限": "4"}
    assert rows[1].get("时限") == "2.5"
    assert rows[1].get("不存在") == ""


def test_read_turns_empty_cells_into_none_and_dates_into_iso() -> None:
    data = _workbook([["a", "b"], ["", dt.datetime(2026, 5, 15)]])  # noqa: DTZ001 Excel cells carry no time zone
    (row,) = xlsx_read(data)
    assert row.values == {"a": None, "b": "2026-05-15"}


def test_read_accepts_a_path_and_a_file(tmp_path: Path) -> None:
    data = _workbook([["a"], ["x"]])
    path = tmp_path / "t.xlsx"
    path.write_bytes(data)
    assert xlsx_read(path)[0].get("a") == "x"
    assert xlsx_read(str(path))[0].get("a") == "x"
    with path.open("rb") as handle:
        assert xlsx_read(handle)[0].get("a") == "x"


def test_read_names_every_missing_column() -> None:
    data = _workbook([["编码"], ["01"]])
    with pytest.raises(ImportRejected) as info:
        xlsx_read(data, required_columns=["编码", "名称", "时限"])
    assert [e.column for e in info.value.errors] == ["名称", "时限"]
    assert "第1行「名称」：缺少必需的列" in str(info.value)


def test_read_rejects_duplicate_headers() -> None:
    data = _workbook([["编码", "编码"], ["01", "02"]])
    with pytest.raises(ImportRejected, match="列名重复"):
        xlsx_read(data)


def test_read_rejects_a_file_that_is_not_xlsx() -> None:
    with pytest.raises(ImportRejected, match="不是有效的 Excel"):
        xlsx_read(b"code,name\n01,x\n")


def test_read_rejects_a_missing_sheet_and_lists_the_sheets() -> None:
    data = _workbook([["a"]], title="类别")
    with pytest.raises(ImportRejected, match=r"找不到工作表「时限」.*类别"):
        xlsx_read(data, sheet="时限")
    assert xlsx_read(data, sheet="类别") == []


def test_write_round_trips_through_read() -> None:
    data = xlsx_write(
        [
            ("类别", ["编码", "名称", "数量"], [["0101", "上水井盖", 3], ["0102", "=1+1", None]]),
            ("说明", ["项目"], [["多行\n文字"]]),
        ]
    )
    rows = xlsx_read(data, sheet="类别")
    assert rows[0].values == {"编码": "0101", "名称": "上水井盖", "数量": "3"}
    # Text that looks like a formula stays text.
    assert rows[1].get("名称") == "=1+1"
    assert xlsx_read(data, sheet="说明")[0].get("项目") == "多行\n文字"


def test_write_styles_the_header_and_sizes_columns() -> None:
    data = xlsx_write([("类别", ["编码", "立案条件"], [["01", "很长的立案条件" * 3]])])
    ws = load_workbook(io.BytesIO(data))["类别"]
    assert ws["A1"].font.bold
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width
    assert ws.column_dimensions["B"].width <= 60
