"""Seed the work calendar (工作日历) from the `holidays` package.

manage.py calendar_seed                                   # all, this and next year
manage.py calendar_seed --jurisdiction 410122 --year 2026
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from jingxi.org.models import CalendarDay, Jurisdiction
from jingxi.org.services import calendar_seed

MIN_YEAR = 2000
MAX_YEAR = 2100


class Command(BaseCommand):
    help = "按 holidays 软件包生成节假日与调休上班日（已有的日期不覆盖）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--jurisdiction",
            metavar="CODE",
            help="辖区行政区划代码，如 410122；省略则为全部辖区",
        )
        parser.add_argument(
            "--year",
            type=int,
            action="append",
            help="年份，可重复；省略则为今年和明年",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code: str | None = options["jurisdiction"]
        if code is None:
            jurisdictions = list(Jurisdiction.objects.order_by("code"))
            if not jurisdictions:
                raise CommandError(_("还没有任何辖区，请先创建辖区。"))
        else:
            found = Jurisdiction.objects.filter(code=code).first()
            if found is None:
                raise CommandError(
                    _("找不到行政区划代码为“%(code)s”的辖区。已有：%(known)s")
                    % {
                        "code": code,
                        "known": "、".join(
                            Jurisdiction.objects.order_by("code").values_list("code", flat=True)
                        )
                        or _("无"),
                    }
                )
            jurisdictions = [found]
        this_year = timezone.localdate().year
        years: list[int] = options["year"] or [this_year, this_year + 1]
        for year in years:
            if not MIN_YEAR <= year <= MAX_YEAR:
                raise CommandError(
                    _("年份 %(year)d 超出范围（%(min)d–%(max)d）。")
                    % {"year": year, "min": MIN_YEAR, "max": MAX_YEAR}
                )
        total = 0
        for jurisdiction in jurisdictions:
            for year in years:
                before = set(
                    CalendarDay.objects.filter(
                        jurisdiction=jurisdiction, date__year=year
                    ).values_list("pk", flat=True)
                )
                created = calendar_seed(jurisdiction=jurisdiction, year=year)
                total += created
                self.stdout.write(
                    _("%(jurisdiction)s %(year)d年：新增 %(count)d 天")
                    % {"jurisdiction": jurisdiction, "year": year, "count": created}
                )
                new_days = (
                    CalendarDay.objects.filter(jurisdiction=jurisdiction, date__year=year)
                    .exclude(pk__in=before)
                    .order_by("date")
                )
                for day in new_days:
                    self.stdout.write(
                        f"  {day.date.isoformat()} {day.get_kind_display()} {day.name}"
                    )
        self.stdout.write(self.style.SUCCESS(_("共新增 %(count)d 天。") % {"count": total}))
