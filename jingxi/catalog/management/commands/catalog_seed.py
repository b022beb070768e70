from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jingxi.catalog.services import catalog_seed
from jingxi.org.models import Jurisdiction


def jurisdiction_get(code: str) -> Jurisdiction:
    try:
        return Jurisdiction.objects.get(code=code)
    except Jurisdiction.DoesNotExist as exc:
        raise CommandError(_("没有行政区划代码为 %(code)s 的辖区") % {"code": code}) from exc


class Command(BaseCommand):
    help = "Create the standard 部件/事件 categories a jurisdiction lacks (never overwrites)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--jurisdiction", required=True, help="GB/T 2260 code, e.g. 410122")

    def handle(self, *args: Any, **options: Any) -> None:
        jurisdiction = jurisdiction_get(options["jurisdiction"])
        created = catalog_seed(jurisdiction=jurisdiction)
        self.stdout.write(_("%(j)s：新建类别 %(n)d 个") % {"j": jurisdiction, "n": created})
