"""API token authentication that reads the token's user and the user's jurisdiction in
one statement (DRF's reads the jurisdiction lazily, a second query on every request)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from jingxi.lib.prepared import fetch_one
from jingxi.lib.rows import selection
from jingxi.org.models import Jurisdiction, User


class JurisdictionTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's, with the user's jurisdiction joined."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        u, j = selection(User, "u"), selection(Jurisdiction, "j")
        quote = connection.ops.quote_name
        sql = (
            f"SELECT {u.sql}, {j.sql} FROM {quote(Token._meta.db_table)} t "  # noqa: S608 quoted table names, %s params
            f"JOIN {quote(User._meta.db_table)} u ON u.id = t.user_id "
            f"LEFT JOIN {quote(Jurisdiction._meta.db_table)} j ON j.id = u.jurisdiction_id "
            "WHERE t.key = %s"
        )
        row = fetch_one(sql, [key])
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user: User = u.instance(row)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if user.is_superuser and settings.JINGXI_ENV == "production":
            # Production has no superusers (jingxi.web.modes, jingxi.web.checks).
            raise exceptions.AuthenticationFailed(_("生产环境不允许超级用户登录。"))
        user.jurisdiction = j.instance(row, u.width)
        return (user, Token(key=key, user=user))
