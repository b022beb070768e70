"""Background jobs of the audit app (huey). Each job calls one service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jingxi.audit.services import audit_purge


@db_periodic_task(crontab(hour="3", minute="45"))  # type: ignore[untyped-decorator]  # huey is untyped
def audit_purge_daily() -> int:
    """Daily at 03:45: delete audit entries past the retention period, keeping a checkpoint."""
    return audit_purge()
