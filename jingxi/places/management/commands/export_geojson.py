"""Export one jurisdiction's places as the GeoJSON FeatureCollection `import_geojson` reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jingxi.places.exports import GEOJSON_EXPORTERS
from jingxi.places.management.commands.import_geojson import jurisdiction_get


class Command(BaseCommand):
    help = "导出 GeoJSON（与 import_geojson 读取的格式相同）到文件或标准输出"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", required=True, choices=sorted(GEOJSON_EXPORTERS))
        parser.add_argument("--jurisdiction", required=True, help="辖区行政区划代码，如 410122")
        parser.add_argument("-o", "--output", help="输出文件路径；省略则写到标准输出")

    def handle(self, *args: Any, **options: Any) -> None:
        jurisdiction = jurisdiction_get(options["jurisdiction"])
        data = GEOJSON_EXPORTERS[options["kind"]](jurisdiction=jurisdiction)
        text = json.dumps(data, ensure_ascii=False)
        if options["output"]:
            path = Path(options["output"])
            try:
                path.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(
                    _("无法写入 %(path)s：%(e)s") % {"path": path, "e": exc}
                ) from exc
            self.stderr.write(
                _("%(n)d 个要素 → %(path)s") % {"n": len(data["features"]), "path": path}
            )
        else:
            self.stdout.write(text)
