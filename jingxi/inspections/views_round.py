"""The inspector's phone page for rounds (巡查) and the service worker that keeps it
working without signal. Both answer only to `Perm.ROUND`; everyone else gets a 404.

The page talks to the REST API of docs/inspections.md (`/api/v1/inspections/`) from
static/inspections/round.js; the service worker is served from /inspections/sw.js so
that its scope (/inspections/) covers the page.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Final, cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jingxi.catalog.choices import Urgency
from jingxi.catalog.selectors import category_pick_items
from jingxi.inspections.phone import round_today_for
from jingxi.org.models import User
from jingxi.org.roles import Perm, roles_of

#: The page sends its positions in batches of this many, or after this many seconds.
BATCH_POINTS: Final = 20
BATCH_SECONDS: Final = 30
SW_FILE: Final = Path(__file__).resolve().parent / "static" / "inspections" / "sw.js"


def _inspector(request: HttpRequest) -> User:
    """The logged-in inspector, or a 404 for any other user."""
    if not roles_of(request).may(Perm.ROUND):
        raise Http404(_("没有找到该页面"))
    return cast(User, request.user)


@require_GET
@login_required
def round_page(request: HttpRequest) -> HttpResponse:
    """Today's route on a map, the round's buttons, the report form and the sync state."""
    user = _inspector(request)
    today = round_today_for(user=user)
    if today is None or user.jurisdiction is None:
        raise Http404(_("没有找到该页面"))
    context = {
        "today": today,
        "today_json": today.as_json(),
        # The REST API the page posts to (docs/inspections.md): /api/v1/inspections/
        "api_base": reverse("api-inspection-today").removesuffix("today/"),
        "batch_points": BATCH_POINTS,
        "batch_seconds": BATCH_SECONDS,
        "length_km": f"{today.length_m / 1000:.1f}",
        "categories": category_pick_items(jurisdiction=user.jurisdiction),
        "urgencies": Urgency.choices,
        "urgency_default": Urgency.NORMAL,
    }
    return render(request, "inspections/round.html", context)


@cache
def _sw_source() -> bytes:
    return SW_FILE.read_bytes()


@require_GET
@login_required
def service_worker(request: HttpRequest) -> HttpResponse:
    """The round page's service worker, at the scope of the page."""
    _inspector(request)
    response = HttpResponse(_sw_source(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/inspections/"
    response["Cache-Control"] = "no-cache"
    return response
