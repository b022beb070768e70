"""Retention of reporters' contact details (个人信息保护法: keep no longer than needed).

A reporter's name and phone serve the handling of their case and the call back after
it. `JINGXI_CONTACT_RETENTION_DAYS` after a case has closed (or ended: rejected, merged,
voided) both are erased by `reporter_contact_purge`, run daily by a job and by
`manage.py purge_contacts`. The case itself, its events and photos stay.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from jingxi.cases import workflow
from jingxi.cases.models import Case, CaseEvent

logger = logging.getLogger("jingxi.public")
DEFAULT_RETENTION_DAYS = 180


def contact_retention_days() -> int:
    return int(getattr(settings, "JINGXI_CONTACT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def reporter_contact_purge(*, now: dt.datetime | None = None) -> int:
    """Erase reporters' names and phones of cases closed or ended longer ago than the
    retention period; the number of cases changed. One UPDATE."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=contact_retention_days())
    ended_long_ago = Exists(
        CaseEvent.objects.filter(
            case=OuterRef("pk"),
            to_status__in=list(workflow.ENDED_WITHOUT_CASE),
            at__lt=cutoff,
        )
    )
    ended = Q(status__in=list(workflow.ENDED_WITHOUT_CASE)) & ended_long_ago
    closed = Q(status__in=list(workflow.CLOSED), closed_at__lt=cutoff)
    has_contact = ~Q(reporter_name="") | ~Q(reporter_phone="")
    count = (
        Case.objects.filter(has_contact)
        .filter(closed | ended)
        .update(reporter_name="", reporter_phone="")
    )
    if count:
        logger.info("reporter contact purged: cases=%d cutoff=%s", count, cutoff.isoformat())
    return count
