"""Read-only admin: conversations and pending photos are written by the dialogue and
the photo fetch job only."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from jingxi.wechat.models import Conversation, PendingMedia


class ReadOnly:
    """Mixed into a ModelAdmin: view only (the view permission still applies)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(ReadOnly, admin.ModelAdmin[Conversation]):
    list_display = ["openid", "jurisdiction", "step", "last_case", "updated_at"]
    list_filter = ["step", "jurisdiction"]
    search_fields = ["openid", "last_case__number"]
    date_hierarchy = "updated_at"


@admin.register(PendingMedia)
class PendingMediaAdmin(ReadOnly, admin.ModelAdmin[PendingMedia]):
    list_display = ["case", "media_id", "received_at", "attempts", "fetched_at", "failed_at"]
    list_filter = ["fetched_at", "failed_at"]
    search_fields = ["case__number", "media_id"]
