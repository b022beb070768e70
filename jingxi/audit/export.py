"""The auditor's export of the trail (XLSX or CSV), itself recorded in the trail."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jingxi.audit.choices import AuditKind
from jingxi.audit.models import AuditEntry
from jingxi.audit.selectors import AuditFilter, audit_entry_list_for
from jingxi.audit.services import audit_record
from jingxi.lib.tabular import xlsx_write

#: Rows in one export; a larger selection is refused with a message to narrow it.
EXPORT_MAX_ROWS: Final = 100_000
XLSX_CONTENT_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ExportTooLarge(ValueError):
    pass


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    body: bytes


def _headers() -> list[str]:
    return [
        _("编号"),
        _("时间"),
        _("类型"),
        _("用户ID"),
        _("用户名"),
        _("辖区ID"),
        _("来源地址"),
        _("对象类型"),
        _("对象ID"),
        _("对象"),
        _("详情"),
        _("前一条的哈希"),
        _("哈希"),
    ]


def _rows(entries: QuerySet[AuditEntry]) -> list[Sequence[Any]]:
    labels = dict(AuditKind.choices)
    local = timezone.get_current_timezone()
    return [
        (
            e.id,
            e.at.astimezone(local).strftime("%Y-%m-%d %H:%M:%S.%f"),
            str(labels.get(e.kind, e.kind)),
            e.user_id if e.user_id is not None else "",
            e.username,
            e.jurisdiction_id if e.jurisdiction_id is not None else "",
            e.client_address,
            e.subject_type,
            e.subject_id,
            e.subject_label,
            json.dumps(e.details, ensure_ascii=False, sort_keys=True),
            e.prev_hash,
            e.hash,
        )
        for e in entries.order_by("id")
    ]


def _csv_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(rows: list[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(_headers())
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode()  # the BOM makes Excel read UTF-8


def audit_export(*, user: Any, filters: AuditFilter, fmt: str, client_address: str) -> ExportFile:
    """The entries `user` may read under `filters` as one file; the export is recorded
    (after the rows are read, so it is not in its own file). Raises `DoesNotExist` for
    anyone but an auditor and `ExportTooLarge` past `EXPORT_MAX_ROWS` rows."""
    entries = audit_entry_list_for(user=user, filters=filters)
    count = entries.count()
    if count > EXPORT_MAX_ROWS:
        raise ExportTooLarge(
            _("所选记录共 %(n)d 条，超过单次导出上限 %(max)d 条，请缩小日期范围或类型后再导出")
            % {"n": count, "max": EXPORT_MAX_ROWS}
        )
    rows = _rows(entries)
    if fmt == "csv":
        body, content_type = _csv(rows), "text/csv; charset=utf-8"
    else:
        body = xlsx_write([(_("审计记录"), _headers(), rows)])
        content_type = XLSX_CONTENT_TYPE
    audit_record(
        kind=AuditKind.AUDIT_EXPORTED,
        actor=user,
        client_address=client_address,
        details={
            "format": fmt,
            "filters": filters.as_details(),
            "rows": len(rows),
            "first_id": rows[0][0] if rows else None,
            "last_id": rows[-1][0] if rows else None,
        },
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    return ExportFile(f"audit-{stamp}.{fmt}", content_type, body)
