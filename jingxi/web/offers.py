"""What apps above the shell offer it, registered from their `AppConfig.ready()`.

The shell (`web`) shows the demo county's logins on the login page and in `manage.py
serve`, and production refuses the demo's published password; but the shell does not
import the demo app (dependencies point down, ARCHITECTURE.md). The demo registers its
logins and its password here instead, so the shell works the same whether or not an
app offers anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class LoginOffer:
    """A login shown to visitors: the role it shows, its username, password and unit."""

    role_label: str
    username: str
    password: str
    unit_name: str


LoginSource = Callable[[], Sequence[LoginOffer]]

_login_sources: list[LoginSource] = []
_public_passwords: set[str] = set()


def login_source_register(source: LoginSource) -> None:
    """Offer the logins `source()` returns (called at each read: labels follow the language)."""
    if source not in _login_sources:
        _login_sources.append(source)


def public_password_register(password: str) -> None:
    """A password published to everyone (in the README, on the login page): production
    refuses logins that still use it (`jingxi.web.modes`)."""
    _public_passwords.add(password)


def login_offer_list() -> list[LoginOffer]:
    """Every registered source's logins, in registration order."""
    return [offer for source in _login_sources for offer in source()]


def password_is_public(password: str | None) -> bool:
    return password is not None and password in _public_passwords
