"""What an API token may not do that a logged-in browser may: the identity rules.

A token stands for its user but carries nothing more: no second factor, and no way to
change an expired password. So `token_refusal` refuses, with a JSON 403 (DRF's
PermissionDenied, in the API's error shape):

- the token of a user whose password has expired, until they change it on the web;
- in production, the token of a user who holds a role that needs a second factor
  (`jingxi.org.roles.SECOND_FACTOR_ROLES`): they use the API through their logged-in,
  code-verified browser session instead.

Both doors that read tokens ask it: `IdentityTokenAuthentication` (DRF's
authentication) and the report endpoint's direct path (`jingxi.cases.intake`, which
steps aside to DRF when it answers, so DRF gives the 403).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authtoken.models import Token

from jingxi.accounts.passwords import password_expired
from jingxi.org.authentication import JurisdictionTokenAuthentication
from jingxi.org.models import User
from jingxi.org.roles import SECOND_FACTOR_ROLES, RoleSet, roles_for


def second_factor_enforced() -> bool:
    """Whether roles in SECOND_FACTOR_ROLES must use a second factor (production)."""
    return getattr(settings, "JINGXI_ENV", "development") == "production"


def token_refusal(
    *, user: User, roles: RoleSet | None = None
) -> exceptions.PermissionDenied | None:
    """Why `user`'s token is refused, or None. `roles`: the user's, if already read
    (read here, one query, only in production)."""
    if password_expired(user=user):
        return exceptions.PermissionDenied(
            _("密码已过期：请先登录网页修改密码，令牌才能继续使用。"), code="password_expired"
        )
    if second_factor_enforced():
        # (superusers hold every role: their names alone do not say so)
        held = roles if roles is not None and not user.is_superuser else roles_for(user=user)
        if held.has_any(SECOND_FACTOR_ROLES):
            return exceptions.PermissionDenied(
                _(
                    "该账号的岗位须使用动态口令登录，而 API 令牌无法携带第二因素："
                    "请在网页登录（输入动态口令）后以会话调用 API。"
                ),
                code="second_factor_required",
            )
    return None


class IdentityTokenAuthentication(JurisdictionTokenAuthentication):
    """`Authorization: Token <key>`, refused when `token_refusal` says so (403)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        refusal = token_refusal(user=user)
        if refusal is not None:
            raise refusal
        return user, token
