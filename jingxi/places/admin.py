"""Admin for townships, communities, grids, roads and segments, components, landmarks,
road chiefs and responsibility rules.

Geometry fields are edited as GeoJSON text, checked on save with the same rules as
the GeoJSON import, and previewed read-only on a small Leaflet map. Every save or
delete bumps the jurisdiction's geo version so responsibility indexes are rebuilt.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import Count, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jingxi.catalog.choices import CategoryKind, CategoryLevel
from jingxi.catalog.models import Category
from jingxi.org.admin import ImportExportAdmin, Transfer, related_path_get
from jingxi.org.models import Jurisdiction
from jingxi.places.chiefs import road_chief_current_q
from jingxi.places.chiefs_xlsx import (
    ROAD_CHIEF_COLUMNS,
    road_chiefs_export_xlsx,
    road_chiefs_import_xlsx,
)
from jingxi.places.exports import (
    communities_export_geojson,
    components_export_geojson,
    grids_export_geojson,
    landmarks_export_geojson,
    roads_export_geojson,
    townships_export_geojson,
)
from jingxi.places.geometry import (
    LINEAR,
    POLYGONAL,
    GeometryInvalid,
    geometry_area_m2,
    geometry_length_m,
    geometry_validate,
)
from jingxi.places.imports import (
    communities_import_geojson,
    components_import_geojson,
    grids_import_geojson,
    landmarks_import_geojson,
    roads_import_geojson,
    townships_import_geojson,
)
from jingxi.places.models import (
    Community,
    Component,
    Grid,
    Landmark,
    ResponsibilityRule,
    Road,
    RoadChief,
    Segment,
    Township,
)
from jingxi.places.services import geo_version_bump, responsibility_rule_set

PREVIEW_MEDIA = forms.Media(
    css={"all": ["vendor/leaflet/leaflet.css", "places/geometry_preview.css"]},
    js=["vendor/leaflet/leaflet.js", "places/geometry_preview.js"],
)


class GeometryField(forms.JSONField):
    """A GeoJSON geometry typed in as JSON, checked like the import checks it."""

    def __init__(self, *, allowed: tuple[str, ...], **kwargs: Any) -> None:
        self.allowed = allowed
        kwargs.setdefault(
            "help_text",
            _("GeoJSON 几何对象（WGS84 经纬度），类型：%(types)s") % {"types": "/".join(allowed)},
        )
        kwargs.setdefault(
            "widget", forms.Textarea(attrs={"rows": 6, "cols": 80, "class": "jingxi-geojson"})
        )
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        try:
            geometry_validate(value, allowed=self.allowed)
        except GeometryInvalid as exc:
            raise forms.ValidationError(str(exc), code="invalid_geometry") from exc

    def clean(self, value: Any) -> Any:
        cleaned = super().clean(value)
        if isinstance(cleaned, dict):
            return {"type": cleaned.get("type"), "coordinates": cleaned.get("coordinates")}
        return cleaned


def preview_html(geometry: dict[str, Any] | None) -> str:
    if not geometry:
        return gettext("保存后显示地图预览")
    return format_html(
        '<div class="jingxi-geo-preview" data-geojson="{}"></div>',
        json.dumps(geometry, ensure_ascii=False),
    )


class GeoAdmin(ImportExportAdmin[Any]):
    """Bumps the geo version after every write; geometry as checked GeoJSON text."""

    geometry_types: tuple[str, ...] = ()

    @property
    def media(self) -> forms.Media:
        return super().media + PREVIEW_MEDIA

    def formfield_for_dbfield(
        self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "geometry" and self.geometry_types:
            return GeometryField(allowed=self.geometry_types, label=db_field.verbose_name)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def _jurisdiction(self, obj: models.Model) -> Jurisdiction:
        jurisdiction = related_path_get(obj, self.jurisdiction_path)
        assert isinstance(jurisdiction, Jurisdiction)
        return jurisdiction

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        geo_version_bump(jurisdiction=self._jurisdiction(form.instance))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        jurisdiction = self._jurisdiction(obj)
        super().delete_model(request, obj)
        geo_version_bump(jurisdiction=jurisdiction)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        ids = set(
            queryset.order_by().values_list(f"{self.jurisdiction_path}__id", flat=True).distinct()
        )
        super().delete_queryset(request, queryset)
        for jurisdiction in Jurisdiction.objects.filter(pk__in=ids):
            geo_version_bump(jurisdiction=jurisdiction)

    @admin.display(description=_("地图预览"))
    def geometry_preview(self, obj: Any) -> str:
        if obj is None or obj.pk is None:
            return preview_html(None)
        if hasattr(obj, "geometry"):
            return preview_html(obj.geometry)
        return preview_html({"type": "Point", "coordinates": [obj.lng, obj.lat]})


@admin.register(Township)
class TownshipAdmin(GeoAdmin):
    transfer = Transfer(
        kind="townships",
        fmt="geojson",
        importer=townships_import_geojson,
        exporter=townships_export_geojson,
        help="code, name, kind, unit_code",
    )
    geometry_types = POLYGONAL
    list_display = ("code", "name", "kind", "unit", "jurisdiction")
    list_select_related = ("unit", "jurisdiction")
    list_filter = ("kind", "jurisdiction")
    search_fields = ("code", "name")
    autocomplete_fields = ("jurisdiction", "unit")
    readonly_fields = ("geometry_preview",)
    fields = ("jurisdiction", "code", "name", "kind", "unit", "geometry_preview", "geometry")


@admin.register(Community)
class CommunityAdmin(GeoAdmin):
    transfer = Transfer(
        kind="communities",
        fmt="geojson",
        importer=communities_import_geojson,
        exporter=communities_export_geojson,
        help="code, name, kind, unit_code",
    )
    jurisdiction_path = "township__jurisdiction"
    geometry_types = POLYGONAL
    list_display = ("code", "name", "kind", "township", "unit")
    list_select_related = ("township", "unit")
    list_filter = ("kind", "township")
    search_fields = ("code", "name")
    autocomplete_fields = ("township", "unit")
    readonly_fields = ("geometry_preview",)
    fields = ("township", "code", "name", "kind", "unit", "geometry_preview", "geometry")


@admin.register(Grid)
class GridAdmin(GeoAdmin):
    transfer = Transfer(
        kind="grids",
        fmt="geojson",
        importer=grids_import_geojson,
        exporter=grids_export_geojson,
        help="code, area_class",
    )
    jurisdiction_path = "community__township__jurisdiction"
    geometry_types = POLYGONAL
    list_display = ("code", "community", "township", "area_class", "area_m2")
    list_select_related = ("community__township",)
    list_filter = ("area_class", "community__township")
    search_fields = ("code", "community__name")
    autocomplete_fields = ("community",)
    readonly_fields = ("area_m2", "geometry_preview")
    fields = ("community", "code", "area_class", "area_m2", "geometry_preview", "geometry")
    show_full_result_count = False

    @admin.display(description=_("乡镇/街道"), ordering="community__township__code")
    def township(self, obj: Grid) -> str:
        return obj.community.township.name

    def save_model(self, request: HttpRequest, obj: Grid, form: Any, change: bool) -> None:
        obj.area_m2 = geometry_area_m2(geometry_validate(obj.geometry, allowed=POLYGONAL))
        super().save_model(request, obj, form, change)


class SegmentInlineFormSet(BaseInlineFormSet[Segment, Road, Any]):
    def save_new(self, form: Any, commit: bool = True) -> Segment:
        form.instance.length_m = geometry_length_m(
            geometry_validate(form.instance.geometry, allowed=LINEAR)
        )
        return super().save_new(form, commit=commit)

    def save_existing(self, form: Any, obj: Segment, commit: bool = True) -> Segment:
        obj.length_m = geometry_length_m(geometry_validate(obj.geometry, allowed=LINEAR))
        return super().save_existing(form, obj, commit=commit)


class SegmentInline(admin.StackedInline[Segment, Road]):
    model = Segment
    formset = SegmentInlineFormSet
    extra = 0
    autocomplete_fields = ("township", "maintainer")
    readonly_fields = ("length_m",)
    fields = (
        ("seq", "from_street", "to_street"),
        ("township", "maintainer"),
        ("number_from", "number_to", "length_m"),
        "geometry",
    )

    def formfield_for_dbfield(
        self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name == "geometry":
            return GeometryField(
                allowed=LINEAR,
                label=db_field.verbose_name,
                widget=forms.Textarea(attrs={"rows": 2, "cols": 80, "class": "jingxi-geojson"}),
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


def _segments_of_roads(roads: QuerySet[Any]) -> QuerySet[Any]:
    return Segment.objects.filter(road__in=roads.values("pk"))


ROADS_TRANSFER = Transfer(
    kind="roads",
    fmt="geojson",
    importer=roads_import_geojson,
    exporter=roads_export_geojson,
    help=(
        "road_code, road_name, road_grade, seq, from_street, to_street, township_code, "
        "maintainer_code, number_from, number_to"
    ),
)


@admin.register(Road)
class RoadAdmin(GeoAdmin):
    transfer = Transfer(
        kind=ROADS_TRANSFER.kind,
        fmt="geojson",
        importer=ROADS_TRANSFER.importer,
        exporter=ROADS_TRANSFER.exporter,
        help=ROADS_TRANSFER.help,
        rows=_segments_of_roads,
    )
    list_display = ("code", "name", "grade", "segment_count", "jurisdiction")
    list_select_related = ("jurisdiction",)
    list_filter = ("grade", "jurisdiction")
    search_fields = ("code", "name")
    autocomplete_fields = ("jurisdiction",)
    readonly_fields = ("geometry_preview",)
    fields = ("jurisdiction", "code", "name", "grade", "geometry_preview")
    inlines = [SegmentInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Road]:
        roads: QuerySet[Road] = super().get_queryset(request)
        return roads.annotate(segment_total=Count("segments"))

    @admin.display(description=_("路段数"), ordering="segment_total")
    def segment_count(self, obj: Road) -> int:
        return int(getattr(obj, "segment_total", 0))

    @admin.display(description=_("地图预览"))
    def geometry_preview(self, obj: Any) -> str:
        if obj is None or obj.pk is None:
            return preview_html(None)
        lines = [s.geometry for s in obj.segments.all()]
        if not lines:
            return preview_html(None)
        return preview_html({"type": "GeometryCollection", "geometries": lines})


@admin.register(Segment)
class SegmentAdmin(GeoAdmin):
    transfer = ROADS_TRANSFER
    jurisdiction_path = "road__jurisdiction"
    geometry_types = LINEAR
    list_display = ("road", "seq", "from_street", "to_street", "township", "maintainer", "length_m")
    list_select_related = ("road", "township", "maintainer")
    list_filter = ("township", "road__grade")
    search_fields = ("road__name", "road__code", "from_street", "to_street")
    autocomplete_fields = ("road", "township", "maintainer")
    readonly_fields = ("length_m", "geometry_preview")
    fields = (
        "road",
        "seq",
        "from_street",
        "to_street",
        "township",
        "maintainer",
        "number_from",
        "number_to",
        "length_m",
        "geometry_preview",
        "geometry",
    )

    def save_model(self, request: HttpRequest, obj: Segment, form: Any, change: bool) -> None:
        obj.length_m = geometry_length_m(geometry_validate(obj.geometry, allowed=LINEAR))
        super().save_model(request, obj, form, change)


class ComponentCategoryFilter(admin.SimpleListFilter):
    """The component minor categories, without a scan of the component table."""

    title = _("部件类别")
    parameter_name = "category"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        categories = Category.objects.filter(
            kind=CategoryKind.COMPONENT, level=CategoryLevel.MINOR
        ).order_by("code")
        return [(str(c.pk), f"{c.code} {c.name}") for c in categories]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(category_id=int(value))
        return queryset


class ComponentForm(forms.ModelForm[Component]):
    class Meta:
        model = Component
        fields = (
            "jurisdiction",
            "object_id",
            "category",
            "name",
            "grid",
            "owner",
            "maintainer",
            "state",
            "accuracy_class",
            "lng",
            "lat",
            "material",
            "location_note",
            "data_source",
            "recorded_on",
            "changed_on",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        lng, lat = cleaned.get("lng"), cleaned.get("lat")
        if lng is not None and lat is not None:
            try:
                geometry_validate({"type": "Point", "coordinates": [lng, lat]}, allowed=("Point",))
            except GeometryInvalid as exc:
                raise forms.ValidationError(str(exc)) from exc
        return cleaned


@admin.register(Component)
class ComponentAdmin(GeoAdmin):
    transfer = Transfer(
        kind="components",
        fmt="geojson",
        importer=components_import_geojson,
        exporter=components_export_geojson,
        help=(
            "object_id, category_code, name, grid_code, owner_code, maintainer_code, state, "
            "accuracy_class, material, location_note, data_source, recorded_on, changed_on"
        ),
    )
    form = ComponentForm
    list_display = (
        "object_id",
        "name",
        "category",
        "state",
        "accuracy_class",
        "grid",
        "maintainer",
    )
    list_select_related = ("category", "grid", "maintainer")
    list_filter = ("state", ComponentCategoryFilter, "accuracy_class", "jurisdiction")
    search_fields = ("^object_id", "name", "location_note")
    autocomplete_fields = ("jurisdiction", "category", "grid", "owner", "maintainer")
    readonly_fields = ("geometry_preview",)
    show_full_result_count = False
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("jurisdiction", "object_id", "category", "name", "state")}),
        (_("位置"), {"fields": ("lng", "lat", "accuracy_class", "grid", "geometry_preview")}),
        (_("管理"), {"fields": ("owner", "maintainer", "material", "location_note")}),
        (_("数据"), {"fields": ("data_source", "recorded_on", "changed_on")}),
    )


@admin.register(Landmark)
class LandmarkAdmin(GeoAdmin):
    transfer = Transfer(
        kind="landmarks",
        fmt="geojson",
        importer=landmarks_import_geojson,
        exporter=landmarks_export_geojson,
        help="name, aliases, kind",
    )
    list_display = ("name", "kind", "aliases", "lng", "lat", "jurisdiction")
    list_select_related = ("jurisdiction",)
    list_filter = ("kind", "jurisdiction")
    search_fields = ("name", "aliases")
    autocomplete_fields = ("jurisdiction",)
    readonly_fields = ("geometry_preview",)
    fields = ("jurisdiction", "name", "aliases", "kind", "lng", "lat", "geometry_preview")


class CurrentFilter(admin.SimpleListFilter):
    title = _("任职状态")
    parameter_name = "current"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", gettext("现任")), ("no", gettext("已卸任"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        # In office today by the one rule (`places.chiefs`): a term with an announced end
        # is current until that day; one starting later is neither current nor former.
        today = timezone.localdate()
        current = road_chief_current_q(on=today)
        if self.value() == "yes":
            return queryset.filter(current)
        if self.value() == "no":
            return queryset.filter(start_date__lte=today).exclude(current)
        return queryset


@admin.register(RoadChief)
class RoadChiefAdmin(GeoAdmin):
    transfer = Transfer(
        kind="road_chiefs",
        fmt="xlsx",
        importer=road_chiefs_import_xlsx,
        exporter=road_chiefs_export_xlsx,
        help="、".join(ROAD_CHIEF_COLUMNS),
    )
    jurisdiction_path = "road__jurisdiction"
    list_display = (
        "road",
        "level",
        "user",
        "user_phone",
        "supervision_phone",
        "start_date",
        "end_date",
    )
    list_select_related = ("road", "user")
    list_filter = ("level", CurrentFilter, "road__jurisdiction")
    search_fields = ("road__name", "road__code", "user__username", "user__full_name")
    autocomplete_fields = ("road", "user", "segments")
    date_hierarchy = "start_date"

    @admin.display(description=_("手机号"), ordering="user__phone")
    def user_phone(self, obj: RoadChief) -> str:
        return obj.user.phone


class ResponsibilityRuleForm(forms.ModelForm[ResponsibilityRule]):
    class Meta:
        model = ResponsibilityRule
        fields = ("jurisdiction", "category", "township", "unit")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        jurisdiction = cleaned.get("jurisdiction")
        if jurisdiction is None:
            return cleaned
        for name in ("category", "township", "unit"):
            value = cleaned.get(name)
            if value is not None and value.jurisdiction_id != jurisdiction.pk:
                self.add_error(name, gettext("不属于所选辖区"))
        return cleaned


@admin.register(ResponsibilityRule)
class ResponsibilityRuleAdmin(GeoAdmin):
    """Rules are written by `responsibility_rule_set`, the one door that keeps them unique."""

    form = ResponsibilityRuleForm
    list_display = ("category", "township", "unit", "jurisdiction")
    list_select_related = ("category", "township", "unit", "jurisdiction")
    list_filter = ("jurisdiction", "township", "category__kind")
    search_fields = ("category__code", "category__name", "unit__name", "unit__code")
    autocomplete_fields = ("jurisdiction", "category", "township", "unit")

    def save_model(
        self, request: HttpRequest, obj: ResponsibilityRule, form: Any, change: bool
    ) -> None:
        if change and {"category", "township", "jurisdiction"} & set(form.changed_data):
            old = ResponsibilityRule.objects.select_related(
                "jurisdiction", "category", "township"
            ).get(pk=obj.pk)
            responsibility_rule_set(
                jurisdiction=old.jurisdiction,
                category=old.category,
                township=old.township,
                unit=None,
            )
        rule = responsibility_rule_set(
            jurisdiction=obj.jurisdiction,
            category=obj.category,
            township=obj.township,
            unit=obj.unit,
        )
        assert rule is not None
        obj.pk = rule.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # no inlines; responsibility_rule_set has bumped the geo version

    def delete_model(self, request: HttpRequest, obj: ResponsibilityRule) -> None:
        responsibility_rule_set(
            jurisdiction=obj.jurisdiction, category=obj.category, township=obj.township, unit=None
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ResponsibilityRule]) -> None:
        for rule in queryset.select_related("jurisdiction", "category", "township"):
            self.delete_model(request, rule)
