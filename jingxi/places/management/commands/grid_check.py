"""`manage.py grid_check --jurisdiction 410122`: print the grid quality report.

Exits 1 when the report lists problems, so it can guard an import in a script.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jingxi.org.models import Jurisdiction
from jingxi.places.quality import AreaIssue, GridQualityReport, OverlapIssue, grid_quality_check

LEVELS = {"township": "乡镇/街道", "community": "社区/村", "grid": "网格"}


def _area(issue: AreaIssue) -> str:
    parent = f" ⊄ {issue.parent_code}" if issue.parent_code else ""
    name = f" {issue.name}" if issue.name != issue.code else ""
    return (
        f"  {LEVELS[issue.level]} {issue.code}{name}{parent}: {issue.area_m2:,.1f} m²"
        f"  @ {issue.lng:.6f},{issue.lat:.6f}"
    )


def _overlap(issue: OverlapIssue) -> str:
    return (
        f"  {LEVELS[issue.level]} {issue.code_a} ∩ {issue.code_b}: {issue.area_m2:,.1f} m²"
        f"  @ {issue.lng:.6f},{issue.lat:.6f}"
    )


def report_lines(report: GridQualityReport) -> list[str]:
    lines = [
        _("网格数据质量检查：%(name)s（%(code)s），地理数据版本 %(v)d，容差 %(tol)s m²")
        % {
            "name": report.jurisdiction_name,
            "code": report.jurisdiction_code,
            "v": report.geo_version,
            "tol": report.tolerance_m2,
        }
    ]
    sections: list[tuple[str, list[str]]] = [
        (_("社区内未被网格覆盖的缝隙"), [_area(i) for i in report.community_gaps]),
        (_("乡镇/街道内未被社区覆盖的缝隙"), [_area(i) for i in report.township_gaps]),
        (_("网格重叠"), [_overlap(i) for i in report.grid_overlaps]),
        (_("社区重叠"), [_overlap(i) for i in report.community_overlaps]),
        (_("乡镇/街道重叠"), [_overlap(i) for i in report.township_overlaps]),
        (_("网格越出所属社区"), [_area(i) for i in report.grids_outside]),
        (_("社区越出所属乡镇/街道"), [_area(i) for i in report.communities_outside]),
        (
            _("无效图形"),
            [f"  {LEVELS[i.level]} {i.code}: {i.reason}" for i in report.invalid],
        ),
    ]
    for title, items in sections:
        if items:
            lines.append(f"{title}（{len(items)}）")
            lines.extend(items)
    lines.append(report.summary())
    return lines


class Command(BaseCommand):
    help = "检查网格数据：缝隙、重叠、越界（无缝拼接）。发现问题时退出码为 1。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--jurisdiction", required=True, help="辖区行政区划代码，如 410122")
        parser.add_argument(
            "--tolerance", type=float, default=1.0, help="忽略小于此面积（平方米）的缝隙和重叠"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["jurisdiction"]
        jurisdiction = Jurisdiction.objects.filter(code=code).first()
        if jurisdiction is None:
            raise CommandError(_("辖区 %(code)s 不存在") % {"code": code})
        report = grid_quality_check(jurisdiction=jurisdiction, tolerance_m2=options["tolerance"])
        for line in report_lines(report)[:-1]:
            self.stdout.write(line)
        if report.ok:
            self.stdout.write(self.style.SUCCESS(report.summary()))
            return
        raise CommandError(report.summary(), returncode=1)
