"""Password expiry: a password older than `JINGXI_PASSWORD_MAX_AGE_DAYS` must be changed.

0 days turns expiry off (the default in demo mode, where every visitor shares the
published demo logins: one visitor's forced change would lock the others out). A
password's age counts from `User.password_changed_at`, stamped by `User.set_password`;
a user without it (made by Django's `create_user`, or written in bulk like the demo's
staff, whose password was hashed directly) has had the password since the account was
made (`date_joined`).

An expired password still logs in; then every page sends the user to the change page
first (`middleware.IdentityMiddleware`), and API token requests are refused with a
JSON 403 (`authentication.token_refusal`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from jingxi.org.models import User


def password_max_age() -> dt.timedelta | None:
    """How long a password lasts; None when expiry is off."""
    days = int(getattr(settings, "JINGXI_PASSWORD_MAX_AGE_DAYS", 90))
    return dt.timedelta(days=days) if days > 0 else None


def password_set_at(*, user: User) -> dt.datetime:
    """When the user's password was set (or the account made, if not since)."""
    return user.password_changed_at or user.date_joined


def password_expires_at(*, user: User) -> dt.datetime | None:
    """When the user's password expires; None when it never does."""
    max_age = password_max_age()
    if max_age is None:
        return None
    return password_set_at(user=user) + max_age


def password_expired(*, user: User, now: dt.datetime | None = None) -> bool:
    expires_at = password_expires_at(user=user)
    return expires_at is not None and (now or timezone.now()) >= expires_at
