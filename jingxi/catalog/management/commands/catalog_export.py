from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jingxi.catalog.management.commands.catalog_seed import jurisdiction_get
from jingxi.catalog.services import catalog_export_xlsx


class Command(BaseCommand):
    help = "Write a jurisdiction's category catalog to an XLSX file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--jurisdiction", required=True, help="GB/T 2260 code, e.g. 410122")
        parser.add_argument("--output", "-o", required=True, help="path of the .xlsx to write")

    def handle(self, *args: Any, **options: Any) -> None:
        jurisdiction = jurisdiction_get(options["jurisdiction"])
        path = Path(options["output"])
        if not path.parent.is_dir():
            raise CommandError(_("目录不存在：%(p)s") % {"p": path.parent})
        path.write_bytes(catalog_export_xlsx(jurisdiction=jurisdiction))
        self.stdout.write(_("已导出 %(j)s 的类别到 %(p)s") % {"j": jurisdiction, "p": path})
