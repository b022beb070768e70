"""Login lockout (django-axes): 30 minutes after 5 failures per account or 20 per address.

axes counts failed logins (`user_login_failed`, sent by Django for a wrong password
and by `views.login_code` for a wrong second-factor code) in its AccessAttempt table,
one row per user name, address and browser. This module is its configuration:

- `LockoutHandler` locks a request when, within the last `JINGXI_LOCKOUT_MINUTES`
  (30), its user name failed `JINGXI_LOCKOUT_FAILURES_PER_ACCOUNT` (5) times from
  anywhere, or its address failed `JINGXI_LOCKOUT_FAILURES_PER_ADDRESS` (20) times for
  any user names (axes alone compares one limit with both counts). 0 turns a limit off.
  Attempts made while locked are not counted, so a lock ends 30 minutes after the
  failure that set it. A successful login clears that user name's failures only, never
  its address's: logging in to one's own account must not reset a guesser's count.
- The address is `jingxi.lib.client.client_address` (AXES_CLIENT_IP_CALLABLE).
- `lockout_response` answers a locked login with the login page and a message (429).
- `LockoutBackend` is axes' backend, first in AUTHENTICATION_BACKENDS: it refuses a
  locked user name or address before any password is checked. A call of
  `authenticate()` without a request (Django's test client `login()`) is not counted:
  there is no client to count, and no door of the platform authenticates so.

Unlocking: delete the rows in the admin (安全管理员: 访问尝试), or run
`manage.py axes_reset_username NAME`, `axes_reset_ip ADDRESS`, `axes_reset` (all).

API tokens are not locked with their account: a token is issued by an administrator,
never in exchange for a password (there is no token-for-password endpoint), so no
password can be guessed through the API; refusing a locked account's token would let
anyone who types a user name five times wrongly cut off that user's API client.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

#: The failure count axes compares with its limit once either limit is reached.
_NO_LIMIT = 2**31 - 1

PENDING_LOGIN = "_jingxi_login_pending"  # see views.login_code


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def lockout_minutes() -> int:
    return max(_setting("JINGXI_LOCKOUT_MINUTES", 30), 1)


def cool_off(request: HttpRequest | None = None) -> dt.timedelta:
    """AXES_COOLOFF_TIME: how long a lock lasts, and how far back failures count."""
    return dt.timedelta(minutes=lockout_minutes())


def failure_limit(request: HttpRequest | None = None, credentials: Any = None) -> int:
    """AXES_FAILURE_LIMIT: the per-account limit (what `get_failures` is measured in)."""
    per_account = _setting("JINGXI_LOCKOUT_FAILURES_PER_ACCOUNT", 5)
    return per_account if per_account > 0 else _NO_LIMIT


def _failures(attempts: QuerySet[AccessAttempt]) -> int:
    return int(attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0)


class LockoutHandler(AxesDatabaseHandler):  # type: ignore[misc]  # axes is untyped
    """axes' database handler, with separate limits per account and per address."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        by_account = _failures(recent.filter(username=username)) if username else 0
        per_address = _setting("JINGXI_LOCKOUT_FAILURES_PER_ADDRESS", 20)
        limit = failure_limit(request, credentials)
        if by_account >= limit:
            return limit
        if per_address > 0 and _failures(recent.filter(ip_address=request.axes_ip_address)) >= (
            per_address
        ):
            return limit
        return by_account

    def reset_user_attempts(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """After a successful login: forget the user name's failures, not the address's."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count: int = AccessAttempt.objects.filter(username=username).delete()[0]
        return count


class LockoutBackend(AxesStandaloneBackend):  # type: ignore[misc]  # axes is untyped
    """axes' lockout check, first of the authentication backends."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None  # the test client's login(): no client, nothing to count
        super().authenticate(request, username, password, **kwargs)
        return None


def lockout_message() -> str:
    return _(
        "该账号或本机地址登录失败次数过多，已被锁定 %(minutes)d 分钟。"
        "请稍后再试，或联系安全管理员解锁。"
    ) % {"minutes": lockout_minutes()}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page, saying the login is locked (429)."""
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(PENDING_LOGIN, None)  # a second-factor step in progress ends too
    username = get_client_username(request, credentials) or ""
    form = AuthenticationForm(request, initial={"username": username})
    context = {"form": form, "lockout_message": lockout_message(), "next": ""}
    return render(request, "web/login.html", context, status=429)
