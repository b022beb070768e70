"""Admin for Open311 clients (keys shown once on creation, revocable) and attributes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingxi.audit.requests import client_address
from jingxi.open311.models import ApiClient, Open311Request, ServiceAttribute
from jingxi.open311.services import api_client_revoke, api_key_assign

if TYPE_CHECKING:
    ApiClientAdminBase = admin.ModelAdmin[ApiClient]
    ServiceAttributeAdminBase = admin.ModelAdmin[ServiceAttribute]
    Open311RequestAdminBase = admin.ModelAdmin[Open311Request]
else:  # the admin classes are not subscriptable at run time
    ApiClientAdminBase = admin.ModelAdmin
    ServiceAttributeAdminBase = admin.ModelAdmin
    Open311RequestAdminBase = admin.ModelAdmin


@admin.register(ApiClient)
class ApiClientAdmin(ApiClientAdminBase):
    list_display = (
        "name",
        "jurisdiction",
        "key_prefix",
        "is_active",
        "revoked_at",
        "rate_limit_per_minute",
        "ip_rate_limit_per_minute",
        "last_used_at",
    )
    list_filter = ("jurisdiction", "is_active")
    search_fields = ("name", "contact", "key_prefix")
    fields = (
        "jurisdiction",
        "name",
        "contact",
        "is_active",
        "rate_limit_per_minute",
        "ip_rate_limit_per_minute",
        "key_prefix",
        "revoked_at",
        "created_at",
        "last_used_at",
    )
    readonly_fields = ("key_prefix", "revoked_at", "created_at", "last_used_at")
    actions = ["revoke"]

    def save_model(
        self, request: HttpRequest, obj: ApiClient, form: ModelForm[ApiClient], change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key = api_key_assign(client=obj, actor=request.user, client_address=client_address(request))
        messages.warning(
            request,
            _("新客户端的 API 密钥（仅显示这一次，请立即复制交给对方）：%(key)s") % {"key": key},
        )

    @admin.action(description=gettext_lazy("吊销所选客户端的密钥"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiClient]) -> None:
        count = 0
        for client in queryset:
            api_client_revoke(
                client=client, actor=request.user, client_address=client_address(request)
            )
            count += 1
        messages.success(request, _("已吊销 %(n)d 个客户端的密钥") % {"n": count})


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(ServiceAttributeAdminBase):
    list_display = ("category", "code", "datatype", "required", "variable", "order")
    list_filter = ("category__jurisdiction", "datatype")
    search_fields = ("code", "description", "category__name", "category__code")
    autocomplete_fields = ("category",)


@admin.register(Open311Request)
class Open311RequestAdmin(Open311RequestAdminBase):
    """Read-only: what each client posted (the e-mail and ids are private)."""

    list_display = ("case", "client", "created_at", "remote_addr")
    list_filter = ("client",)
    search_fields = ("case__number", "token")
    readonly_fields = [f.name for f in Open311Request._meta.fields]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
