"""System checks of the modes: production has no superusers.

Superusers bypass every role check (`jingxi.org.roles` gives them every role), which
三员分立 forbids. In production `manage.py check` (and so `migrate`, which runs the
checks) fails while any exists, and names them; their logins are refused meanwhile
(`jingxi.web.modes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError

from jingxi.org.models import User


@register(Tags.security)
def superusers_absent_in_production(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    if settings.JINGXI_ENV != "production":
        return []
    try:
        names = list(
            User.objects.filter(is_superuser=True)
            .order_by("username")
            .values_list("username", flat=True)
        )
    except DatabaseError:  # no users table yet (before the first migrate): no superusers
        return []
    if not names:
        return []
    return [
        Error(
            f"Superuser accounts exist in production: {', '.join(names)}.",
            hint=(
                "Production has no superusers (三员分立): give each account its roles "
                "(admin, security_admin, auditor) and remove the flag, e.g. "
                'manage.py shell -c "from jingxi.org.models import User; '
                'User.objects.filter(is_superuser=True).update(is_superuser=False)".'
            ),
            id="web.E001",
        )
    ]
