from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jingxi.catalog.management.commands.catalog_seed import jurisdiction_get
from jingxi.catalog.services import catalog_import_xlsx
from jingxi.lib.tabular import ImportRejected


class Command(BaseCommand):
    help = "Upsert categories from an XLSX in the export's format; all rows or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--jurisdiction", required=True, help="GB/T 2260 code, e.g. 410122")
        parser.add_argument("path", help="the .xlsx file to import")

    def handle(self, *args: Any, **options: Any) -> None:
        jurisdiction = jurisdiction_get(options["jurisdiction"])
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(_("文件不存在：%(p)s") % {"p": path})
        try:
            summary = catalog_import_xlsx(jurisdiction=jurisdiction, source=path)
        except ImportRejected as exc:
            raise CommandError(_("导入被拒绝，未写入任何数据：\n%(e)s") % {"e": exc}) from exc
        self.stdout.write(
            _("导入完成：新增 %(c)d，更新 %(u)d，未变 %(s)d")
            % {"c": summary.created, "u": summary.updated, "s": summary.unchanged}
        )
