"""三员分立 on the admin site: which administrator role reaches which models, and every
admin edit recorded in the audit trail with its before and after values.

- `ADMIN_MODELS` is the one table: model label → the `Perm` that reaches it. The
  system administrator (`Perm.MASTER_DATA`) reaches master data, the security
  administrator (`Perm.SECURITY`) users, memberships, API tokens, Open311 keys,
  lockouts and second-factor devices; the auditor reaches none (only /audit/). A
  model missing from the table is reachable by no one but superusers, and a test
  fails for every registered model (and inline) without a row.
- `RolePermissionBackend` answers Django's model permissions (`user.has_perm`, which
  every ModelAdmin and inline asks) from the table and the user's roles only: groups
  and per-user permissions grant nothing.
- `JingxiAdminSite` lets in the users whose roles reach at least one model; a logged-in
  user whose roles reach none gets 404, a visitor the one login page. Every ModelAdmin
  registered on it is wrapped in `AuditedAdminMixin`, so admins added later are
  audited too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.backends import ModelBackend
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse

from jingxi.audit.choices import AuditKind, ChangeAction
from jingxi.audit.requests import client_address
from jingxi.audit.services import (
    audit_change,
    audit_personal_data,
    record_snapshot,
    snapshot_from_db,
    stored_pk,
    subject_of,
)
from jingxi.org.roles import Perm, RoleSet, roles_for, roles_of

M, S = Perm.MASTER_DATA, Perm.SECURITY
_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])

#: Which administrator permission reaches each model on the admin site (inlines too).
ADMIN_MODELS: Final[Mapping[str, Perm]] = {
    # organisation and the work calendar
    "org.jurisdiction": M,
    "org.calendarday": M,
    "org.unit": M,
    "org.user": S,
    "org.membership": S,
    "auth.group": S,  # groups grant nothing (see RolePermissionBackend); kept for the record
    # the catalog and places
    "catalog.category": M,
    "catalog.timelimit": M,
    "places.township": M,
    "places.community": M,
    "places.grid": M,
    "places.road": M,
    "places.segment": M,
    "places.component": M,
    "places.landmark": M,
    "places.roadchief": M,
    "places.responsibilityrule": M,
    # channels: keys are security, what came through them and service definitions are not
    "authtoken.tokenproxy": S,
    "authtoken.token": S,
    "open311.apiclient": S,
    "open311.open311request": S,  # what each key posted: abuse investigations
    "open311.serviceattribute": M,
    "hotline.call": M,
    "hotline.callback": M,
    "wechat.conversation": M,
    "wechat.pendingmedia": M,
    "bulletins.bulletin": M,
    # daily inspection: its settings (plans and rounds are the services')
    "inspections.inspectionsettings": M,
    "inspections.routestart": M,
    "inspections.inspector": M,
    "inspections.areaassignment": M,
    "inspections.scopegrid": M,
    "inspections.frequencyrule": M,
    "inspections.dutyshift": M,
    "public.consultation": M,
    "public.consultationcomment": M,
    "public.hearing": M,
    "public.mediaexposure": M,
    "public.suggestion": M,
    "public.typicalcase": M,
    # identity (django-axes lockouts, django-otp devices), when installed
    "axes.accessattempt": S,
    "axes.accesslog": S,
    "axes.accessfailurelog": S,
    "otp_totp.totpdevice": S,
    "otp_static.staticdevice": S,
    "otp_static.statictoken": S,
}

#: Models whose admin pages show citizens' personal data unmasked: opening one is
#: recorded as `PERSONAL_DATA_VIEWED` with these fields.
PERSONAL_DATA_MODELS: Final[Mapping[str, tuple[str, ...]]] = {
    "hotline.call": ("caller_name", "caller_phone"),
    "public.suggestion": ("contact_name", "contact_phone"),
    "public.consultation": ("comments.name",),
    "open311.open311request": ("email", "device_id", "account_id", "remote_addr"),
    "wechat.conversation": ("openid",),
}

ADMIN_ACTIONS: Final = ("add", "change", "delete", "view")


def admin_perm_for(label: str) -> Perm | None:
    return ADMIN_MODELS.get(label)


def admin_permissions_for(roles: RoleSet) -> set[str]:
    """Django permission names ("app.change_model") the roles grant on the admin site."""
    names: set[str] = set()
    for label, perm in ADMIN_MODELS.items():
        if roles.may(perm):
            app_label, model_name = label.split(".")
            names.update(f"{app_label}.{action}_{model_name}" for action in ADMIN_ACTIONS)
    return names


def admin_site_may_enter(roles: RoleSet) -> bool:
    """Whether the roles reach any model of the admin site."""
    return any(roles.may(perm) for perm in set(ADMIN_MODELS.values()))


class RolePermissionBackend(ModelBackend):
    """Django's authentication; model permissions from `ADMIN_MODELS` and roles only.

    Active superusers keep every permission (Django answers them before any backend);
    production refuses superusers.
    """

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        return admin_permissions_for(roles_for(user=user_obj))

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()


# --- recording admin edits ------------------------------------------------------------


def change_kind(label: str, action: ChangeAction) -> AuditKind:
    """The kind an admin edit of a `label` row is recorded as."""
    if label in ("authtoken.token", "authtoken.tokenproxy"):
        return (
            AuditKind.API_TOKEN_REVOKED
            if action == ChangeAction.DELETE
            else (AuditKind.API_TOKEN_ISSUED)
        )
    if label == "org.user":
        return AuditKind.USER_CHANGED
    if label == "org.membership":
        return AuditKind.MEMBERSHIP_CHANGED
    if ADMIN_MODELS.get(label) == Perm.SECURITY:
        return AuditKind.SECURITY_DATA_CHANGED
    return AuditKind.MASTER_DATA_CHANGED


def audit_admin_change(
    *,
    request: HttpRequest,
    model: type[models.Model],
    subject: tuple[str, str, str],
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> None:
    """Record one edit made through the admin (nothing when a change changed nothing)."""
    action = (
        ChangeAction.ADD
        if before is None
        else ChangeAction.DELETE
        if after is None
        else ChangeAction.CHANGE
    )
    audit_change(
        kind=change_kind(model._meta.label_lower, action),
        actor=request.user,
        client_address=client_address(request),
        model=model,
        subject=subject,
        before=before,
        after=after,
        via="admin",
    )


class AuditedAdminMixin:
    """Records every addition, change and deletion made through a ModelAdmin (and its
    inlines) with the values before and after, read from the database around the
    admin's own save; and every opening of a record holding personal data.
    `JingxiAdminSite.register` puts it in front of every ModelAdmin."""

    model: type[models.Model]
    # For admins below the admin site that record edits of their own (org's imports).
    audit_change_kind = staticmethod(change_kind)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = snapshot_from_db(type(obj), stored_pk(obj)) if change else None
        super().save_model(request, obj, form, change)  # type: ignore[misc]  # a mixin
        request._jingxi_audit_saved = before  # type: ignore[attr-defined]  # until save_related

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]  # a mixin
        before = getattr(request, "_jingxi_audit_saved", None)
        request._jingxi_audit_saved = None  # type: ignore[attr-defined]
        obj = form.instance
        after = snapshot_from_db(type(obj), stored_pk(obj))
        audit_admin_change(
            request=request,
            model=type(obj),
            subject=subject_of(obj),
            before=before,
            after=after,
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        model = formset.model
        before: dict[int, dict[str, Any] | None] = {}
        for inline_form in formset.initial_forms:
            instance = inline_form.instance
            if stored_pk(instance) is not None:
                before[id(instance)] = snapshot_from_db(model, stored_pk(instance))
        labels = {id(f.instance): subject_of(f.instance) for f in formset.initial_forms}
        super().save_formset(request, form, formset, change)  # type: ignore[misc]  # a mixin
        for obj in getattr(formset, "new_objects", []):
            audit_admin_change(
                request=request,
                model=model,
                subject=subject_of(obj),
                before=None,
                after=snapshot_from_db(model, stored_pk(obj)),
            )
        for obj, _fields in getattr(formset, "changed_objects", []):
            audit_admin_change(
                request=request,
                model=model,
                subject=subject_of(obj),
                before=before.get(id(obj)),
                after=snapshot_from_db(model, stored_pk(obj)),
            )
        for obj in getattr(formset, "deleted_objects", []):
            audit_admin_change(
                request=request,
                model=model,
                subject=labels.get(id(obj), subject_of(obj)),
                before=before.get(id(obj)),
                after=None,
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        if getattr(request, "_jingxi_audit_bulk", False):  # recorded by delete_queryset
            super().delete_model(request, obj)  # type: ignore[misc]  # a mixin
            return
        subject = subject_of(obj)
        before = snapshot_from_db(type(obj), stored_pk(obj))
        super().delete_model(request, obj)  # type: ignore[misc]  # a mixin
        audit_admin_change(
            request=request, model=type(obj), subject=subject, before=before, after=None
        )

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        doomed = [(subject_of(obj), record_snapshot(obj)) for obj in queryset]
        request._jingxi_audit_bulk = True  # type: ignore[attr-defined]
        try:
            super().delete_queryset(request, queryset)  # type: ignore[misc]  # a mixin
        finally:
            request._jingxi_audit_bulk = False  # type: ignore[attr-defined]
        for subject, before in doomed:
            audit_admin_change(
                request=request, model=queryset.model, subject=subject, before=before, after=None
            )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response: HttpResponse = super().change_view(  # type: ignore[misc]  # a mixin
            request, object_id, form_url, extra_context
        )
        fields = PERSONAL_DATA_MODELS.get(self.model._meta.label_lower)
        if fields and request.method == "GET" and response.status_code == 200:
            audit_personal_data(
                actor=request.user,
                client_address=client_address(request),
                surface=f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_change",
                subject_type=self.model._meta.label_lower,
                subject_ids=[object_id],
                fields=fields,
            )
        return response


def audited(admin_class: type[admin.ModelAdmin[Any]]) -> type[admin.ModelAdmin[Any]]:
    """`admin_class` with `AuditedAdminMixin` in front (itself if it has it already)."""
    if issubclass(admin_class, AuditedAdminMixin):
        return admin_class
    return type(
        admin_class.__name__,
        (AuditedAdminMixin, admin_class),
        {"__module__": admin_class.__module__, "__qualname__": admin_class.__qualname__},
    )


# --- the site -------------------------------------------------------------------------


class JingxiAdminSite(admin.AdminSite):
    """The admin site, entered by role (see the module's docstring)."""

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not user.is_active:
            return False
        return bool(user.is_superuser) or admin_site_may_enter(roles_of(request))

    def admin_view(self, view: _View, cacheable: bool = False) -> _View:
        inner = super().admin_view(view, cacheable)

        @functools.wraps(inner)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.user.is_authenticated and not self.has_permission(request):
                raise Http404  # unseen is nonexistent: no admin for this role
            return inner(request, *args, **kwargs)

        return cast(_View, guarded)

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """One login page for the whole platform (lockout and second factor live there)."""
        if request.user.is_authenticated and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        if request.user.is_authenticated:
            raise Http404
        target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        query = urlencode({"next": target})
        return HttpResponseRedirect(f"{resolve_url(settings.LOGIN_URL)}?{query}")

    def password_change(  # type: ignore[override]  # a redirect, not Django's form page
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """One password page for the whole platform (its rules, history and the audit
        trail's record live there), as one login page."""
        return HttpResponseRedirect(reverse("accounts:password-change"))

    def password_change_done(  # type: ignore[override]  # a redirect, as password_change
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return HttpResponseRedirect(reverse("accounts:security"))

    def register(
        self,
        model_or_iterable: Any,
        admin_class: type[admin.ModelAdmin[Any]] | None = None,
        **options: Any,
    ) -> None:
        super().register(model_or_iterable, audited(admin_class or admin.ModelAdmin), **options)
