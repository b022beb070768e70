"""Idle and absolute session timeouts (等保 level 3: 登录连接超时自动退出).

A logged-in session carries two times (seconds since the epoch): when it logged in and
when it was last used. `session_expiry` says whether a session is past
`JINGXI_SESSION_IDLE_MINUTES` (30) without use or `JINGXI_SESSION_MAX_HOURS` (12) since
its login; `middleware.IdentityMiddleware` then logs it out and sends the browser to the
login page with a message (htmx requests get an HX-Redirect there).

- Every login starts both clocks (`session_start`, connected to Django's
  `user_logged_in` in `apps.py`: bookkeeping of the session like Django's own
  `last_login`, not business logic). A session without them (made before this existed)
  counts as expired.
- Use is recorded at most every `TOUCH_SECONDS` (or a quarter of the idle limit, if
  shorter), so a session is written about once a minute, not on every request; a
  session may so time out up to that much early, never late.
- Background requests (the notification bell's poll every minute) are not use: a view
  marked with `@background` does not keep its session alive, or no open page would
  ever idle out.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest

LOGIN_AT = "_jingxi_login_at"
USED_AT = "_jingxi_used_at"
TOUCH_SECONDS = 60.0

View = TypeVar("View", bound=Callable[..., Any])


class Expiry(enum.StrEnum):
    IDLE = "idle"
    ABSOLUTE = "absolute"


def idle_seconds() -> float:
    return float(getattr(settings, "JINGXI_SESSION_IDLE_MINUTES", 30)) * 60


def max_seconds() -> float:
    return float(getattr(settings, "JINGXI_SESSION_MAX_HOURS", 12)) * 3600


def session_start(sender: object, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Start a logged-in session's clocks (a `user_logged_in` receiver)."""
    session: SessionBase | None = getattr(request, "session", None)
    if session is not None:
        now = time.time()
        session[LOGIN_AT] = now
        session[USED_AT] = now


def session_expiry(session: SessionBase, *, now: float | None = None) -> Expiry | None:
    """Whether a logged-in session is past its idle or absolute limit (None: it is not)."""
    now = time.time() if now is None else now
    login_at, used_at = session.get(LOGIN_AT), session.get(USED_AT)
    if not isinstance(login_at, int | float) or not isinstance(used_at, int | float):
        return Expiry.ABSOLUTE
    if now - login_at >= max_seconds():
        return Expiry.ABSOLUTE
    if now - used_at >= idle_seconds():
        return Expiry.IDLE
    return None


def session_touch(session: SessionBase, *, now: float | None = None) -> None:
    """Record a use of the session, writing it only when the last record is old enough."""
    now = time.time() if now is None else now
    used_at = session.get(USED_AT)
    every = min(TOUCH_SECONDS, idle_seconds() / 4)
    if not isinstance(used_at, int | float) or now - used_at >= every:
        session[USED_AT] = now


def background(view: View) -> View:
    """Mark a view whose requests a page makes on its own (polls): they are not use."""
    view.jingxi_background = True  # type: ignore[attr-defined]  # read by the middleware
    return view


def is_background(view: Callable[..., Any]) -> bool:
    return bool(getattr(view, "jingxi_background", False))
