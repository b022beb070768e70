"""Bulletins on the admin site, read-only: every write goes through `services` (the
office's pages at /public/staff/bulletins/ call them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from jingxi.bulletins.models import Bulletin


@admin.register(Bulletin)
class BulletinAdmin(admin.ModelAdmin[Any]):
    list_display = ["title", "number", "kind", "status", "published_at", "created_by"]
    list_filter = ["kind", "status", "jurisdiction"]
    search_fields = ["title", "number", "body"]
    list_select_related = ["created_by"]
    date_hierarchy = "published_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
