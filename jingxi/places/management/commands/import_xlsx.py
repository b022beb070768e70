"""Import units, staff or road chiefs from an XLSX file into one jurisdiction."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jingxi.lib.tabular import ImportRejected
from jingxi.org.imports import (
    ImportSummary,
    calendar_days_import_xlsx,
    staff_import_xlsx,
    units_import_xlsx,
)
from jingxi.org.models import Jurisdiction
from jingxi.places.chiefs_xlsx import road_chiefs_import_xlsx


def importers() -> dict[str, Callable[..., ImportSummary]]:
    return {
        "units": units_import_xlsx,
        "calendar_days": calendar_days_import_xlsx,
        "staff": staff_import_xlsx,
        "road_chiefs": road_chiefs_import_xlsx,
    }


KINDS = ("units", "staff", "road_chiefs", "calendar_days")


def jurisdiction_get(code: str) -> Jurisdiction:
    try:
        return Jurisdiction.objects.get(code=code)
    except Jurisdiction.DoesNotExist as exc:
        raise CommandError(_("没有行政区划代码为 %(code)s 的辖区") % {"code": code}) from exc


class Command(BaseCommand):
    help = "导入 XLSX：单位、人员或路长（整文件原子导入）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", required=True, choices=KINDS)
        parser.add_argument("--jurisdiction", required=True, help="辖区行政区划代码，如 410122")
        parser.add_argument("file", help="XLSX 文件路径")

    def handle(self, *args: Any, **options: Any) -> None:
        jurisdiction = jurisdiction_get(options["jurisdiction"])
        path = Path(options["file"])
        try:
            source = path.read_bytes()
        except OSError as exc:
            raise CommandError(_("无法读取 %(path)s：%(e)s") % {"path": path, "e": exc}) from exc
        try:
            summary = importers()[options["kind"]](jurisdiction=jurisdiction, source=source)
        except ImportRejected as exc:
            raise CommandError(
                _("导入被拒绝，未写入任何数据：\n%(errors)s") % {"errors": exc}
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"{path.name}：{summary}"))
