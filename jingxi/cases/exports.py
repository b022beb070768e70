"""The case list as a spreadsheet (台账): the cases of a work queue, as the viewer may see them.

The rows come from `queues.case_queue_for` (so from `access.case_list_for`: never a case
the viewer may not see), at most `EXPORT_LIMIT` of them; personal data is written as the
viewer's `Masking` (`org.privacy`) shows it, as on the case pages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, Final
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jingxi.cases.models import Case
from jingxi.lib.tabular import xlsx_write
from jingxi.org.models import Jurisdiction
from jingxi.org.privacy import Masking

XLSX_CONTENT_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The most rows one export holds: a queue's worth, not the whole county's archive.
EXPORT_LIMIT: Final = 5000


def _local(moment: dt.datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def _headers() -> list[str]:
    return [
        _("案卷编号"),
        _("来源"),
        _("类别"),
        _("问题描述"),
        _("地址"),
        _("乡镇/街道"),
        _("道路"),
        _("状态"),
        _("责任单位"),
        _("反映人姓名"),
        _("反映人电话"),
        _("上报时间"),
        _("处置时限"),
        _("结案时间"),
    ]


def _rows(cases: Sequence[Case], masking: Masking, tz: ZoneInfo) -> Iterator[list[Any]]:
    for case in cases:
        shown = masking.about(name=case.reporter_name, phone=case.reporter_phone)
        yield [
            case.number,
            case.get_source_display(),
            case.category.name,
            shown.text(case.description),
            shown.text(case.address),
            case.township.name if case.township is not None else "",
            case.road.name if case.road is not None else "",
            case.get_status_display(),
            case.unit.name if case.unit is not None else "",
            shown.name(case.reporter_name),
            shown.phone(case.reporter_phone),
            _local(case.reported_at, tz),
            _local(case.deadline, tz),
            _local(case.closed_at, tz),
        ]


def case_export_xlsx(
    *, cases: QuerySet[Case], jurisdiction: Jurisdiction, masking: Masking
) -> bytes:
    """The first `EXPORT_LIMIT` of `cases` (already the viewer's, filtered and ordered) as
    an XLSX workbook of one sheet, read in one query."""
    rows = list(cases.select_related("category", "township", "road", "unit")[:EXPORT_LIMIT])
    tz = ZoneInfo(jurisdiction.time_zone)
    return xlsx_write([(_("案卷"), _headers(), _rows(rows, masking, tz))])
