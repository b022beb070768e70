"""Jurisdictions, units, staff and their roles, and the work calendar."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingxi.org.choices import CalendarDayKind, RankingGroup, Role, UnitKind

region_code_validator = RegexValidator(r"^\d{6}$", _("行政区划代码为6位数字（GB/T 2260）"))


def default_working_periods() -> list[list[str]]:
    return [["08:30", "12:00"], ["14:30", "17:30"]]


class Jurisdiction(models.Model):
    """One county or city (辖区). Every record belongs to one."""

    code = models.CharField(
        _("行政区划代码"), max_length=6, unique=True, validators=[region_code_validator]
    )
    name = models.CharField(_("名称"), max_length=64)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级辖区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    time_zone = models.CharField(_("时区"), max_length=64, default="Asia/Shanghai")
    open311_id = models.CharField(
        _("Open311 辖区标识"), max_length=64, blank=True, help_text=_("如 zhongmou.gov.cn")
    )
    working_periods = models.JSONField(
        _("工作时段"),
        default=default_working_periods,
        help_text=_('每日工作时段，如 [["08:30","12:00"],["14:30","17:30"]]'),
    )
    center_lng = models.FloatField(_("地图中心经度"), default=113.976)
    center_lat = models.FloatField(_("地图中心纬度"), default=34.719)
    # Bumped by every service that changes geographic data, so each process
    # knows when its in-memory responsibility index is stale.
    geo_version = models.PositiveIntegerField(_("地理数据版本"), default=0, editable=False)
    # Bumped by every change to the work calendar (days or working periods).
    calendar_version = models.PositiveIntegerField(_("日历版本"), default=0, editable=False)

    class Meta:
        verbose_name = _("辖区")
        verbose_name_plural = _("辖区")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class CalendarDay(models.Model):
    """A day that breaks the weekly rule: a holiday on a weekday, or a 调休 workday on a weekend."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="calendar_days"
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField(_("名称"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("工作日历")
        verbose_name_plural = _("工作日历")
        ordering = ["jurisdiction_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "date"], name="calendarday_unique_date")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class Unit(models.Model):
    """A unit (单位): department, lead unit, township/street, community, contractor, office."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    code = models.CharField(_("单位编码"), max_length=32)
    name = models.CharField(_("名称"), max_length=128)
    short_name = models.CharField(_("简称"), max_length=32, blank=True)
    kind = models.CharField(_("类型"), max_length=16, choices=UnitKind.choices)
    ranking_group = models.CharField(
        _("排名分组"), max_length=16, choices=RankingGroup.choices, default=RankingGroup.NONE
    )
    head = models.ForeignKey(
        "User",
        verbose_name=_("第一责任人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_units",
    )
    contact_name = models.CharField(_("联系人"), max_length=32, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    address = models.CharField(_("地址"), max_length=255, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["jurisdiction_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "code"], name="unit_unique_code"),
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="unit_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in: staff of one jurisdiction, with roles in units."""

    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = models.CharField(_("手机号"), max_length=32, blank=True)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("辖区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    # When the password was last set; its age is what expires it (JINGXI_PASSWORD_MAX_AGE_DAYS).
    # Empty: not set through `set_password` since the account was made (Django's
    # create_user and bulk rows hash it directly): the password is as old as the account.
    password_changed_at = models.DateTimeField(
        _("密码修改时间"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    def set_password(self, raw_password: str | None) -> None:
        """Django's, and the time of the change, saved with the password (every door that
        sets a password calls this: the change page, the admin, imports, commands)."""
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()


class Membership(models.Model):
    """A staff member's role in a unit. One user may hold several."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    title = models.CharField(_("职务"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["unit_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"], name="membership_unique_user_unit_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"
