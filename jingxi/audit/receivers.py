"""Security events that happen inside Django and django-axes, recorded as they happen.

Logins, failed logins and logouts come from Django's auth signals (every login door
sends them: the login page, the admin, `Client.login`); lockouts from django-axes'
`user_locked_out`, connected only when axes is installed. These receivers only record:
they decide nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest

from jingxi.audit.choices import AuditKind
from jingxi.audit.requests import client_address
from jingxi.audit.services import audit_record


def _account(username: str) -> Any:
    """The account a username names, if any (a failed login's subject)."""
    if not username:
        return None
    model = get_user_model()
    return model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    audit_record(
        kind=AuditKind.LOGIN_SUCCEEDED,
        actor=user,
        client_address=client_address(request),
        subject=user,
    )


def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        return  # logging out without a session
    audit_record(
        kind=AuditKind.LOGGED_OUT,
        actor=user,
        client_address=client_address(request),
        subject=user,
    )


def _failed_or_locked(
    kind: AuditKind, *, request: HttpRequest | None, username: str, address: str
) -> None:
    account = _account(username)
    audit_record(
        kind=kind,
        actor=None,
        client_address=address,
        username=username,
        subject=account,
        jurisdiction_id=getattr(account, "jurisdiction_id", None),
        details={"username": username, "account_exists": account is not None},
    )


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """The username tried is recorded; the password never (Django has already masked it
    in `credentials`, and it is not read here)."""
    model = get_user_model()
    username = str(credentials.get(model.USERNAME_FIELD) or credentials.get("username") or "")
    _failed_or_locked(
        AuditKind.LOGIN_FAILED,
        request=request,
        username=username[:150],
        address=client_address(request),
    )


def on_locked_out(
    sender: Any,
    request: HttpRequest | None = None,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    """django-axes refused a login (at the lockout and at every try during it); axes
    reads the address behind proxies itself."""
    _failed_or_locked(
        AuditKind.LOCKED_OUT,
        request=request,
        username=(username or "")[:150],
        address=ip_address or client_address(request),
    )


def on_password_changed(
    sender: Any, user: Any, request: HttpRequest | None = None, by: Any = None, **kwargs: Any
) -> None:
    """`org.signals.password_changed`: by the user, an administrator or a command."""
    audit_record(
        kind=AuditKind.PASSWORD_CHANGED,
        actor=by,
        client_address=client_address(request),
        subject=user,
        details={"by_self": by is not None and getattr(by, "pk", None) == user.pk},
    )


def on_second_factor_added(
    sender: Any, user: Any, request: HttpRequest | None = None, **kwargs: Any
) -> None:
    audit_record(
        kind=AuditKind.SECOND_FACTOR_ADDED,
        actor=user,
        client_address=client_address(request),
        subject=user,
    )


def on_second_factor_removed(
    sender: Any, user: Any, request: HttpRequest | None = None, by: Any = None, **kwargs: Any
) -> None:
    audit_record(
        kind=AuditKind.SECOND_FACTOR_REMOVED,
        actor=by,
        client_address=client_address(request),
        subject=user,
        details={"by_self": by is not None and getattr(by, "pk", None) == user.pk},
    )
