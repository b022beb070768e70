"""`manage.py inspection_plan [--day YYYY-MM-DD] [--jurisdiction CODE] [--reason ...]`:
plan a day's inspection and its walking routes now (by default tomorrow, for every
jurisdiction with someone on duty)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jingxi.inspections.models import Plan
from jingxi.inspections.routes import plan_make, plan_make_all
from jingxi.org.models import Jurisdiction


class Command(BaseCommand):
    help = "生成某日的巡查计划与巡查路线（默认明天，所有有人在岗的辖区）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", default="", help="日期 YYYY-MM-DD（默认明天）")
        parser.add_argument("--jurisdiction", default="", help="只生成该行政区划代码的辖区")
        parser.add_argument("--reason", default="命令行生成", help="记入变更记录的原因")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            day = (
                dt.date.fromisoformat(options["day"])
                if options["day"]
                else timezone.localdate() + dt.timedelta(days=1)
            )
        except ValueError as exc:
            raise CommandError(f"日期无效：{options['day']}") from exc
        started = time.perf_counter()
        plans: list[Plan]
        if options["jurisdiction"]:
            jurisdiction = Jurisdiction.objects.filter(code=options["jurisdiction"]).first()
            if jurisdiction is None:
                raise CommandError(f"没有行政区划代码为 {options['jurisdiction']} 的辖区")
            plans = [
                plan_make(jurisdiction=jurisdiction, day=day, by=None, reason=options["reason"])
            ]
        else:
            plans = plan_make_all(day=day, reason=options["reason"])
        for plan in plans:
            self.stdout.write(
                f"{plan.jurisdiction} {plan.day} 第{plan.version}版："
                f"应巡 {plan.due_m / 1000:.1f} 公里，已分配 {plan.assigned_m / 1000:.1f} 公里，"
                f"缺口 {plan.unassigned_m / 1000:.1f} 公里，路线 {plan.routes.count()} 条"
            )
        self.stdout.write(f"用时 {time.perf_counter() - started:.2f} 秒")
