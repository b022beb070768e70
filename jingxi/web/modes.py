"""What the mode (`settings.JINGXI_ENV`) changes at the door: production's refusals.

In production nobody logs in
- with a public password (the demo's, printed by `make run` and written in the README,
  which the demo registers in `jingxi.web.offers`): the demo logins, and every
  other account the demo county made, are refused until their password is changed with
  `manage.py changepassword`;
- as a superuser: superusers bypass every role check, so production has none (a system
  check lists them, `jingxi.web.checks`), and a session a superuser opened before the
  switch to production ends on its next request.

`ModeBackend` is the authentication backend (settings.AUTHENTICATION_BACKENDS): every
door that authenticates a password (the login page, the admin's login, any later one)
goes through it. The login forms below turn its refusal into a message that says what
to do; a door with a form of its own must mix in `RefusalMessageMixin`.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async
from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from jingxi.audit.admin_site import RolePermissionBackend
from jingxi.org.models import User
from jingxi.web.offers import password_is_public

_REFUSAL_ATTRIBUTE = "jingxi_login_refusal"


def is_production() -> bool:
    return bool(settings.JINGXI_ENV == "production")


def login_refusal(*, user: AbstractBaseUser, password: str | None) -> str | None:
    """Why `user`, who has just given the right `password`, may not log in in this mode
    (a sentence for them), or None."""
    if not is_production():
        return None
    if getattr(user, "is_superuser", False):
        return _(
            "生产环境不允许超级用户登录。请由安全管理员为该账号分配角色，并取消其超级用户身份。"
        )
    if password_is_public(password):
        return _(
            "该账号仍在使用公开的演示密码，生产环境拒绝登录。"
            "请管理员先在服务器上运行 manage.py changepassword %(username)s 修改密码。"
        ) % {"username": user.get_username()}
    return None


class ModeBackend(RolePermissionBackend):
    """Django's model backend (permissions from roles: `RolePermissionBackend`), with
    production's refusals."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            return None
        refusal = login_refusal(user=user, password=password)
        if refusal is None:
            return user
        if request is not None:
            setattr(request, _REFUSAL_ATTRIBUTE, refusal)
        # Not None: no other backend may let this login through either.
        raise PermissionDenied(refusal)

    async def aauthenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        """The same refusals for an async login (ModelBackend's has its own body)."""
        return await sync_to_async(self.authenticate)(
            request, username=username, password=password, **kwargs
        )

    def get_user(self, user_id: Any) -> User | None:
        """The user of a session: a superuser's session opened before the switch to
        production ends on its next request."""
        user = super().get_user(user_id)
        if user is not None and is_production() and getattr(user, "is_superuser", False):
            return None
        return user


class RefusalMessageMixin:
    """A login form that shows production's refusal instead of "wrong password"."""

    request: HttpRequest | None

    def get_invalid_login_error(self) -> forms.ValidationError:
        refusal = getattr(self.request, _REFUSAL_ATTRIBUTE, None)
        if refusal:
            return forms.ValidationError(refusal, code="refused_in_production")
        return super().get_invalid_login_error()  # type: ignore[misc, no-any-return]  # the form's own


class LoginForm(RefusalMessageMixin, AuthenticationForm):
    pass


class AdminLoginForm(RefusalMessageMixin, AdminAuthenticationForm):
    pass
