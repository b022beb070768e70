"""API token authentication that reads the token, its user and the user's jurisdiction
in one query (DRF's reads the jurisdiction lazily, a second query on every request)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


class JurisdictionTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's, with the user's jurisdiction joined."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        try:
            token = Token.objects.select_related("user", "user__jurisdiction").get(key=key)
        except Token.DoesNotExist as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
