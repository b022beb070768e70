"""Background jobs of the inspections app (huey). Each job calls one service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jingxi.inspections.services import track_purge


@db_periodic_task(crontab(hour="4", minute="10"))  # type: ignore[untyped-decorator]  # huey is untyped
def track_purge_daily() -> str:
    """Every night: delete the track points of rounds past their retention, keep coverage."""
    return str(track_purge())
