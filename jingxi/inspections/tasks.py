"""Background jobs of the inspections app (huey). Each job calls one service."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jingxi.inspections.routes import plan_make_all


@db_periodic_task(crontab(hour="20", minute="0"))  # type: ignore[untyped-decorator]  # huey is untyped
def plan_tomorrow() -> int:
    """Every evening at 20:00: plan tomorrow's inspection and routes; returns the plans made."""
    day = timezone.localdate() + dt.timedelta(days=1)
    return len(plan_make_all(day=day, reason="每日自动生成"))
