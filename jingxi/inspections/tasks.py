"""Background jobs of the inspections app (huey). Each job calls one service."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jingxi.inspections.notifications import gap_notices_record
from jingxi.inspections.routes import plan_make_all
from jingxi.inspections.services import track_purge


@db_periodic_task(crontab(hour="20", minute="0"))  # type: ignore[untyped-decorator]  # huey is untyped
def plan_tomorrow() -> int:
    """Every evening at 20:00: plan tomorrow's inspection and routes; returns the plans made."""
    day = timezone.localdate() + dt.timedelta(days=1)
    return len(plan_make_all(day=day, reason="每日自动生成"))


@db_periodic_task(crontab(hour="4", minute="10"))  # type: ignore[untyped-decorator]  # huey is untyped
def track_purge_daily() -> str:
    """Every night: delete the track points of rounds past their retention, keep coverage."""
    return str(track_purge())


# Hourly, since huey's crontab reads UTC: the service records once, from 08:00 local time.
@db_periodic_task(crontab(minute="0"))  # type: ignore[untyped-decorator]  # huey is untyped
def gap_notice_daily() -> int:
    """From 08:00 local time: yesterday's gap list, told to each jurisdiction's dispatchers."""
    return gap_notices_record()
