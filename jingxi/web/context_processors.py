from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from jingxi.org.choices import Role
from jingxi.org.roles import roles_of
from jingxi.web.nav import nav_build


def shell(request: HttpRequest) -> dict[str, Any]:
    """What every page's layout needs: the menu, the user's roles, the map tile setting."""
    context: dict[str, Any] = {
        "MAP_TILE_URL": settings.MAP_TILE_URL,
        "MAP_TILE_ATTRIBUTION": settings.MAP_TILE_ATTRIBUTION,
        # The demo's logins on the login page, and its banner: never in production.
        "show_demo_hint": settings.JINGXI_ENV != "production",
        "demo_banner": settings.JINGXI_ENV == "demo",
        "nav_links": [],
        "user_role_labels": [],
    }
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    roles = roles_of(request)
    match = request.resolver_match
    context["nav_links"] = nav_build(roles=roles, current_view=match.view_name if match else None)
    context["user_role_labels"] = sorted(str(Role(r).label) for r in roles)
    return context
