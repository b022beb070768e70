"""Admin for the category catalog: per-jurisdiction editing, XLSX export and import.

Every write goes through `jingxi.catalog.services`, so the admin, the commands and
the import behave alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingxi.catalog.choices import CategoryLevel, Urgency
from jingxi.catalog.models import Category, TimeLimit
from jingxi.catalog.services import (
    catalog_export_xlsx,
    catalog_import_xlsx,
    category_save,
    time_limit_delete,
    time_limit_save,
)
from jingxi.catalog.timelimits import limit_notice, limit_table
from jingxi.lib.tabular import ImportRejected, RowError
from jingxi.org.models import Jurisdiction, Unit

if TYPE_CHECKING:
    CategoryAdminBase = admin.ModelAdmin[Category]
    TimeLimitInlineBase = admin.TabularInline[TimeLimit, Category]
else:  # the admin classes are not subscriptable at run time
    CategoryAdminBase = admin.ModelAdmin
    TimeLimitInlineBase = admin.TabularInline

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TimeLimitFormSet(forms.BaseInlineFormSet):  # type: ignore[type-arg]  # generic only in stubs
    def clean(self) -> None:
        super().clean()
        category = self.instance
        has_limits = any(
            form.cleaned_data and not form.cleaned_data.get("DELETE") for form in self.forms
        )
        if has_limits and category.level == CategoryLevel.MAJOR:
            raise forms.ValidationError(_("只有小类可以设置处置时限"))


class TimeLimitInline(TimeLimitInlineBase):
    model = TimeLimit
    formset = TimeLimitFormSet
    extra = 0
    fields = ("urgency", "condition", "amount", "unit")


class JurisdictionForm(forms.Form):
    jurisdiction = forms.ModelChoiceField(
        label=gettext_lazy("辖区"), queryset=Jurisdiction.objects.order_by("code")
    )


class CatalogImportForm(JurisdictionForm):
    file = forms.FileField(
        label=gettext_lazy("XLSX 文件"),
        help_text=gettext_lazy(
            "格式与“导出 XLSX”相同；按部件/事件+编码新增或更新，有任何错误则整表不导入"
        ),
    )


def _export_response(jurisdiction: Jurisdiction) -> HttpResponse:
    response = HttpResponse(catalog_export_xlsx(jurisdiction=jurisdiction), XLSX_CONTENT_TYPE)
    filename = f"catalog-{jurisdiction.code}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.register(Category)
class CategoryAdmin(CategoryAdminBase):
    list_display = (
        "code",
        "name",
        "kind",
        "level",
        "governance_area",
        "focus_area",
        "responsibility",
        "default_unit",
        "jurisdiction",
        "is_active",
    )
    list_display_links = ("code", "name")
    list_filter = ("jurisdiction", "kind", "level", "governance_area", "focus_area", "is_active")
    list_select_related = ("default_unit", "jurisdiction")
    search_fields = ("code", "name", "keywords")
    ordering = ("jurisdiction", "kind", "code")
    list_per_page = 200
    inlines = (TimeLimitInline,)
    readonly_fields = ("limits_applied",)
    actions = ("export_xlsx",)
    change_list_template = "admin/catalog/category/change_list.html"
    fieldsets = (
        (
            None,
            {"fields": ("jurisdiction", "kind", "level", "parent", "code", "name", "is_active")},
        ),
        (gettext_lazy("立案与结案标准"), {"fields": ("filing_condition", "closing_condition")}),
        (
            gettext_lazy("责任与归类"),
            {
                "fields": (
                    "responsibility",
                    "default_unit",
                    "governance_area",
                    "focus_area",
                    "keywords",
                )
            },
        ),
        (gettext_lazy("适用的处置时限"), {"fields": ("limits_applied",)}),
    )

    @admin.display(description=gettext_lazy("按紧急程度与情形"))
    def limits_applied(self, obj: Category | None) -> str:
        """The one rule's answer for each urgency and condition (`catalog.timelimits`), as
        saved: a missing row shows which other row the report falls back to."""
        if obj is None or obj.pk is None or obj.level == CategoryLevel.MAJOR:
            return "—"
        rows = limit_table(obj.time_limits.all())
        if not rows or all(r.limit is None for r in rows):
            return _("没有处置时限：此类别的案件无法派遣")
        return format_html(
            '<table class="limits-applied"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr>'
            "</thead><tbody>{}</tbody></table>",
            _("情形"),
            _("紧急程度"),
            _("适用时限"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}{}</td></tr>",
                (
                    (
                        r.condition or _("（无）"),
                        Urgency(r.urgency).label,
                        limit_notice(r.limit) or _("无"),
                        _("（沿用 %(u)s%(c)s）")
                        % {
                            "u": Urgency(r.limit.urgency).label,
                            "c": f" · {r.limit.condition}" if r.limit.condition else "",
                        }
                        if r.fallback and r.limit is not None
                        else "",
                    )
                    for r in rows
                ),
            ),
        )

    # --- form -------------------------------------------------------------------------

    def get_form(
        self, request: HttpRequest, obj: Category | None = None, change: bool = False, **kwargs: Any
    ) -> type[ModelForm[Category]]:
        form = super().get_form(request, obj, change=change, **kwargs)
        parent_field = form.base_fields.get("parent")
        unit_field = form.base_fields.get("default_unit")
        majors = Category.objects.filter(level=CategoryLevel.MAJOR)
        units = Unit.objects.all()
        if obj is not None:
            majors = majors.filter(jurisdiction=obj.jurisdiction, kind=obj.kind)
            units = units.filter(jurisdiction=obj.jurisdiction)
        elif isinstance(own := getattr(request.user, "jurisdiction_id", None), int):
            majors = majors.filter(jurisdiction_id=own)
            units = units.filter(jurisdiction_id=own)
        if isinstance(parent_field, forms.ModelChoiceField):
            parent_field.queryset = majors.select_related("jurisdiction")
        if isinstance(unit_field, forms.ModelChoiceField):
            unit_field.queryset = units.order_by("code")
        return form

    def get_inlines(self, request: HttpRequest, obj: Category | None) -> list[type[Any]]:
        # Only minor categories carry time limits.
        if obj is not None and obj.level == CategoryLevel.MAJOR:
            return []
        return list(self.inlines)

    def save_model(
        self, request: HttpRequest, obj: Category, form: ModelForm[Category], change: bool
    ) -> None:
        category_save(category=obj)

    def save_formset(
        self,
        request: HttpRequest,
        form: ModelForm[Category],
        formset: BaseInlineFormSet[Any, Any, Any],
        change: bool,
    ) -> None:
        if formset.model is not TimeLimit:
            super().save_formset(request, form, formset, change)
            return
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            time_limit_delete(time_limit=deleted)
        for instance in instances:
            time_limit_save(time_limit=instance)

    # --- export / import ---------------------------------------------------------------

    @admin.action(description=gettext_lazy("导出 XLSX（所选类别所在辖区的全部类别）"))
    def export_xlsx(
        self, request: HttpRequest, queryset: QuerySet[Category]
    ) -> HttpResponse | None:
        jurisdiction_ids = set(queryset.values_list("jurisdiction_id", flat=True))
        if len(jurisdiction_ids) != 1:
            self.message_user(request, _("请只选择同一辖区的类别后再导出"), level=messages.ERROR)
            return None
        return _export_response(Jurisdiction.objects.get(pk=jurisdiction_ids.pop()))

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        extra = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="{}_{}_import".format(*info),
            ),
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="{}_{}_export".format(*info),
            ),
        ]
        return extra + super().get_urls()

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "changelist_url": reverse("admin:catalog_category_changelist"),
            **extra,
        }

    def _default_jurisdiction(self, request: HttpRequest) -> Jurisdiction | None:
        own = getattr(request.user, "jurisdiction", None)
        if isinstance(own, Jurisdiction):
            return own
        only = list(Jurisdiction.objects.all()[:2])
        return only[0] if len(only) == 1 else None

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        form = JurisdictionForm(request.GET or None)
        if form.is_valid():
            return _export_response(form.cleaned_data["jurisdiction"])
        if not request.GET:
            default = self._default_jurisdiction(request)
            if default is not None:
                return _export_response(default)
        return TemplateResponse(
            request,
            "admin/catalog/category/export.html",
            self._context(request, _("导出类别 XLSX"), form=form),
        )

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        errors: list[RowError] = []
        if request.method == "POST":
            form = CatalogImportForm(request.POST, request.FILES)
            if form.is_valid():
                jurisdiction = form.cleaned_data["jurisdiction"]
                try:
                    summary = catalog_import_xlsx(
                        jurisdiction=jurisdiction, source=form.cleaned_data["file"]
                    )
                except ImportRejected as exc:
                    errors = exc.errors
                else:
                    self.message_user(
                        request,
                        _("%(j)s 导入完成：新增 %(c)d 个，更新 %(u)d 个，未变 %(s)d 个类别")
                        % {
                            "j": jurisdiction,
                            "c": summary.created,
                            "u": summary.updated,
                            "s": summary.unchanged,
                        },
                        level=messages.SUCCESS,
                    )
                    url = reverse("admin:catalog_category_changelist")
                    return HttpResponseRedirect(f"{url}?jurisdiction__id__exact={jurisdiction.pk}")
        else:
            default = self._default_jurisdiction(request)
            form = CatalogImportForm(initial={"jurisdiction": default} if default else None)
        return TemplateResponse(
            request,
            "admin/catalog/category/import.html",
            self._context(request, _("导入类别 XLSX"), form=form, import_errors=errors),
        )

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        export_url = reverse("admin:catalog_category_export")
        selected = request.GET.get("jurisdiction__id__exact")
        if selected:
            export_url += f"?jurisdiction={selected}"
        context = {
            **(extra_context or {}),
            "export_url": export_url,
            "import_url": reverse("admin:catalog_category_import"),
        }
        return super().changelist_view(request, extra_context=context)
