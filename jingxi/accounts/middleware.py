"""The identity checks every logged-in request passes, before its view runs.

In this order (`IdentityMiddleware.process_view`):

1. **Session timeouts** (`sessions.session_expiry`): past the idle or absolute limit,
   the session is logged out; a page is sent to the login page with a message, an htmx
   request gets an HX-Redirect there (so the page itself goes), the REST API goes on
   as anonymous (its own 401/403). Otherwise the use is recorded (`session_touch`),
   unless the view is a background poll (`sessions.background`).
2. **Second factor in production** (`authentication.second_factor_enforced`): a user
   holding a role of `SECOND_FACTOR_ROLES` whose session is not verified with a TOTP
   code is sent to enrolment (no device yet) or back to the login page (a device
   enrolled from another session: log in with its code); only enrolment, logout and
   the language switch stay open. The API answers a JSON 403.
3. **Expired password** (`passwords.password_expired`): every page but the change page
   (and enrolment, logout, the language switch) sends the user to the change page; the
   API answers a JSON 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from jingxi.accounts.authentication import second_factor_enforced
from jingxi.accounts.passwords import password_expired
from jingxi.accounts.sessions import Expiry, is_background, session_expiry, session_touch
from jingxi.accounts.totp import totp_device_for
from jingxi.org.models import User
from jingxi.org.roles import SECOND_FACTOR_ROLES, roles_of

API_PREFIX = "/api/"

#: Views open to a user who must still enrol a second factor.
OPEN_BEFORE_SECOND_FACTOR = frozenset({"logout", "set_language", "accounts:totp-enrol"})
#: Views open to a user whose password has expired.
OPEN_WITH_EXPIRED_PASSWORD = OPEN_BEFORE_SECOND_FACTOR | {"accounts:password-change"}


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _here(request: HttpRequest) -> str:
    """The page the user is on: the htmx request's page, else this request's path
    (for a GET; a form post's page is not worth coming back to)."""
    if _is_htmx(request):
        current = str(request.headers.get("HX-Current-URL", ""))
        if current and url_has_allowed_host_and_scheme(
            current, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            parts = urlsplit(current)
            return parts.path + (f"?{parts.query}" if parts.query else "")
        return ""
    return request.get_full_path() if request.method == "GET" else ""


def _go(request: HttpRequest, url: str) -> HttpResponse:
    """Send the browser to `url`: an HX-Redirect for htmx, a redirect for pages."""
    if _is_htmx(request):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def _go_with_next(request: HttpRequest, view_name: str) -> HttpResponse:
    here = _here(request)
    if here:
        response = redirect_to_login(here, login_url=reverse(view_name))
        return _go(request, response["Location"])
    return _go(request, reverse(view_name))


def _api_refusal(message: str, code: str) -> JsonResponse:
    return JsonResponse(
        {"error": message, "code": code}, status=403, json_dumps_params={"ensure_ascii": False}
    )


class IdentityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or not isinstance(user, User):
            return None
        expired = session_expiry(request.session)
        if expired is not None:
            return self._timed_out(request, expired)
        if not is_background(view_func):
            session_touch(request.session)
        match = request.resolver_match
        view_name = match.view_name if match else ""
        if second_factor_enforced() and view_name not in OPEN_BEFORE_SECOND_FACTOR:
            refusal = self._second_factor(request, user)
            if refusal is not None:
                return refusal
        if view_name not in OPEN_WITH_EXPIRED_PASSWORD and password_expired(user=user):
            if _is_api(request):
                return _api_refusal(
                    _("密码已过期：请先在网页上修改密码。"), code="password_expired"
                )
            return _go_with_next(request, "accounts:password-change")
        return None

    def _timed_out(self, request: HttpRequest, expired: Expiry) -> HttpResponse | None:
        here = _here(request)
        logout(request)
        if _is_api(request):
            return None  # the API answers an anonymous request itself (401/403)
        if expired is Expiry.IDLE:
            messages.warning(request, _("您已长时间未操作，为保护账号安全已自动退出，请重新登录。"))
        else:
            messages.warning(request, _("登录已超过最长有效时间，请重新登录。"))
        login_url = resolve_url("login")
        if here:
            login_url = redirect_to_login(here, login_url=login_url)["Location"]
        return _go(request, login_url)

    def _second_factor(self, request: HttpRequest, user: User) -> HttpResponse | None:
        verified = getattr(user, "is_verified", None)
        if verified is not None and verified():
            return None
        if not roles_of(request).has_any(SECOND_FACTOR_ROLES):
            return None
        if _is_api(request):
            return _api_refusal(
                _("该账号的岗位须使用动态口令：请先在网页上完成动态口令登录。"),
                code="second_factor_required",
            )
        if totp_device_for(user=user) is not None:
            # Enrolled from another session: this one has not given a code.
            logout(request)
            messages.warning(request, _("请使用动态口令重新登录。"))
            return _go(request, resolve_url("login"))
        return _go_with_next(request, "accounts:totp-enrol")
