"""Daily inspection (日常巡查): who covers what and when, the day's plans and walking
routes, the rounds walked with their tracks, and the coverage each round proved.

Dates of assignments follow the road chiefs' rule (`places.chiefs`): `start_date` is
the first day covered, `end_date` the first day no longer covered (empty: open).
Rounds, track points, findings and ticks are records: written once by the services,
never changed; only the retention purge deletes track points (a round keeps the
coverage it proved, `RoundSegment`).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingxi.catalog.models import Category
from jingxi.inspections.choices import (
    DutyChangeKind,
    DutyStatus,
    PlanReason,
    RoundStatus,
    TravelMode,
)
from jingxi.org.models import Jurisdiction
from jingxi.places.choices import RoadGrade
from jingxi.places.models import Grid, Road, Segment, Township

# Required frequency by road grade, in calendar days (全天候: holidays included).
DEFAULT_EVERY_DAYS: dict[str, int] = {
    RoadGrade.EXPRESSWAY: 1,
    RoadGrade.ARTERIAL: 1,
    RoadGrade.SECONDARY: 2,
    RoadGrade.BRANCH: 7,
    RoadGrade.ALLEY: 7,
}


def default_every_days() -> dict[str, int]:
    return {str(k): v for k, v in DEFAULT_EVERY_DAYS.items()}


class InspectionSettings(models.Model):
    """Per-jurisdiction settings of daily inspection (defaults as the docs state them)."""

    jurisdiction = models.OneToOneField(
        Jurisdiction,
        verbose_name=_("辖区"),
        on_delete=models.CASCADE,
        related_name="inspection_settings",
    )
    every_days_by_grade = models.JSONField(
        _("各等级道路巡查频次（天/次）"), default=default_every_days
    )
    capacity_foot_km = models.DecimalField(
        _("步行日巡查能力（公里）"), max_digits=5, decimal_places=1, default=Decimal("10")
    )
    capacity_ebike_km = models.DecimalField(
        _("电动车日巡查能力（公里）"), max_digits=5, decimal_places=1, default=Decimal("40")
    )
    speed_foot_kmh = models.DecimalField(
        _("步行计划速度（公里/时）"), max_digits=4, decimal_places=1, default=Decimal("4")
    )
    speed_ebike_kmh = models.DecimalField(
        _("电动车计划速度（公里/时）"), max_digits=4, decimal_places=1, default=Decimal("15")
    )
    # Track cleaning: faster than this between two points is not a walk or a ride.
    max_speed_foot_kmh = models.DecimalField(
        _("步行最大可信速度（公里/时）"), max_digits=4, decimal_places=1, default=Decimal("12")
    )
    max_speed_ebike_kmh = models.DecimalField(
        _("电动车最大可信速度（公里/时）"), max_digits=4, decimal_places=1, default=Decimal("45")
    )
    max_accuracy_m = models.PositiveIntegerField(_("定位精度上限（米）"), default=50)
    track_gap_seconds = models.PositiveIntegerField(_("轨迹断开间隔（秒）"), default=300)
    # A segment is walked in a round when cover_ratio of its length lies within
    # cover_buffer_m of the track.
    cover_ratio = models.DecimalField(
        _("路段覆盖比例"), max_digits=3, decimal_places=2, default=Decimal("0.70")
    )
    cover_buffer_m = models.PositiveIntegerField(_("轨迹缓冲距离（米）"), default=20)
    track_retention_days = models.PositiveIntegerField(_("轨迹保留天数"), default=180)

    class Meta:
        verbose_name = _("巡查设置")
        verbose_name_plural = _("巡查设置")

    def __str__(self) -> str:
        return str(self.jurisdiction)


class RouteStart(models.Model):
    """A place rounds start from and return to (精细办, a township office)."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=64)
    township = models.ForeignKey(
        Township,
        verbose_name=_("所属乡镇/街道"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    lng = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))

    class Meta:
        verbose_name = _("巡查起点")
        verbose_name_plural = _("巡查起点")
        ordering = ["jurisdiction_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="routestart_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Inspector(models.Model):
    """An inspector's field profile: travel mode, capacity and usual start."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("督导员"),
        on_delete=models.CASCADE,
        related_name="inspector",
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="+"
    )
    travel_mode = models.CharField(
        _("出行方式"), max_length=8, choices=TravelMode.choices, default=TravelMode.FOOT
    )
    capacity_km = models.DecimalField(
        _("日巡查能力（公里）"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("留空则按出行方式取默认值"),
    )
    start = models.ForeignKey(
        RouteStart,
        verbose_name=_("常用起点"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("督导员档案")
        verbose_name_plural = _("督导员档案")
        ordering = ["jurisdiction_id", "user_id"]

    def __str__(self) -> str:
        return str(self.user)


class AreaAssignment(models.Model):
    """An inspector's responsibility for a grid, from `start_date` to `end_date`
    (exclusive; empty: open)."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="+"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("督导员"),
        on_delete=models.CASCADE,
        related_name="inspection_areas",
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), on_delete=models.CASCADE, related_name="inspection_areas"
    )
    start_date = models.DateField(_("起始日期"))
    end_date = models.DateField(_("截止日期（不含）"), null=True, blank=True)

    class Meta:
        verbose_name = _("巡查责任区")
        verbose_name_plural = _("巡查责任区")
        ordering = ["jurisdiction_id", "grid_id", "start_date"]
        indexes = [models.Index(fields=["inspector", "start_date"], name="area_inspector_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=models.F("start_date")),
                name="area_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.inspector} · {self.grid}"


class ScopeGrid(models.Model):
    """A grid in the office's daily inspection scope; road chiefs' patrols cover the rest."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="+"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("网格"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("巡查范围网格")
        verbose_name_plural = _("巡查范围网格")
        ordering = ["jurisdiction_id", "grid_id"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "grid"], name="scopegrid_unique")
        ]

    def __str__(self) -> str:
        return str(self.grid)


class FrequencyRule(models.Model):
    """A required frequency for one road or one segment, overriding its grade's."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="+"
    )
    road = models.ForeignKey(
        Road,
        verbose_name=_("道路"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    segment = models.ForeignKey(
        Segment,
        verbose_name=_("路段"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    every_days = models.PositiveSmallIntegerField(_("巡查频次（天/次）"))
    note = models.CharField(_("说明"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("巡查频次")
        verbose_name_plural = _("巡查频次")
        ordering = ["jurisdiction_id", "road_id", "segment_id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(road__isnull=False) & Q(segment__isnull=True))
                | (Q(road__isnull=True) & Q(segment__isnull=False)),
                name="frequency_road_xor_segment",
            ),
            models.CheckConstraint(condition=Q(every_days__gte=1), name="frequency_positive"),
            models.UniqueConstraint(fields=["road"], name="frequency_unique_road"),
            models.UniqueConstraint(fields=["segment"], name="frequency_unique_segment"),
        ]

    def __str__(self) -> str:
        return f"{self.segment or self.road}: {self.every_days}"


class DutyShift(models.Model):
    """A shift of the inspection roster (早班 07:00–15:00 …)."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("班次"), max_length=32)
    starts = models.TimeField(_("开始"))
    ends = models.TimeField(_("结束"))

    class Meta:
        verbose_name = _("班次")
        verbose_name_plural = _("班次")
        ordering = ["jurisdiction_id", "starts"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="dutyshift_unique_name")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.starts:%H:%M}–{self.ends:%H:%M}"


class Duty(models.Model):
    """One inspector's duty on one day (排班): every day of the week by default,
    separate from the working-time calendar that governs case deadlines."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="+"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("督导员"),
        on_delete=models.CASCADE,
        related_name="duties",
    )
    day = models.DateField(_("日期"))
    shift = models.ForeignKey(
        DutyShift,
        verbose_name=_("班次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=8, choices=DutyStatus.choices, default=DutyStatus.ON_DUTY
    )
    note = models.CharField(_("说明"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("排班")
        verbose_name_plural = _("排班")
        ordering = ["jurisdiction_id", "day", "inspector_id"]
        indexes = [models.Index(fields=["jurisdiction", "day"], name="duty_jurisdiction_day")]
        constraints = [models.UniqueConstraint(fields=["inspector", "day"], name="duty_unique_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.inspector}"


class DutyChange(models.Model):
    """A recorded change of the roster: who changed what, and why."""

    duty = models.ForeignKey(
        Duty, verbose_name=_("排班"), on_delete=models.CASCADE, related_name="changes"
    )
    kind = models.CharField(_("类型"), max_length=8, choices=DutyChangeKind.choices)
    other = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("换班对象"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"))
    reason = models.CharField(_("原因"), max_length=255)

    class Meta:
        verbose_name = _("排班变更")
        verbose_name_plural = _("排班变更")
        ordering = ["duty_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.duty} {self.get_kind_display()}"


class Plan(models.Model):
    """One duty day's inspection plan for a jurisdiction, regenerated in versions."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("日期"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    generated_at = models.DateTimeField(_("生成时间"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_m = models.FloatField(_("应巡长度（米）"), default=0)
    capacity_m = models.FloatField(_("在岗能力（米）"), default=0)
    assigned_m = models.FloatField(_("已分配长度（米）"), default=0)
    unassigned_m = models.FloatField(_("未分配长度（米）"), default=0)

    class Meta:
        verbose_name = _("巡查计划")
        verbose_name_plural = _("巡查计划")
        ordering = ["jurisdiction_id", "-day"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "day"], name="plan_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} v{self.version}"


class PlanItem(models.Model):
    """A segment due on the plan's day, with the inspector it went to (none: unassigned)."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("计划"), on_delete=models.CASCADE, related_name="items"
    )
    segment = models.ForeignKey(
        Segment, verbose_name=_("路段"), on_delete=models.CASCADE, related_name="+"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("督导员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("分配依据"), max_length=12, choices=PlanReason.choices, blank=True)
    days_overdue = models.PositiveIntegerField(_("逾期天数"), default=0)
    length_m = models.FloatField(_("长度（米）"))

    class Meta:
        verbose_name = _("计划路段")
        verbose_name_plural = _("计划路段")
        ordering = ["plan_id", "inspector_id", "segment_id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "segment"], name="planitem_unique_segment")
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.segment_id}"


class PlanChange(models.Model):
    """A regeneration or hand change of a plan: who, when, why, and what moved."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("计划"), on_delete=models.CASCADE, related_name="changes"
    )
    version = models.PositiveIntegerField(_("版本"))
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("原因"), max_length=255)
    # [{"segment": id, "from": user id or null, "to": user id or null}, ...]
    moved = models.JSONField(_("变动"), default=list)

    class Meta:
        verbose_name = _("计划变更")
        verbose_name_plural = _("计划变更")
        ordering = ["plan_id", "version", "id"]

    def __str__(self) -> str:
        return f"{self.plan} v{self.version}: {self.reason}"


class Route(models.Model):
    """An inspector's walking route for a plan's day: an ordered walk over the road
    network through every assigned segment and pending check, from and back to a start."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("计划"), on_delete=models.CASCADE, related_name="routes"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("督导员"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    start = models.ForeignKey(
        RouteStart,
        verbose_name=_("起点"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    required_m = models.FloatField(_("必经路段长度（米）"))
    length_m = models.FloatField(_("路线长度（米）"))
    minutes = models.PositiveIntegerField(_("预计用时（分钟）"))
    # GeoJSON LineString (WGS84) of the whole walk, in order.
    geometry = models.JSONField(_("路线（GeoJSON）"))
    # The walk's stops in order: [{"kind": "segment", "id": ..}, {"kind": "case", "id": ..}]
    stops = models.JSONField(_("途经"), default=list)

    class Meta:
        verbose_name = _("巡查路线")
        verbose_name_plural = _("巡查路线")
        ordering = ["plan_id", "inspector_id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "inspector"], name="route_unique_inspector")
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.inspector}"


class Round(models.Model):
    """A round (一次巡查) walked by one inspector, identified by the phone's own id."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="+"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("督导员"),
        on_delete=models.PROTECT,
        related_name="rounds",
    )
    client_id = models.UUIDField(_("客户端编号"))
    day = models.DateField(_("日期"))
    plan = models.ForeignKey(
        Plan,
        verbose_name=_("计划"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rounds",
    )
    travel_mode = models.CharField(_("出行方式"), max_length=8, choices=TravelMode.choices)
    status = models.CharField(
        _("状态"), max_length=8, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    last_point_at = models.DateTimeField(_("最后定位时间"), null=True, blank=True)
    points_kept = models.PositiveIntegerField(_("有效定位点"), default=0)
    # {PointDrop value: count}
    points_dropped = models.JSONField(_("剔除定位点"), default=dict)
    walked_m = models.FloatField(_("轨迹长度（米）"), default=0)
    track_purged_at = models.DateTimeField(_("轨迹清除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("巡查记录")
        verbose_name_plural = _("巡查记录")
        ordering = ["jurisdiction_id", "-started_at"]
        indexes = [models.Index(fields=["jurisdiction", "day"], name="round_jurisdiction_day")]
        constraints = [
            models.UniqueConstraint(fields=["inspector", "client_id"], name="round_unique_client"),
            models.UniqueConstraint(
                fields=["inspector"],
                condition=Q(status=RoundStatus.OPEN),
                name="round_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.inspector}"


class TrackPoint(models.Model):
    """A kept position of a round, numbered by the phone (`seq`), so a batch sent
    twice is stored once."""

    round = models.ForeignKey(
        Round, verbose_name=_("巡查记录"), on_delete=models.CASCADE, related_name="points"
    )
    seq = models.PositiveIntegerField(_("序号"))
    at = models.DateTimeField(_("定位时间"))
    lng = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    accuracy_m = models.FloatField(_("精度（米）"), null=True, blank=True)
    # Pieces of the track split at gaps (signal lost longer than track_gap_seconds).
    piece = models.PositiveIntegerField(_("轨迹段"), default=0)

    class Meta:
        verbose_name = _("轨迹点")
        verbose_name_plural = _("轨迹点")
        ordering = ["round_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["round", "seq"], name="trackpoint_unique_seq")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}#{self.seq}"


class RoundSegment(models.Model):
    """What a round proved of one segment: the share of its length within the buffer of
    the track. Kept after the track is purged."""

    round = models.ForeignKey(
        Round, verbose_name=_("巡查记录"), on_delete=models.CASCADE, related_name="segments"
    )
    segment = models.ForeignKey(
        Segment, verbose_name=_("路段"), on_delete=models.CASCADE, related_name="+"
    )
    covered_m = models.FloatField(_("覆盖长度（米）"))
    ratio = models.FloatField(_("覆盖比例"))
    walked = models.BooleanField(_("已巡"))

    class Meta:
        verbose_name = _("巡查覆盖")
        verbose_name_plural = _("巡查覆盖")
        ordering = ["round_id", "segment_id"]
        indexes = [models.Index(fields=["segment", "round"], name="roundsegment_segment")]
        constraints = [
            models.UniqueConstraint(fields=["round", "segment"], name="roundsegment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.segment_id} {self.ratio:.0%}"


class RoundFinding(models.Model):
    """A problem found on a round, filed as a case; the phone's id makes it once."""

    round = models.ForeignKey(
        Round, verbose_name=_("巡查记录"), on_delete=models.CASCADE, related_name="findings"
    )
    client_id = models.UUIDField(_("客户端编号"))
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="finding"
    )
    segment = models.ForeignKey(
        Segment,
        verbose_name=_("路段"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("发现时间"))

    class Meta:
        verbose_name = _("巡查发现")
        verbose_name_plural = _("巡查发现")
        ordering = ["round_id", "at"]
        constraints = [
            models.UniqueConstraint(fields=["round", "client_id"], name="finding_unique_client")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.case_id}"


class ChecklistTick(models.Model):
    """A checklist item ticked on a segment during a round (no problem found, or not)."""

    round = models.ForeignKey(
        Round, verbose_name=_("巡查记录"), on_delete=models.CASCADE, related_name="ticks"
    )
    client_id = models.UUIDField(_("客户端编号"))
    segment = models.ForeignKey(
        Segment, verbose_name=_("路段"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("检查项"), on_delete=models.PROTECT, related_name="+"
    )
    ok = models.BooleanField(_("正常"))
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("检查项记录")
        verbose_name_plural = _("检查项记录")
        ordering = ["round_id", "at"]
        constraints = [
            models.UniqueConstraint(fields=["round", "client_id"], name="tick_unique_client")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.category_id} {self.ok}"


class GapNotice(models.Model):
    """The morning gap list of one day, as told to the office (the notify source's log):
    written once per jurisdiction and day by the 08:00 job, never changed."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("漏巡日期"))
    at = models.DateTimeField(_("生成时间"))
    segments = models.PositiveIntegerField(_("漏巡路段数"))
    length_m = models.FloatField(_("漏巡长度（米）"))

    class Meta:
        verbose_name = _("漏巡清单通知")
        verbose_name_plural = _("漏巡清单通知")
        ordering = ["jurisdiction_id", "-day"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "day"], name="gapnotice_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.day}: {self.segments}"
