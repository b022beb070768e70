"""Login (password, then a code when the user has a second factor), the password
change page, and the second-factor pages. Thin: the rules live in `passwords`,
`totp`, `lockout` and `sessions`."""

from __future__ import annotations

import time
from typing import Any, cast

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import login, user_login_failed
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.views import LoginView, PasswordChangeView, redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from jingxi.accounts.authentication import second_factor_enforced
from jingxi.accounts.forms import CodeForm
from jingxi.accounts.lockout import PENDING_LOGIN, lockout_response
from jingxi.accounts.passwords import (
    password_expired,
    password_expires_at,
    password_max_age,
    password_set_at,
)
from jingxi.accounts.totp import (
    totp_device_for,
    totp_enrol_confirm,
    totp_enrol_start,
    totp_qr_svg,
    totp_remove,
    totp_secret,
    totp_verify,
)
from jingxi.org import signals
from jingxi.org.models import User
from jingxi.org.roles import SECOND_FACTOR_ROLES, roles_of

#: Seconds between a correct password and its code before the login starts over.
PENDING_SECONDS = 300


def _safe_next(request: HttpRequest, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


# --- login ----------------------------------------------------------------------------


class JingxiLoginView(LoginView):
    """Django's login page; a user with a second factor is asked for a code next."""

    template_name = "web/login.html"

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if totp_device_for(user=user) is None:
            return super().form_valid(form)
        self.request.session[PENDING_LOGIN] = {
            "user": user.pk,
            "backend": getattr(user, "backend", ""),
            "at": time.time(),
            "next": self.get_redirect_url(),
        }
        return redirect("accounts:login-code")


def _pending(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    """The user whose password was right and whose code is awaited, if still in time."""
    pending = request.session.get(PENDING_LOGIN)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > (
        PENDING_SECONDS
    ):
        request.session.pop(PENDING_LOGIN, None)
        return None
    user_id = pending.get("user")
    if not isinstance(user_id, int):
        request.session.pop(PENDING_LOGIN, None)
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        request.session.pop(PENDING_LOGIN, None)
        return None
    return user, pending


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_code(request: HttpRequest) -> HttpResponse:
    """The login's second step: the code from the user's authenticator app."""
    found = _pending(request)
    if found is None:
        messages.info(request, _("请输入用户名和密码登录。"))
        return redirect("login")
    user, pending = found
    credentials = {"username": user.get_username()}
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if AxesProxyHandler.is_locked(request, credentials):
            return lockout_response(request, None, credentials)
        valid = form.is_valid()
        device = totp_verify(user=user, code=form.cleaned_data["code"]) if valid else None
        if device is not None:
            del request.session[PENDING_LOGIN]
            user.otp_device = device  # type: ignore[attr-defined]  # django-otp keeps it
            login(request, user, backend=pending.get("backend") or None)
            return HttpResponseRedirect(
                _safe_next(request, pending.get("next")) or resolve_url("web:home")
            )
        # A wrong code counts as a failed login: lockout and the audit trail see it.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if valid:
            form.add_error("code", _("动态口令不正确或已使用过，请输入验证器上当前显示的口令。"))
    return render(request, "accounts/login_code.html", {"form": form, "username": user})


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin site's own login would skip the second factor: use the one login page.
    A logged-in user sent here may not use the admin site: 403."""
    if request.user.is_authenticated:
        raise PermissionDenied(_("您没有权限访问管理后台。"))
    next_url = _safe_next(request, request.GET.get("next")) or reverse("admin:index")
    return redirect_to_login(next_url, login_url=resolve_url("login"))


# --- the account's security page, and the password --------------------------------------


@login_required
def security(request: HttpRequest) -> HttpResponse:
    """账号安全: the password's age and the second factor."""
    user = _user(request)
    context = {
        "changed_at": password_set_at(user=user),
        "expires_at": password_expires_at(user=user),
        "device": totp_device_for(user=user),
        "second_factor_required": second_factor_enforced()
        and roles_of(request).has_any(SECOND_FACTOR_ROLES),
        "remove_form": CodeForm(),
    }
    return render(request, "accounts/security.html", context)


class JingxiPasswordChangeView(PasswordChangeView):
    """Change one's password (Django's form: the current one, the new one twice)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:security")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = _user(self.request)
        age = password_max_age()
        context.update(
            expired=password_expired(user=user),
            max_age_days=age.days if age else 0,
            next=self._next(),
        )
        return context

    def _next(self) -> str:
        return _safe_next(
            self.request, self.request.POST.get("next") or self.request.GET.get("next")
        )

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        user = _user(self.request)
        signals.password_changed.send(sender=User, user=user, request=self.request, by=user)
        messages.success(self.request, _("密码已修改。"))
        return HttpResponseRedirect(self._next()) if self._next() else response


# --- the second factor -------------------------------------------------------------------


@never_cache
@login_required
def totp_enrol(request: HttpRequest) -> HttpResponse:
    """Bind an authenticator app: scan the QR code (or type the key), confirm a code."""
    user = _user(request)
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if totp_device_for(user=user) is not None:
        messages.info(request, _("已启用动态口令。如需更换手机，请先移除原有的动态口令。"))
        return redirect("accounts:security")
    device = totp_enrol_start(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = totp_enrol_confirm(user=user, code=form.cleaned_data["code"], request=request)
        if confirmed is not None:
            otp_login(request, confirmed)  # this session has given a code
            messages.success(request, _("动态口令已启用，今后登录时需输入验证器上的口令。"))
            return HttpResponseRedirect(next_url or reverse("accounts:security"))
        form.add_error("code", _("口令不正确，请检查手机时间并输入当前显示的口令。"))
    context = {
        "form": form,
        "qr_svg": totp_qr_svg(device),
        "secret": totp_secret(device),
        "next": next_url,
        "required": second_factor_enforced() and roles_of(request).has_any(SECOND_FACTOR_ROLES),
    }
    return render(request, "accounts/totp_enrol.html", context)


@require_POST
@login_required
def totp_remove_view(request: HttpRequest) -> HttpResponse:
    """Remove one's own second factor, proving it with a current code."""
    form = CodeForm(request.POST)
    user = _user(request)
    if form.is_valid() and totp_remove(user=user, code=form.cleaned_data["code"], request=request):
        messages.success(request, _("动态口令已移除。"))
    else:
        messages.error(request, _("口令不正确，动态口令未移除。"))
    return redirect("accounts:security")
