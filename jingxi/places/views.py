"""JSON endpoints for point responsibility and geocoding, and the grid quality page.

Thin: parse, call one service or selector, render.
"""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jingxi.lib.geo import gcj02_to_wgs84
from jingxi.org.models import Jurisdiction, User
from jingxi.org.roles import Perm, roles_of
from jingxi.places.geocode import address_geocode, point_describe
from jingxi.places.quality import data_quality_for
from jingxi.places.responsibility import Crs, PointResponsibility, point_responsibility
from jingxi.places.selectors import jurisdiction_counts

MAX_QUERY_LENGTH = 200


class BadRequest(ValueError):
    pass


def _error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse(
        {"error": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def _ok(data: dict[str, Any]) -> JsonResponse:
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _jurisdiction(request: HttpRequest) -> Jurisdiction | None:
    """The user's jurisdiction, if they may look up its places (`Perm.MAP`)."""
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    if not roles_of(request).may(Perm.MAP):
        return None
    return user.jurisdiction


def _point(request: HttpRequest) -> tuple[float, float, Crs]:
    raw_lng, raw_lat = request.GET.get("lng", ""), request.GET.get("lat", "")
    if not raw_lng.strip() or not raw_lat.strip():
        raise BadRequest(_("请提供经度 lng 和纬度 lat"))
    try:
        lng, lat = float(raw_lng), float(raw_lat)
    except ValueError:
        raise BadRequest(_("经纬度必须是数字")) from None
    if not (math.isfinite(lng) and math.isfinite(lat)) or abs(lng) > 180 or abs(lat) > 90:
        raise BadRequest(_("经纬度超出有效范围（经度 ±180，纬度 ±90）"))
    crs = request.GET.get("crs", "wgs84").strip().lower() or "wgs84"
    if crs == "wgs84":
        return lng, lat, "wgs84"
    if crs == "gcj02":
        return lng, lat, "gcj02"
    raise BadRequest(_("坐标系 crs 只能是 wgs84 或 gcj02"))


def _category(request: HttpRequest) -> int | None:
    raw = request.GET.get("category", "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise BadRequest(_("问题类别 category 必须是类别编号（整数）"))
    return int(raw)


def point_responsibility_json(result: PointResponsibility) -> dict[str, Any]:
    data = asdict(result)
    data["road_chiefs"] = [
        {"user_id": user_id, "name": name, "level": level, "phone": phone}
        for user_id, name, level, phone in result.road_chiefs
    ]
    return data


def _no_jurisdiction() -> JsonResponse:
    """Places are looked up by staff of a jurisdiction only; for anyone else they do not
    exist."""
    return _error(_("没有找到该页面"), status=404)


@require_GET
@login_required
def point_responsibility_view(request: HttpRequest) -> HttpResponse:
    jurisdiction = _jurisdiction(request)
    if jurisdiction is None:
        return _no_jurisdiction()
    try:
        lng, lat, crs = _point(request)
        result = point_responsibility(
            jurisdiction=jurisdiction, lng=lng, lat=lat, crs=crs, category=_category(request)
        )
    except ValueError as exc:  # BadRequest, OutsideJurisdiction, UnknownCategory
        return _error(str(exc))
    return _ok(point_responsibility_json(result))


@require_GET
@login_required
def address_geocode_view(request: HttpRequest) -> HttpResponse:
    jurisdiction = _jurisdiction(request)
    if jurisdiction is None:
        return _no_jurisdiction()
    text = request.GET.get("q", "").strip()
    if not text:
        return _error(_("请输入要查找的地址 q"))
    if len(text) > MAX_QUERY_LENGTH:
        return _error(_("地址过长（最多 %(n)d 个字）") % {"n": MAX_QUERY_LENGTH})
    candidates = address_geocode(jurisdiction=jurisdiction, text=text)
    return _ok({"query": text, "candidates": [asdict(c) for c in candidates]})


@require_GET
@login_required
def point_describe_view(request: HttpRequest) -> HttpResponse:
    jurisdiction = _jurisdiction(request)
    if jurisdiction is None:
        return _no_jurisdiction()
    try:
        lng, lat, crs = _point(request)
        if crs == "gcj02":
            lng, lat = gcj02_to_wgs84(lng, lat)
        text = point_describe(jurisdiction=jurisdiction, lng=lng, lat=lat)
    except ValueError as exc:  # BadRequest, OutsideJurisdiction
        return _error(str(exc))
    return _ok({"text": text, "lng": lng, "lat": lat})


@require_GET
@login_required
def grid_quality_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    try:
        quality = data_quality_for(user=user)
    except PermissionDenied:
        raise Http404(_("没有找到该页面")) from None
    jurisdiction = Jurisdiction.objects.get(code=quality.grid.jurisdiction_code)
    context = {
        "quality": quality,
        "report": quality.grid,
        "network": quality.network,
        "counts": jurisdiction_counts(jurisdiction=jurisdiction),
    }
    return render(request, "places/grid_quality.html", context)
