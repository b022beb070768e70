"""The shell's pages: the home dashboard, the map and its GeoJSON layers."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jingxi.org.models import User
from jingxi.web import map_layers, selectors


def _user(request: HttpRequest) -> User:
    """The logged-in user (views calling this are behind login_required)."""
    return cast(User, request.user)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    jurisdiction = user.jurisdiction
    context = {
        "jurisdiction": jurisdiction,
        "counts": selectors.jurisdiction_counts(jurisdiction=jurisdiction) if jurisdiction else [],
        "my_roads": selectors.road_list_for_chief(user=user),
        "my_units": selectors.unit_list_for_staff(user=user),
    }
    return render(request, "web/home.html", context)


@login_required
def map_show(request: HttpRequest) -> HttpResponse:
    return render(request, "web/map.html", {"jurisdiction": _user(request).jurisdiction})


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"error": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )


@require_GET
@login_required
def map_layer(request: HttpRequest, layer: str) -> JsonResponse:
    """GeoJSON of one map layer of the user's jurisdiction: `?bbox=west,south,east,north`."""
    jurisdiction = _user(request).jurisdiction
    if jurisdiction is None:
        return _error(_("您的账号尚未关联辖区"), 403)
    if layer not in map_layers.LAYERS:
        return _error(_("没有这个图层：%(layer)s") % {"layer": layer}, 404)
    try:
        bbox = map_layers.bbox_parse(request.GET.get("bbox"))
    except map_layers.BBoxError as exc:
        return _error(str(exc), 400)
    collection = map_layers.map_layer_get(jurisdiction=jurisdiction, layer=layer, bbox=bbox)
    return JsonResponse(collection, json_dumps_params={"ensure_ascii": False})
