"""Background jobs of the org app (huey). Each job calls one service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jingxi.org.services import calendar_seed_upcoming


@db_periodic_task(crontab(hour="3", minute="0"))  # type: ignore[untyped-decorator]  # huey is untyped
def calendar_seed_daily() -> int:
    """Daily at 03:00: seed this and next year's work calendar for every jurisdiction."""
    return calendar_seed_upcoming()
