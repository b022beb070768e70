"""Admin for jurisdictions, the work calendar, units, users and memberships.

Also the import/export machinery every master-data admin shares: a changelist with
导入 and 导出 buttons, an upload page that shows every row error and writes nothing
when the file is rejected, an export of the (filtered) changelist rows, and the
"导出所选" action. Writes that must bump a version go through the services.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jingxi.audit.choices import AuditKind, ChangeAction
from jingxi.audit.requests import client_address
from jingxi.audit.services import audit_personal_data, audit_record
from jingxi.lib.tabular import ImportRejected, RowError
from jingxi.lib.workcalendar import WorkingPeriodsError, parse_working_periods
from jingxi.org import signals
from jingxi.org.duties import separation_error
from jingxi.org.imports import (
    CALENDAR_COLUMNS,
    STAFF_COLUMNS,
    UNIT_COLUMNS,
    ImportSummary,
    calendar_days_export_xlsx,
    calendar_days_import_xlsx,
    staff_export_xlsx,
    staff_import_xlsx,
    units_export_xlsx,
    units_import_xlsx,
)
from jingxi.org.models import CalendarDay, Jurisdiction, Membership, Unit, User
from jingxi.org.services import (
    calendar_day_delete,
    calendar_day_set,
    jurisdiction_working_periods_set,
)

admin.site.site_header = _("精细化管理平台 管理后台")
admin.site.site_title = _("精细化管理平台 管理后台")
admin.site.index_title = _("主数据管理")

M = TypeVar("M", bound=models.Model)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GEOJSON_CONTENT_TYPE = "application/geo+json; charset=utf-8"


# --- import / export, shared by the org and places admins -------------------------


@dataclass(frozen=True)
class Transfer:
    """How one admin imports and exports its rows.

    `importer(jurisdiction=, source=)` and `exporter(jurisdiction=, queryset=)` are
    the services; `rows` turns the changelist queryset into the exporter's (a road
    changelist exports its segments, say).
    """

    kind: str
    fmt: Literal["geojson", "xlsx"]
    importer: Callable[..., ImportSummary]
    exporter: Callable[..., bytes | dict[str, Any]]
    help: str = ""
    rows: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None

    @property
    def extension(self) -> str:
        return "geojson" if self.fmt == "geojson" else "xlsx"


class ImportForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(
        label=_("辖区"), queryset=Jurisdiction.objects.all(), empty_label=None
    )
    file = forms.FileField(label=_("文件"))


def jurisdiction_default(request: HttpRequest) -> Jurisdiction | None:
    """The user's own jurisdiction, else the only one there is."""
    user = request.user
    if isinstance(user, User) and user.jurisdiction_id:
        return user.jurisdiction
    only = list(Jurisdiction.objects.all()[:2])
    return only[0] if len(only) == 1 else None


def related_path_get(obj: models.Model, dotted: str) -> Any:
    """Follow a "a__b__c" path from an instance."""
    value: Any = obj
    for part in dotted.split("__"):
        value = getattr(value, part)
    return value


class ImportExportAdmin(admin.ModelAdmin[M]):
    """A model admin with 导入/导出 buttons and an 导出所选 action."""

    change_list_template = "admin/jingxi/change_list_import_export.html"
    transfer: Transfer | None = None
    # The path from a row to its jurisdiction, for exports and version bumps.
    jurisdiction_path = "jurisdiction"
    # Personal data an export holds: exporting it is recorded in the audit trail.
    personal_fields: tuple[str, ...] = ()
    # The kind an import into `label` is recorded as. The admin site that registers this
    # admin gives it (`jingxi.audit.admin_site.AuditedAdminMixin`): the admin site sits
    # above org and holds the table of models (ARCHITECTURE.md, dependency direction).
    audit_change_kind: Callable[[str, ChangeAction], AuditKind]

    def import_options(self, request: HttpRequest) -> dict[str, Any]:
        """Extra keyword arguments for the importer (who imports, for its audit)."""
        return {}

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if self.transfer is None or not self.has_view_permission(request):
            actions.pop("export_selected", None)
        return actions

    def get_urls(self) -> list[URLPattern]:
        if self.transfer is None:  # nothing to import or export: no such pages
            return super().get_urls()
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        extra = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name=f"{prefix}_import",
            ),
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name=f"{prefix}_export",
            ),
        ]
        return extra + super().get_urls()

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = dict(extra_context or {})
        context["transfer"] = self.transfer
        context["can_import"] = self.transfer is not None and self._can_import(request)
        return super().changelist_view(request, extra_context=context)

    def _can_import(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def _changelist_url(self) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")

    def import_view(self, request: HttpRequest) -> HttpResponse:
        transfer = self.transfer
        if transfer is None or not self._can_import(request):
            raise PermissionDenied
        errors: list[RowError] = []
        if request.method == "POST":
            form = ImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                source = upload.read()
                try:
                    summary = transfer.importer(
                        jurisdiction=form.cleaned_data["jurisdiction"],
                        source=source,
                        **self.import_options(request),
                    )
                except ImportRejected as exc:
                    errors = exc.errors
                else:
                    audit_record(
                        kind=self.audit_change_kind(self.opts.label_lower, ChangeAction.CHANGE),
                        actor=request.user,
                        client_address=client_address(request),
                        subject=form.cleaned_data["jurisdiction"],
                        details={
                            "via": "admin:import",
                            "model": self.opts.label_lower,
                            "import": transfer.kind,
                            "file": upload.name,
                            "sha256": hashlib.sha256(source).hexdigest(),
                            "created": summary.created,
                            "updated": summary.updated,
                            "unchanged": summary.unchanged,
                        },
                    )
                    self.message_user(
                        request,
                        gettext("导入完成：%(summary)s。") % {"summary": summary},
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(self._changelist_url())
        else:
            form = ImportForm(initial={"jurisdiction": jurisdiction_default(request)})
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("导入%(name)s") % {"name": self.opts.verbose_name_plural},
            "opts": self.opts,
            "form": form,
            "errors": errors,
            "transfer": transfer,
            "accept": ".geojson,.json" if transfer.fmt == "geojson" else ".xlsx",
            "changelist_url": self._changelist_url(),
        }
        return TemplateResponse(request, "admin/jingxi/import_form.html", context)

    def _export(self, request: HttpRequest, queryset: QuerySet[M]) -> HttpResponse:
        transfer = self.transfer
        assert transfer is not None
        found = queryset.order_by().values_list(f"{self.jurisdiction_path}__id", flat=True)
        ids = [pk for pk in found.distinct()[:3] if pk is not None]
        if len(ids) > 1:
            self.message_user(
                request, gettext("所选数据属于多个辖区，请先按辖区筛选再导出。"), messages.ERROR
            )
            return HttpResponseRedirect(self._changelist_url())
        jurisdiction = Jurisdiction.objects.get(pk=ids[0]) if ids else jurisdiction_default(request)
        if jurisdiction is None:
            self.message_user(request, gettext("没有可导出的数据。"), messages.WARNING)
            return HttpResponseRedirect(self._changelist_url())
        rows = transfer.rows(queryset) if transfer.rows else queryset
        data = transfer.exporter(jurisdiction=jurisdiction, queryset=rows)
        if self.personal_fields:
            audit_personal_data(
                actor=request.user,
                client_address=client_address(request),
                surface=f"admin:{self.opts.app_label}_{self.opts.model_name}_export",
                subject_type=self.opts.label_lower,
                subject_ids=list(rows.values_list("pk", flat=True)),
                fields=self.personal_fields,
                exported=True,
            )
        if isinstance(data, dict):
            body = json.dumps(data, ensure_ascii=False).encode()
            content_type = GEOJSON_CONTENT_TYPE
        else:
            body, content_type = data, XLSX_CONTENT_TYPE
        response = HttpResponse(body, content_type=content_type)
        filename = f"{transfer.kind}-{jurisdiction.code}.{transfer.extension}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if self.transfer is None or not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        return self._export(request, changelist.get_queryset(request))

    @admin.action(description=_("导出所选"))
    def export_selected(self, request: HttpRequest, queryset: QuerySet[M]) -> HttpResponse:
        return self._export(request, queryset)

    actions = ["export_selected"]


# --- jurisdictions and the work calendar ------------------------------------------


class JurisdictionForm(forms.ModelForm[Jurisdiction]):
    class Meta:
        model = Jurisdiction
        fields = (
            "code",
            "name",
            "parent",
            "time_zone",
            "open311_id",
            "working_periods",
            "center_lng",
            "center_lat",
        )

    def clean_working_periods(self) -> Any:
        periods = self.cleaned_data["working_periods"]
        try:
            parse_working_periods(periods)
        except WorkingPeriodsError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return periods


@admin.register(Jurisdiction)
class JurisdictionAdmin(admin.ModelAdmin[Jurisdiction]):
    form = JurisdictionForm
    list_display = ("code", "name", "parent", "time_zone", "geo_version", "calendar_version")
    list_select_related = ("parent",)
    search_fields = ("code", "name", "open311_id")
    autocomplete_fields = ("parent",)
    readonly_fields = ("geo_version", "calendar_version")

    def save_model(
        self,
        request: HttpRequest,
        obj: Jurisdiction,
        form: forms.ModelForm[Jurisdiction],
        change: bool,
    ) -> None:
        periods = obj.working_periods
        if change and "working_periods" in form.changed_data:
            # The working periods are a calendar write: keep the stored ones for
            # the plain save, then set them through the service, which bumps the
            # calendar version.
            obj.working_periods = Jurisdiction.objects.get(pk=obj.pk).working_periods
            super().save_model(request, obj, form, change)
            jurisdiction_working_periods_set(jurisdiction=obj, periods=periods)
        else:
            super().save_model(request, obj, form, change)


class YearFilter(admin.SimpleListFilter):
    title = _("年份")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = CalendarDay.objects.dates("date", "year", order="DESC")
        return [(str(d.year), f"{d.year}") for d in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


@admin.register(CalendarDay)
class CalendarDayAdmin(ImportExportAdmin[CalendarDay]):
    transfer = Transfer(
        kind="calendar_days",
        fmt="xlsx",
        importer=calendar_days_import_xlsx,
        exporter=calendar_days_export_xlsx,
        help="、".join(CALENDAR_COLUMNS),
    )
    list_display = ("date", "weekday", "kind", "name", "jurisdiction")
    list_filter = ("kind", YearFilter, "jurisdiction")
    list_select_related = ("jurisdiction",)
    search_fields = ("name",)
    ordering = ("-date",)
    autocomplete_fields = ("jurisdiction",)

    @admin.display(description=_("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        return "一二三四五六日"[obj.date.weekday()]

    def save_model(
        self,
        request: HttpRequest,
        obj: CalendarDay,
        form: forms.ModelForm[CalendarDay],
        change: bool,
    ) -> None:
        if change and "date" in form.changed_data:
            old = CalendarDay.objects.get(pk=obj.pk)
            calendar_day_delete(jurisdiction=old.jurisdiction, date=old.date)
        day = calendar_day_set(
            jurisdiction=obj.jurisdiction, date=obj.date, kind=obj.kind, name=obj.name
        )
        obj.pk = day.pk

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        calendar_day_delete(jurisdiction=obj.jurisdiction, date=obj.date)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        for day in queryset.select_related("jurisdiction"):
            calendar_day_delete(jurisdiction=day.jurisdiction, date=day.date)


# --- units, users, memberships ----------------------------------------------------


@admin.register(Unit)
class UnitAdmin(ImportExportAdmin[Unit]):
    transfer = Transfer(
        kind="units",
        fmt="xlsx",
        importer=units_import_xlsx,
        exporter=units_export_xlsx,
        help="、".join(UNIT_COLUMNS),
    )
    list_display = (
        "code",
        "tree_name",
        "short_name",
        "kind",
        "parent",
        "ranking_group",
        "head",
        "contact_phone",
        "is_active",
    )
    list_display_links = ("code", "tree_name")
    list_select_related = ("parent", "head")
    list_filter = ("kind", "ranking_group", "is_active", "jurisdiction")
    search_fields = ("code", "name", "short_name")
    autocomplete_fields = ("jurisdiction", "parent", "head")
    ordering = ("jurisdiction", "code")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Unit]:
        depth = Case(
            When(parent__parent__parent__isnull=False, then=Value(3)),
            When(parent__parent__isnull=False, then=Value(2)),
            When(parent__isnull=False, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
        return super().get_queryset(request).annotate(tree_depth=depth)

    @admin.display(description=_("名称"), ordering="name")
    def tree_name(self, obj: Unit) -> str:
        depth = int(getattr(obj, "tree_depth", 0))
        return f"{'　' * depth}{'└ ' if depth else ''}{obj.name}"


class MembershipFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]  # generic only in stubs
    """A user's memberships as edited on their page: 三员分立 in production."""

    def clean(self) -> None:
        super().clean()
        roles = [
            form.cleaned_data["role"]
            for form in self.forms
            if form.cleaned_data.get("role") and not form.cleaned_data.get("DELETE")
        ]
        error = separation_error(roles=roles)
        if error:
            raise forms.ValidationError(error)


class MembershipForm(forms.ModelForm[Membership]):
    """One membership on its own page: 三员分立 in production, counting the user's others."""

    class Meta:
        model = Membership
        fields = ("user", "unit", "role", "title")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        user, role = data.get("user"), data.get("role")
        if user is not None and role:
            others = Membership.objects.filter(user=user)
            if self.instance.pk is not None:
                others = others.exclude(pk=self.instance.pk)
            error = separation_error(roles=[role, *others.values_list("role", flat=True)])
            if error:
                self.add_error("role", error)
        return data


class MembershipInline(admin.TabularInline[Membership, User]):
    model = Membership
    formset = MembershipFormSet
    extra = 0
    autocomplete_fields = ("unit",)
    fields = ("unit", "role", "title")


@admin.register(User)
class JingxiUserAdmin(ImportExportAdmin[User], UserAdmin[User]):
    transfer = Transfer(
        kind="staff",
        fmt="xlsx",
        importer=staff_import_xlsx,
        exporter=staff_export_xlsx,
        help="、".join(STAFF_COLUMNS),
    )
    jurisdiction_path = "jurisdiction"
    list_display = ("username", "full_name", "phone", "jurisdiction", "is_staff", "is_active")
    list_select_related = ("jurisdiction",)
    list_filter = ("jurisdiction", "is_staff", "is_superuser", "is_active", "memberships__role")
    search_fields = ("username", "full_name", "phone")
    autocomplete_fields = ("jurisdiction",)
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("full_name", "phone", "email", "jurisdiction")}),
        (
            _("权限"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ),
            },
        ),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "full_name",
                    "phone",
                    "jurisdiction",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    personal_fields = ("full_name", "phone")

    def import_options(self, request: HttpRequest) -> dict[str, Any]:
        return {"actor": request.user, "client_address": client_address(request)}

    def get_fieldsets(self, request: HttpRequest, obj: User | None = None) -> Any:
        """Roles (memberships) are what grants rights: Django's superuser flag, groups and
        per-user permissions are shown to superusers only (development), so a security
        administrator cannot make anyone a superuser (三员分立)."""
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        hidden = {"is_superuser", "groups", "user_permissions"}
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in fieldsets
        ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        # The role filter joins memberships; keep one row per user.
        queryset = super().get_queryset(request)
        if "memberships__role" in request.GET:
            queryset = queryset.distinct()
        return queryset

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Django's password reset page; a reset is a security event (`password_changed`)."""
        response = super().user_change_password(request, id, form_url)
        done = response.status_code == 302 and response["Location"] != request.get_full_path()
        if request.method == "POST" and done:
            user = self.get_object(request, unquote(id))
            if user is not None:
                signals.password_changed.send(
                    sender=User, user=user, request=request, by=request.user
                )
        return response


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    form = MembershipForm
    list_display = ("user", "user_full_name", "unit", "role", "title")
    list_select_related = ("user", "unit")
    list_filter = ("role", "unit__kind", "unit__jurisdiction")
    search_fields = ("user__username", "user__full_name", "unit__code", "unit__name", "title")
    autocomplete_fields = ("user", "unit")

    @admin.display(description=_("姓名"), ordering="user__full_name")
    def user_full_name(self, obj: Membership) -> str:
        return obj.user.full_name
