"""`manage.py deadline_scan [--jurisdiction CODE]`: run the deadline scan now."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jingxi.cases.deadlines import deadline_scan
from jingxi.org.models import Jurisdiction


class Command(BaseCommand):
    help = "到期提醒、超期标记与超期升级（通常由后台任务每5分钟执行一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--jurisdiction", default="", help="只扫描该行政区划代码的辖区（默认全部）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        jurisdiction = None
        if options["jurisdiction"]:
            jurisdiction = Jurisdiction.objects.filter(code=options["jurisdiction"]).first()
            if jurisdiction is None:
                raise CommandError(f"没有行政区划代码为 {options['jurisdiction']} 的辖区")
        started = time.perf_counter()
        summary = deadline_scan(jurisdiction=jurisdiction)
        elapsed = time.perf_counter() - started
        self.stdout.write(f"{summary}（用时 {elapsed:.2f} 秒）")
        for step, count in sorted(summary.steps.items()):
            self.stdout.write(f"  {step}: {count}")
