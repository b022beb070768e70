"""Read-mostly admin of calls and callbacks; phones are masked in the lists."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from jingxi.hotline.models import Call, Callback
from jingxi.org.privacy import mask_phone


@admin.register(Call)
class CallAdmin(admin.ModelAdmin[Call]):
    list_display = ["received_at", "operator", "masked_phone", "outcome", "case"]
    list_filter = ["outcome", "jurisdiction"]
    list_select_related = ["operator", "case"]
    raw_id_fields = ["case", "operator"]
    date_hierarchy = "received_at"

    @admin.display(description=_("来电号码"))
    def masked_phone(self, call: Call) -> str:
        return mask_phone(call.caller_phone)


@admin.register(Callback)
class CallbackAdmin(admin.ModelAdmin[Callback]):
    list_display = ["called_at", "case", "operator", "reached", "satisfaction"]
    list_filter = ["reached", "satisfaction"]
    list_select_related = ["case", "operator"]
    raw_id_fields = ["case", "call", "operator"]
