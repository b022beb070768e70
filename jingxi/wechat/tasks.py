"""Background jobs of the wechat app (huey). Each job calls one service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from jingxi.wechat.media import media_fetch_due
from jingxi.wechat.services import conversation_prune


@db_periodic_task(crontab(hour="3", minute="30"))  # type: ignore[untyped-decorator]  # huey is untyped
def conversation_prune_daily() -> tuple[int, int]:
    """Daily at 03:30: forget silent followers and old handled-message records."""
    return conversation_prune()


@db_periodic_task(crontab(minute="*"))  # type: ignore[untyped-decorator]  # huey is untyped
def media_fetch_periodic() -> int:
    """Every minute: fetch citizens' photos waiting at WeChat (none without the AppSecret)."""
    return media_fetch_due().fetched
