"""Our own error pages: 400, 403 (and a refused CSRF token), 404 and 500.

Django's handlers are named in `config/urls.py`. Each page is in the user's language
(the language middleware has chosen it before any view runs), says what happened in
one sentence and offers a way back: the workbench for staff, the public portal for
everyone else. None lists routes or shows a traceback: with DEBUG off (the demo and
production) Django calls these instead of its technical pages.

The 500 page must render when the database or the templates' helpers are what failed,
so it reads nothing from the database and uses a layout of its own without context
processors; it finds the way back from the address alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from jingxi.org.roles import roles_of

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WayBack:
    url: str
    label: str


def _url(name: str, fallback: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def _staff_way_back() -> WayBack:
    return WayBack(_url("web:home", "/"), _("返回工作台"))


def _public_way_back() -> WayBack:
    return WayBack(_url("public:portal", "/public/"), _("返回市民服务首页"))


def _is_staff(request: HttpRequest) -> bool:
    if not hasattr(request, "user"):  # refused before authentication ran (a bad Host)
        return False
    try:
        return roles_of(request).is_staff
    except Exception:  # an error page must render even when the roles cannot be read
        logger.exception("error page: roles not readable")
        return False


def _page(
    request: HttpRequest, *, status: int, title: str, message: str, detail: str = ""
) -> HttpResponse:
    staff = _is_staff(request)
    context = {
        "status": status,
        "title": title,
        "message": message,
        "detail": detail,
        "way_back": _staff_way_back() if staff else _public_way_back(),
        "layout": "web/base.html" if staff else "public/base.html",
    }
    return render(request, "web/error.html", context, status=status)


def _detail(exception: Exception | None) -> str:
    """A refusal's own message when a view gave one in words for the user (views raise
    PermissionDenied with a translated sentence); never a technical one."""
    if exception is None or not exception.args:
        return ""
    first = exception.args[0]
    return str(first) if isinstance(first, str | Promise) else ""


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        status=400,
        title=_("请求有误"),
        message=_("无法处理这个请求：地址或提交的内容有误。请返回后重试。"),
    )


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        status=403,
        title=_("无权访问"),
        message=_("您的账号无权进行此操作或打开此页面。"),
        detail=_detail(exception),
    )


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        status=404,
        title=_("页面不存在"),
        message=_("您要找的页面不存在，或者您无权查看。请检查地址，或从首页重新进入。"),
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form whose CSRF token is missing or stale (a page left open past the session)."""
    return _page(
        request,
        status=403,
        title=_("页面已过期"),
        message=_("这个表单已过期或不是从本站页面提交的。请返回并刷新页面后重新提交。"),
    )


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    public = request.path.startswith(_url("public:portal", "/public/"))
    context = {
        "title": _("系统出错"),
        "message": _("系统处理这个请求时出错了，错误已记录。请稍后再试。"),
        "way_back": _public_way_back() if public else _staff_way_back(),
        "demo_banner": settings.JINGXI_ENV == "demo",
    }
    try:
        body = loader.get_template("web/error_500.html").render(context)
    except Exception:  # the templates themselves failed: plain words rather than nothing
        logger.exception("error page: the 500 template failed to render")
        body = f"<!doctype html><title>500</title><h1>{context['title']}</h1>"
    return HttpResponseServerError(body)
