"""The shell's pages: the home dashboard, the map and its GeoJSON layers, notifications."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jingxi.accounts.sessions import background
from jingxi.cases import maplayer as case_map
from jingxi.notify.models import Notification
from jingxi.notify.selectors import (
    notification_list_for,
    notification_preferences_for,
    notification_unread_count,
)
from jingxi.notify.services import (
    notification_mark_all_read,
    notification_mark_read,
    notification_preferences_set,
)
from jingxi.org.models import User
from jingxi.org.roles import Perm, roles_of
from jingxi.places import layers as map_layers
from jingxi.web import selectors
from jingxi.web.home import home_sections_for


def _user(request: HttpRequest) -> User:
    """The logged-in user (views calling this are behind login_required)."""
    return cast(User, request.user)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's work first (web/home.py), then the user's units."""
    user = _user(request)
    jurisdiction = user.jurisdiction
    roles = roles_of(request)
    context = {
        "jurisdiction": jurisdiction,
        "sections": home_sections_for(user=user, roles=roles, jurisdiction=jurisdiction)
        if jurisdiction
        else [],
        "my_units": selectors.unit_list_for_staff(user=user),
        "round_entry": roles.may(Perm.ROUND),
    }
    return render(request, "web/home.html", context)


@login_required
def map_show(request: HttpRequest) -> HttpResponse:
    roles = roles_of(request)
    if not roles.may(Perm.MAP):
        raise Http404(_("没有找到该页面"))
    context = {"jurisdiction": _user(request).jurisdiction, "cases_layer": roles.may(Perm.CASES)}
    return render(request, "web/map.html", context)


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"error": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )


@require_GET
@login_required
def map_layer(request: HttpRequest, layer: str) -> JsonResponse:
    """GeoJSON of one map layer of the user's jurisdiction: `?bbox=west,south,east,north`."""
    jurisdiction = _user(request).jurisdiction
    roles = roles_of(request)
    if jurisdiction is None or not roles.may(Perm.MAP):
        return _error(_("没有找到该图层"), 404)
    # The open cases' layer is cases' (places, below cases, knows none): offered to
    # whoever has the workbench, with the cases they may see.
    cases_layer = layer == case_map.LAYER and roles.may(Perm.CASES)
    if layer not in map_layers.LAYERS and not cases_layer:
        return _error(_("没有这个图层：%(layer)s") % {"layer": layer}, 404)
    try:
        bbox = map_layers.bbox_parse(request.GET.get("bbox"))
    except map_layers.BBoxError as exc:
        return _error(str(exc), 400)
    if cases_layer:
        collection = case_map.case_layer_for(user=_user(request), roles=roles, bbox=bbox)
    else:
        collection = map_layers.map_layer_get(jurisdiction=jurisdiction, layer=layer, bbox=bbox)
    return JsonResponse(collection, json_dumps_params={"ensure_ascii": False})


# --- notifications ------------------------------------------------------------------


@require_GET
@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """What needs action first (the badge's count), then the read and cleared, muted."""
    user = _user(request)
    pending_only = request.GET.get("pending") == "1"
    rows = notification_list_for(user=user, pending_only=pending_only)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "pending_only": pending_only,
        "unread": notification_unread_count(user=user),
    }
    return render(request, "web/notification_list.html", context)


@background  # the bell polls every minute: not use that keeps a session alive
@require_GET
@login_required
def notification_badge(request: HttpRequest) -> HttpResponse:
    """The bell's inner HTML, fetched by htmx after the page loads (keeps pages' queries)."""
    count = notification_unread_count(user=_user(request))
    return render(request, "web/_notification_bell.html", {"unread": count})


@require_POST
@login_required
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one read, then go where it points (its case) or back to the list."""
    try:
        notification_mark_read(user=_user(request), notification_id=notification_id)
    except Notification.DoesNotExist:
        raise Http404(_("没有这条通知")) from None
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("web:notification-list")


@require_POST
@login_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    n = notification_mark_all_read(user=_user(request))
    messages.success(request, _("已将 %(n)d 条通知标为已读") % {"n": n})
    return redirect("web:notification-list")


@require_http_methods(["GET", "POST"])
@login_required
def notification_preferences(request: HttpRequest) -> HttpResponse:
    """Which kinds reach the user by which medium: one's own choices only."""
    user = _user(request)
    columns, rows = notification_preferences_for(user=user)
    if request.method == "POST":
        on = set(request.POST.getlist("on"))
        choices = {
            (row.source, row.kind.name, str(cell.medium)): cell.key in on
            for row in rows
            for cell in row.cells
            if cell.available
        }
        notification_preferences_set(user=user, choices=choices)
        messages.success(request, _("通知设置已保存"))
        return redirect("web:notification-preferences")
    return render(request, "web/notification_preferences.html", {"columns": columns, "rows": rows})
