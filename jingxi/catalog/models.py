"""The 部件/事件 category tree with filing and closing standards and time limits."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jingxi.catalog.choices import (
    CategoryKind,
    CategoryLevel,
    FocusArea,
    GovernanceArea,
    Responsibility,
    TimeUnit,
    Urgency,
)
from jingxi.org.models import Jurisdiction, Unit


class Category(models.Model):
    """A major (2-digit code) or minor (4-digit code: major + minor) category.

    Codes are unique per jurisdiction and kind: 部件 0101 and 事件 0101 are different.
    Only minor categories carry the filing/closing standard; cases use them.
    """

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="categories"
    )
    kind = models.CharField(_("部件/事件"), max_length=16, choices=CategoryKind.choices)
    level = models.CharField(_("级别"), max_length=8, choices=CategoryLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("大类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.CharField(
        _("编码"),
        max_length=4,
        validators=[RegexValidator(r"^(\d{2}|\d{4})$", _("大类2位、小类4位数字"))],
    )
    name = models.CharField(_("名称"), max_length=64)
    filing_condition = models.TextField(_("立案条件"), blank=True)
    closing_condition = models.TextField(_("结案条件"), blank=True)
    governance_area = models.CharField(
        _("治理方面"), max_length=16, choices=GovernanceArea.choices, blank=True
    )
    focus_area = models.CharField(
        _("重点方面"), max_length=16, choices=FocusArea.choices, default=FocusArea.NONE
    )
    responsibility = models.CharField(
        _("责任单位规则"),
        max_length=32,
        choices=Responsibility.choices,
        default=Responsibility.TOWNSHIP,
    )
    default_unit = models.ForeignKey(
        Unit,
        verbose_name=_("默认责任单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="default_categories",
    )
    keywords = models.CharField(
        _("关键词"), max_length=255, blank=True, help_text=_("用于从描述中推荐类别，逗号分隔")
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("问题类别")
        verbose_name_plural = _("问题类别")
        ordering = ["jurisdiction_id", "kind", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "kind", "code"], name="category_unique_code"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code} {self.name}"

    def clean(self) -> None:
        """The tree's shape: majors have 2-digit codes and no parent; a minor's code
        starts with its parent major's code, of the same jurisdiction and kind."""
        errors: dict[str, str] = {}
        if self.level == CategoryLevel.MAJOR:
            if self.code and len(self.code) != 2:
                errors["code"] = gettext("大类编码为2位数字")
            if self.parent_id is not None:
                errors["parent"] = gettext("大类不能有上级")
        elif self.level == CategoryLevel.MINOR:
            if self.code and len(self.code) != 4:
                errors["code"] = gettext("小类编码为4位数字（大类2位+小类2位）")
            parent = self.parent
            if parent is None:
                errors["parent"] = gettext("小类必须选择所属大类")
            elif (
                parent.level != CategoryLevel.MAJOR
                or parent.jurisdiction_id != self.jurisdiction_id
                or parent.kind != self.kind
            ):
                errors["parent"] = gettext("所属大类须是同一辖区、同一部件/事件类型的大类")
            elif self.code and not self.code.startswith(parent.code):
                errors["code"] = gettext("小类编码须以所属大类编码开头")
        if (
            self.responsibility == Responsibility.UNIT
            and self.level == CategoryLevel.MINOR
            and self.default_unit_id is None
        ):
            errors["default_unit"] = gettext("责任单位规则为“固定单位”时须选择默认责任单位")
        elif (
            self.default_unit is not None
            and self.default_unit.jurisdiction_id != self.jurisdiction_id
        ):
            errors["default_unit"] = gettext("默认责任单位须属于同一辖区")
        if errors:
            raise ValidationError(errors)


class TimeLimit(models.Model):
    """The handling time limit of a minor category, per urgency and optional condition."""

    category = models.ForeignKey(
        Category, verbose_name=_("类别"), on_delete=models.CASCADE, related_name="time_limits"
    )
    urgency = models.CharField(
        _("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL
    )
    condition = models.CharField(
        _("情形"), max_length=64, blank=True, help_text=_("如“停止施工”“拆除”，留空为一般情形")
    )
    amount = models.DecimalField(
        _("时限"),
        max_digits=6,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    unit = models.CharField(_("单位"), max_length=16, choices=TimeUnit.choices)

    class Meta:
        verbose_name = _("处置时限")
        verbose_name_plural = _("处置时限")
        ordering = ["category_id", "urgency", "condition"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "urgency", "condition"], name="timelimit_unique"
            )
        ]

    def __str__(self) -> str:
        label = self.condition or self.get_urgency_display()
        return f"{label}: {self.amount} {self.get_unit_display()}"
