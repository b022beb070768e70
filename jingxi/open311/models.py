"""Open311 clients (API keys), extra service attributes, and what a POST brought along.

The cases themselves live in `jingxi.cases`; this app keeps only what the GeoReport
protocol adds: who may post (ApiClient), the per-category attributes a service
definition offers beyond the catalog's own (ServiceAttribute), and for each case
created through Open311 the client, the token and the reporter's private extras
(Open311Request).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jingxi.cases.models import Case
from jingxi.catalog.choices import CategoryLevel
from jingxi.catalog.models import Category
from jingxi.open311.choices import LIST_DATATYPES, Datatype
from jingxi.org.models import Jurisdiction


class ApiClient(models.Model):
    """An application allowed to POST service requests, with its own key and limits.

    The key is shown once when it is issued; only its first characters (to find the
    row) and its SHA-256 are stored. A random 190-bit key needs no slow hash: nobody
    can guess it from the digest, and checking it stays cheap at hundreds of posts
    a second.
    """

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="api_clients"
    )
    name = models.CharField(_("客户端名称"), max_length=128)
    contact = models.CharField(_("联系人/联系方式"), max_length=255, blank=True)
    key_prefix = models.CharField(_("密钥前缀"), max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True, editable=False)
    rate_limit_per_minute = models.PositiveIntegerField(
        _("每分钟上报上限"), default=120, help_text=_("该客户端每分钟最多提交的上报数")
    )
    ip_rate_limit_per_minute = models.PositiveIntegerField(
        _("每个IP每分钟上报上限"),
        default=10,
        help_text=_("同一来源地址每分钟最多提交的上报数；0 表示不限"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")
        ordering = ["jurisdiction_id", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


attribute_code_validator = RegexValidator(
    r"^[A-Za-z][A-Za-z0-9_]{0,31}$", _("以字母开头，仅含字母、数字和下划线，最长32位")
)
RESERVED_CODES = frozenset({"urgency", "condition"})


class ServiceAttribute(models.Model):
    """An extra attribute of one service (a minor category) in its service definition.

    The catalog already yields `urgency` and `condition` (from the category's time
    limits); rows here add any of the six datatypes. `values` holds the options of
    list datatypes as [{"key": ..., "name": ...}].
    """

    category = models.ForeignKey(
        Category,
        verbose_name=_("类别"),
        on_delete=models.CASCADE,
        related_name="open311_attributes",
        limit_choices_to={"level": CategoryLevel.MINOR},
    )
    code = models.CharField(_("编码"), max_length=32, validators=[attribute_code_validator])
    datatype = models.CharField(_("数据类型"), max_length=16, choices=Datatype.choices)
    variable = models.BooleanField(
        _("需要填写"), default=True, help_text=_("不勾选表示仅向用户展示说明")
    )
    required = models.BooleanField(_("必填"), default=False)
    description = models.CharField(_("说明"), max_length=255)
    datatype_description = models.CharField(_("填写提示"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("顺序"), default=10)
    values = models.JSONField(_("选项"), default=list, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("Open311 服务属性")
        verbose_name_plural = _("Open311 服务属性")
        ordering = ["category_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="serviceattribute_unique")
        ]

    def __str__(self) -> str:
        return f"{self.category_id} {self.code}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.code in RESERVED_CODES:
            errors["code"] = gettext("urgency 和 condition 由类别的处置时限生成，请换一个编码")
        if self.datatype in LIST_DATATYPES:
            if not _valid_options(self.values):
                errors["values"] = gettext(
                    '选项须为 [{"key": "...", "name": "..."}] 且 key 不重复、不为空'
                )
        elif self.values:
            errors["values"] = gettext("只有单选、多选属性可以设置选项")
        if self.required and not self.variable:
            errors["required"] = gettext("仅展示说明的属性不能必填")
        if errors:
            raise ValidationError(errors)


def _valid_options(values: object) -> bool:
    if not isinstance(values, list) or not values:
        return False
    keys = []
    for option in values:
        if not isinstance(option, dict) or set(option) != {"key", "name"}:
            return False
        key, name = option["key"], option["name"]
        if not isinstance(key, str) or not key or not isinstance(name, str) or not name:
            return False
        keys.append(key)
    return len(keys) == len(set(keys))


class Open311Request(models.Model):
    """What came with a case created through Open311 that the case itself does not hold.

    The reporter's name and phone go to the case (private there); the e-mail, device
    and account ids and the attribute values stay here and are never served by GET.
    """

    case = models.OneToOneField(
        Case, verbose_name=_("案卷"), on_delete=models.PROTECT, related_name="open311_request"
    )
    client = models.ForeignKey(
        ApiClient, verbose_name=_("客户端"), on_delete=models.PROTECT, related_name="requests"
    )
    token = models.CharField(max_length=32, unique=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    device_id = models.CharField(_("设备标识"), max_length=128, blank=True)
    account_id = models.CharField(_("账号标识"), max_length=128, blank=True)
    attributes = models.JSONField(_("属性"), default=dict, blank=True)
    media_url = models.URLField(_("媒体链接"), max_length=500, blank=True)
    remote_addr = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"))

    class Meta:
        verbose_name = _("Open311 上报")
        verbose_name_plural = _("Open311 上报")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.case_id} via {self.client_id}"
