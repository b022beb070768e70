"""`manage.py check` findings of the audit work, in production mode only: a retention
period below the minimum, and users who hold two administrator roles (三员分立)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.db import DatabaseError

from jingxi.audit.services import DEFAULT_RETENTION_DAYS, PRODUCTION_MIN_RETENTION_DAYS


def _production() -> bool:
    return getattr(settings, "JINGXI_ENV", "") == "production"


@checks.register(checks.Tags.security)
def audit_retention_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    days = int(getattr(settings, "JINGXI_AUDIT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))
    if _production() and days < PRODUCTION_MIN_RETENTION_DAYS:
        return [
            checks.Error(
                f"JINGXI_AUDIT_RETENTION_DAYS is {days}: production keeps the audit trail "
                f"at least {PRODUCTION_MIN_RETENTION_DAYS} days (the purge uses "
                f"{PRODUCTION_MIN_RETENTION_DAYS})",
                id="audit.E001",
            )
        ]
    return []


@checks.register(checks.Tags.security)
def separation_of_duties_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Users holding two of the three administrator roles, in production (reads the
    database; before the first migration there is nothing to report)."""
    if not _production():
        return []
    from jingxi.org.duties import separation_violations

    try:
        violations = separation_violations()
    except DatabaseError:  # tables not there yet (`migrate` runs the checks first)
        return []
    return [
        checks.Error(
            f"user {v.username!r} (id {v.user_id}) holds {', '.join(sorted(v.roles))}: "
            "in production no one holds two of the administrator roles (三员分立)",
            hint="Remove all but one of these memberships in the admin (安全管理员).",
            id="audit.E002",
        )
        for v in violations
    ]
