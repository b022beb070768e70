"""Background jobs of the cases app (huey). Each job calls one service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jingxi.cases.deadlines import deadline_scan


@db_periodic_task(crontab(minute="*/5"))  # type: ignore[untyped-decorator]  # huey is untyped
def deadline_scan_periodic() -> str:
    """Every 5 minutes: warn, mark overdue and escalate in every jurisdiction."""
    return str(deadline_scan())
