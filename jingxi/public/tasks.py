"""Background jobs of the public app (huey). Each job calls one service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jingxi.public.privacy import reporter_contact_purge


@db_periodic_task(crontab(hour="3", minute="30"))  # type: ignore[untyped-decorator]  # huey is untyped
def reporter_contact_purge_daily() -> int:
    """Daily at 03:30: erase reporters' contact details past the retention period."""
    return reporter_contact_purge()
