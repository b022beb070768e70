"""Background jobs of the notify app (huey). Each job calls one service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jingxi.notify.services import source_drain
from jingxi.notify.sources import sources_registered

BATCH = 1000
MAX_BATCHES = 50


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]  # huey is untyped
def outbox_drain_periodic() -> int:
    """Every minute: turn every source's new events into notifications, batch by batch."""
    total = 0
    for source in sources_registered():
        for _ in range(MAX_BATCHES):
            consumed = source_drain(source=source, batch=BATCH)
            total += consumed
            if consumed < BATCH:
                break
    return total
