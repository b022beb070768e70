"""Admin of the public app's records, read-only: every write goes through the services
(the staff pages at /public/staff/ call them), so the admin is for looking things up."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from jingxi.public.portal.models import (
    Consultation,
    ConsultationComment,
    Hearing,
    MediaExposure,
    Suggestion,
    TypicalCase,
)


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyAdmin):
    list_display = ["title", "channel", "received_at", "answered_at", "is_published"]
    list_filter = ["channel", "is_published", "jurisdiction"]
    search_fields = ["title", "text"]
    exclude = ["ip_hash"]


@admin.register(MediaExposure)
class MediaExposureAdmin(ReadOnlyAdmin):
    list_display = ["outlet", "title", "published_on", "case"]
    search_fields = ["outlet", "title", "case__number"]
    list_select_related = ["case"]


class CommentInline(admin.TabularInline[ConsultationComment, Consultation]):
    model = ConsultationComment
    fields = ["submitted_at", "name", "text", "status", "moderated_by", "moderated_at"]
    readonly_fields = ["submitted_at", "name", "text", "status", "moderated_by", "moderated_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Consultation)
class ConsultationAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "status", "opens_at", "closes_at"]
    list_filter = ["kind", "status", "jurisdiction"]
    search_fields = ["title"]
    inlines = [CommentInline]


@admin.register(Hearing)
class HearingAdmin(ReadOnlyAdmin):
    list_display = ["title", "held_on", "place", "is_published"]
    list_filter = ["is_published", "jurisdiction"]


@admin.register(TypicalCase)
class TypicalCaseAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "case", "is_published", "published_at"]
    list_filter = ["kind", "is_published", "jurisdiction"]
    list_select_related = ["case"]
