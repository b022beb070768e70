from typing import Any

from django.conf import settings
from django.http import HttpRequest


def shell(request: HttpRequest) -> dict[str, Any]:
    """What every page's layout needs: the map tile setting."""
    return {"MAP_TILE_URL": settings.MAP_TILE_URL}
