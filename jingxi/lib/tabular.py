"""Read and write spreadsheets (XLSX) for imports and exports.

Generic and free of domain imports: an app reads rows with `xlsx_read`, validates
every one of them, and raises `ImportRejected` with all the `RowError`s it found,
so the person importing sees every problem at once and nothing is half-written.

Row numbers are the ones Excel shows (the header is usually row 1), so a message
such as "第3行「时限」：格式不正确" points at the cell the user must fix.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from os import PathLike
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

XlsxSource = bytes | str | PathLike[str] | IO[bytes]

# Column widths are measured in "characters" of the default font; a CJK character
# takes about two of them.
_MIN_WIDTH = 6
_MAX_WIDTH = 60


@dataclass(frozen=True)
class RowError:
    """One problem in one row (and, when known, one column) of an imported file.

    `row` is the row number Excel shows; None for a problem with the whole file.
    """

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.row is None and not self.column:
            return self.message
        where = _("第%(row)d行") % {"row": self.row} if self.row is not None else ""
        if self.column:
            where += f"「{self.column}」"
        return f"{where}：{self.message}"


class ImportRejected(ValueError):
    """An import refused as a whole, with every problem found."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors: list[RowError] = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


@dataclass(frozen=True)
class TabularRow:
    """One data row: its Excel row number and its cells by (trimmed) header."""

    number: int
    values: dict[str, str | None]

    def get(self, column: str) -> str:
        """The cell as a string, "" when empty or when the column is absent."""
        return self.values.get(column) or ""

    def error(self, column: str | None, message: str) -> RowError:
        return RowError(self.number, column, message)


def cell_text(value: Any) -> str | None:
    """A cell value as the text a user would read in Excel; None when empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _open(source: XlsxSource) -> IO[bytes] | str | PathLike[str]:
    if isinstance(source, bytes):
        return io.BytesIO(source)
    return source


def xlsx_read(
    source: XlsxSource,
    *,
    sheet: str | None = None,
    required_columns: Sequence[str] = (),
) -> list[TabularRow]:
    """Read one sheet: the first non-empty row is the header, every later row is data.

    Empty rows are skipped. Raises `ImportRejected` when the file is not an XLSX
    workbook, the sheet is missing, a header is repeated, or a required column is
    absent (one error per missing column, naming it).
    """
    try:
        workbook = load_workbook(_open(source), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportRejected(
            [RowError(None, None, _("文件不是有效的 Excel（.xlsx）文件：%(e)s") % {"e": exc})]
        ) from exc
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            raise ImportRejected(
                [
                    RowError(
                        None,
                        None,
                        _("找不到工作表「%(sheet)s」，文件中的工作表：%(names)s")
                        % {"sheet": sheet, "names": "、".join(workbook.sheetnames)},
                    )
                ]
            )
        headers: list[str | None] | None = None
        header_row = 0
        rows: list[TabularRow] = []
        for number, raw in enumerate(worksheet.iter_rows(values_only=True), start=1):
            cells = [cell_text(v) for v in raw]
            if not any(cells):
                continue
            if headers is None:
                headers, header_row = cells, number
                continue
            values: dict[str, str | None] = {}
            for index, header in enumerate(headers):
                if header:
                    values[header] = cells[index] if index < len(cells) else None
            rows.append(TabularRow(number, values))
    finally:
        workbook.close()

    errors: list[RowError] = []
    present = [h for h in headers or [] if h]
    seen: set[str] = set()
    for header in present:
        if header in seen:
            errors.append(RowError(header_row or 1, header, _("列名重复")))
        seen.add(header)
    for column in required_columns:
        if column not in seen:
            errors.append(RowError(header_row or 1, column, _("缺少必需的列")))
    if errors:
        raise ImportRejected(errors)
    return rows


def _display_width(text: str) -> int:
    longest = 0
    for line in text.splitlines() or [""]:
        width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
        longest = max(longest, width)
    return longest


def xlsx_write(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    """A workbook with one sheet per (title, headers, rows).

    Headers are bold and frozen; columns are as wide as their content (within
    bounds). Text is always stored as text, so a value starting with "=" never
    becomes a formula.
    """
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]  # a new workbook has one sheet
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for title, headers, rows in sheets:
        worksheet = workbook.create_sheet(title=title)
        widths = [_display_width(h) for h in headers]
        worksheet.append(list(headers))
        for cell in worksheet[1]:
            cell.font = bold
        for row_index, row in enumerate(rows, start=2):
            for col_index, value in enumerate(row, start=1):
                cell = worksheet.cell(row=row_index, column=col_index)
                if isinstance(value, Decimal):
                    value = float(value)
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"
                    if "\n" in value or _display_width(value) > _MAX_WIDTH:
                        cell.alignment = wrap
                if col_index > len(widths):
                    widths.append(0)
                text = cell_text(value) or ""
                widths[col_index - 1] = max(widths[col_index - 1], _display_width(text))
        for index, width in enumerate(widths, start=1):
            letter = get_column_letter(index)
            worksheet.column_dimensions[letter].width = min(max(width + 2, _MIN_WIDTH), _MAX_WIDTH)
        worksheet.freeze_panes = "A2"
    if not workbook.worksheets:
        workbook.create_sheet(title="Sheet1")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
