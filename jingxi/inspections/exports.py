"""The coverage report as XLSX (through `lib.tabular`, as every export of the platform)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jingxi.inspections.reports import GROUPING_LABELS, CoverageReport, CoverageRow
from jingxi.lib.tabular import xlsx_write


def _cells(row: CoverageRow) -> list[object]:
    return [
        row.label,
        row.planned_segments,
        round(row.planned_m / 1000, 2),
        row.walked_segments,
        round(row.walked_m / 1000, 2),
        row.missed_segments,
        round(row.missed_m / 1000, 2),
        round(row.coverage_percent, 1) if row.coverage_percent is not None else None,
        round(row.all_walked_m / 1000, 2),
        row.findings,
        round(row.findings_per_km, 2) if row.findings_per_km is not None else None,
        row.duty_minutes,
    ]


def coverage_xlsx(report: CoverageReport) -> bytes:
    headers = [
        str(GROUPING_LABELS[report.grouping]),
        _("计划路段数"),
        _("计划里程（公里）"),
        _("已巡路段数"),
        _("已巡里程（公里）"),
        _("漏巡路段数"),
        _("漏巡里程（公里）"),
        _("覆盖率（%）"),
        _("实巡总里程（公里）"),
        _("发现问题数"),
        _("每公里发现问题数"),
        _("在岗时长（分钟）"),
    ]
    rows = [_cells(r) for r in [*report.rows, report.total]]
    title = _("巡查覆盖 %(start)s") % {"start": report.start.isoformat()}
    return xlsx_write([(title, headers, rows)])
