"""The settings of daily inspection on the admin site (master data): settings, starts,
inspector profiles, areas, scope, frequencies and shifts. Plans, rounds and their
records are written by the services only."""

from __future__ import annotations

from django.contrib import admin

from jingxi.inspections.models import (
    AreaAssignment,
    DutyShift,
    FrequencyRule,
    InspectionSettings,
    Inspector,
    RouteStart,
    ScopeGrid,
)


@admin.register(InspectionSettings)
class InspectionSettingsAdmin(admin.ModelAdmin[InspectionSettings]):
    list_display = ["jurisdiction", "capacity_foot_km", "capacity_ebike_km", "cover_ratio"]


@admin.register(RouteStart)
class RouteStartAdmin(admin.ModelAdmin[RouteStart]):
    list_display = ["name", "township", "lng", "lat", "jurisdiction"]
    list_filter = ["jurisdiction"]
    raw_id_fields = ["township"]


@admin.register(Inspector)
class InspectorAdmin(admin.ModelAdmin[Inspector]):
    list_display = ["user", "travel_mode", "capacity_km", "start", "jurisdiction"]
    list_filter = ["travel_mode", "jurisdiction"]
    list_select_related = ["user", "start"]
    raw_id_fields = ["user", "start"]


@admin.register(AreaAssignment)
class AreaAssignmentAdmin(admin.ModelAdmin[AreaAssignment]):
    list_display = ["grid", "inspector", "start_date", "end_date"]
    list_select_related = ["grid", "inspector"]
    raw_id_fields = ["grid", "inspector"]
    date_hierarchy = "start_date"


@admin.register(ScopeGrid)
class ScopeGridAdmin(admin.ModelAdmin[ScopeGrid]):
    list_display = ["grid", "jurisdiction"]
    list_select_related = ["grid"]
    raw_id_fields = ["grid"]


@admin.register(FrequencyRule)
class FrequencyRuleAdmin(admin.ModelAdmin[FrequencyRule]):
    list_display = ["road", "segment", "every_days", "note"]
    list_select_related = ["road", "segment"]
    raw_id_fields = ["road", "segment"]


@admin.register(DutyShift)
class DutyShiftAdmin(admin.ModelAdmin[DutyShift]):
    list_display = ["name", "starts", "ends", "jurisdiction"]
