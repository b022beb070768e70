"""Load the demo county (中牟县, 410122) unless it is already there.

manage.py demo_load                  # scale 1: ~2,000 grids, ~300 roads, ~20,000 components
manage.py demo_load --scale 10       # ten times as much (the responsibility benchmark)
manage.py demo_load --reset          # wipe the demo jurisdiction and load it again
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from jingxi.demo.loader import demo_county_load


class Command(BaseCommand):
    help = "载入演示县（中牟县）：已载入则不做任何事；--reset 清空后重新载入。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=float, default=1.0, help="规模倍数，1 约为 2000 个网格、300 条道路"
        )
        parser.add_argument("--seed", type=int, default=2026, help="随机种子（相同种子生成相同县）")
        parser.add_argument("--reset", action="store_true", help="先清空演示辖区的全部数据")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.JINGXI_ENV == "production":
            # Its accounts share a published password, and its admin is a superuser.
            raise CommandError(_("生产环境不能载入演示县（JINGXI_ENV=production）"))
        scale: float = options["scale"]
        if not scale > 0:
            raise CommandError(_("--scale 须为正数"))
        summary = demo_county_load(scale=scale, seed=options["seed"], reset=options["reset"])
        self.stdout.write(summary.message)
        if summary.unmapped_kinds:
            self.stderr.write(
                _("以下部件类型在类别目录中找不到对应小类，未载入：%(kinds)s")
                % {"kinds": "、".join(summary.unmapped_kinds)}
            )
