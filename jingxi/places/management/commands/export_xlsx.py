"""Export units, staff or road chiefs as the XLSX file `import_xlsx` reads."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jingxi.org.imports import calendar_days_export_xlsx, staff_export_xlsx, units_export_xlsx
from jingxi.places.chiefs_xlsx import road_chiefs_export_xlsx
from jingxi.places.management.commands.import_xlsx import KINDS, jurisdiction_get


def exporters() -> dict[str, Callable[..., bytes]]:
    return {
        "units": units_export_xlsx,
        "calendar_days": calendar_days_export_xlsx,
        "staff": staff_export_xlsx,
        "road_chiefs": road_chiefs_export_xlsx,
    }


class Command(BaseCommand):
    help = "导出 XLSX（与 import_xlsx 读取的格式相同）到文件或标准输出"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", required=True, choices=KINDS)
        parser.add_argument("--jurisdiction", required=True, help="辖区行政区划代码，如 410122")
        parser.add_argument("-o", "--output", help="输出文件路径；省略则写到标准输出（二进制）")

    def handle(self, *args: Any, **options: Any) -> None:
        jurisdiction = jurisdiction_get(options["jurisdiction"])
        data = exporters()[options["kind"]](jurisdiction=jurisdiction)
        if options["output"]:
            path = Path(options["output"])
            try:
                path.write_bytes(data)
            except OSError as exc:
                raise CommandError(
                    _("无法写入 %(path)s：%(e)s") % {"path": path, "e": exc}
                ) from exc
            self.stderr.write(_("%(n)d 字节 → %(path)s") % {"n": len(data), "path": path})
        else:
            out = getattr(self.stdout, "_out", sys.stdout)
            buffer = getattr(out, "buffer", None)
            if buffer is None:
                raise CommandError(_("标准输出不接受二进制数据，请用 -o 指定输出文件"))
            buffer.write(data)
            buffer.flush()
