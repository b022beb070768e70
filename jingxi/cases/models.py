"""Cases (案卷) and their append-only event log.

`Case` holds the current state of one problem; `CaseEvent` holds every step that led
there. Only `services.case_transition` (and `case_report`, which creates) writes either.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingxi.cases.choices import (
    EVENT_CHOICES,
    SCAN_EVENTS,
    PendingRequest,
    Record,
    Source,
    Stage,
    Status,
)
from jingxi.cases.workflow import OPEN
from jingxi.catalog.choices import Urgency
from jingxi.catalog.models import Category
from jingxi.org.models import Jurisdiction, Unit, User
from jingxi.places.models import Community, Grid, Road, Segment, Township


class CaseNumberCounter(models.Model):
    """The last case number handed out per jurisdiction and day (numbers are never reused)."""

    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "day"], name="casenumber_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y%m%d} #{self.last}"


class Case(models.Model):
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("辖区"),
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # every index of Meta.indexes below starts with it
    )
    number = models.CharField(_("案卷编号"), max_length=20)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="cases"
    )
    urgency = models.CharField(
        _("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL
    )
    condition = models.CharField(_("情形"), max_length=64, blank=True)
    description = models.TextField(_("问题描述"), max_length=2000)
    # Position (WGS84) and what the responsibility lookup found there.
    lng = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    address = models.CharField(_("地址"), max_length=255, blank=True)
    township = models.ForeignKey(
        Township, verbose_name=_("乡镇/街道"), null=True, on_delete=models.PROTECT
    )
    community = models.ForeignKey(
        Community, verbose_name=_("社区/村"), null=True, on_delete=models.PROTECT
    )
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), null=True, on_delete=models.PROTECT)
    segment = models.ForeignKey(
        Segment, verbose_name=_("路段"), null=True, on_delete=models.PROTECT
    )
    road = models.ForeignKey(Road, verbose_name=_("道路"), null=True, on_delete=models.PROTECT)
    # Who reported: a staff member, or a citizen whose contact is private.
    reporter = models.ForeignKey(
        User,
        verbose_name=_("上报人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_cases",
    )
    reporter_name = models.CharField(_("反映人姓名"), max_length=64, blank=True)
    reporter_phone = models.CharField(_("反映人电话"), max_length=32, blank=True)
    # Where it stands.
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        db_index=False,  # case_unit_status starts with it
    )
    proposed_unit = models.ForeignKey(
        Unit,
        verbose_name=_("建议责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposed_cases",
    )
    stage = models.CharField(_("当前环节"), max_length=16, choices=Stage.choices)
    stage_deadline = models.DateTimeField(_("环节时限"), null=True, blank=True)
    deadline = models.DateTimeField(_("处置时限"), null=True, blank=True)
    pending_request = models.CharField(
        _("待审批申请"), max_length=16, choices=PendingRequest.choices, blank=True, default=""
    )
    # Flags and counters.
    is_overdue = models.BooleanField(_("超期"), default=False)
    is_supervised = models.BooleanField(_("督办"), default=False)
    # Deadline scan bookkeeping: whether the stage's warning is done (sent, or none due
    # because the stage is no longer than the lead: `effects.stage_warning_due`), and how
    # many steps of the escalation ladder were taken since the case went overdue.
    warned = models.BooleanField(_("已提醒"), default=False)
    escalation_step = models.PositiveSmallIntegerField(_("升级步数"), default=0)
    return_count = models.PositiveIntegerField(_("退单次数"), default=0)
    rework_count = models.PositiveIntegerField(_("返工次数"), default=0)
    dispatch_count = models.PositiveIntegerField(_("派遣次数"), default=0)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
    )
    idempotency_key = models.CharField(max_length=64, blank=True)
    # A secret given to the reporter with the number: it lets them rate the result or
    # say it is not fixed (the number alone only shows the public-safe timeline).
    tracking_token = models.CharField(max_length=32, blank=True, editable=False)
    # Milestones.
    reported_at = models.DateTimeField(_("上报时间"))
    filed_at = models.DateTimeField(_("立案时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    handled_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("案卷")
        verbose_name_plural = _("案卷")
        ordering = ["-reported_at"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "number"], name="case_unique_number"),
            models.UniqueConstraint(
                fields=["jurisdiction", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="case_unique_idempotency_key",
            ),
        ]
        indexes = [
            models.Index(fields=["jurisdiction", "status"], name="case_status"),
            models.Index(fields=["unit", "status"], name="case_unit_status"),
            models.Index(fields=["stage_deadline"], name="case_stage_deadline"),
            models.Index(fields=["jurisdiction", "category", "reported_at"], name="case_dupes"),
            # Newest-first lists (API, Open311 GET requests' 90-day window, queues).
            models.Index(fields=["jurisdiction", "-reported_at", "-id"], name="case_recent"),
            # The deadline scan (cases/deadlines.py): each partial index holds only the open
            # cases that may still need that action, so closed and fully escalated cases
            # cost nothing.
            models.Index(
                fields=["jurisdiction", "stage_deadline"],
                condition=models.Q(warned=False, stage_deadline__isnull=False),
                name="case_scan_warn",
            ),
            models.Index(
                fields=["jurisdiction", "stage_deadline"],
                condition=models.Q(is_overdue=False, stage_deadline__isnull=False),
                name="case_scan_overdue",
            ),
            models.Index(
                fields=["jurisdiction", "escalation_step", "stage_deadline"],
                condition=models.Q(
                    status__in=[Status.DISPATCHED, Status.HANDLING], stage_deadline__isnull=False
                ),
                name="case_scan_ladder",
            ),
            # The work queues (cases/queues.py), each in its own order: the planner would
            # otherwise walk case_recent from the oldest case and filter, which reads the
            # whole table when the queue holds only the newest cases. Each partial index
            # holds the cases of one queue only.
            models.Index(
                fields=["jurisdiction", "reported_at"],
                condition=models.Q(status__in=[Status.REPORTED, Status.CHECKING]),
                name="case_queue_inbox",
            ),
            models.Index(
                fields=["jurisdiction", "stage_deadline", "reported_at"],
                condition=models.Q(status=Status.FILED),
                name="case_queue_dispatch",
            ),
            models.Index(
                fields=["jurisdiction", "updated_at"],
                condition=~models.Q(pending_request=PendingRequest.NONE),
                name="case_queue_approvals",
            ),
            models.Index(
                fields=["jurisdiction", "stage_deadline"],
                condition=models.Q(status=Status.HANDLED),
                name="case_queue_verify",
            ),
            models.Index(
                fields=["jurisdiction", "stage_deadline"],
                condition=models.Q(is_overdue=True, status__in=sorted(OPEN)),
                name="case_queue_overdue",
            ),
            # Cases closed, or due, in a period, read from the columns (retention, and the
            # column count the indicators are held equal to: cases/tests/indicator_columns.py;
            # the figures themselves come from the events, cases/indicators.py). Open
            # cases have neither yet, so a report writes no entry.
            models.Index(
                fields=["jurisdiction", "closed_at"],
                condition=models.Q(closed_at__isnull=False),
                name="case_closed_at",
            ),
            models.Index(
                fields=["jurisdiction", "deadline"],
                condition=models.Q(deadline__isnull=False),
                name="case_deadline",
            ),
        ]

    def __str__(self) -> str:
        return self.number


# Events that record on the timeline without being a step of the loop: the deadline
# scan's (`SCAN_EVENTS`) and the documents' (`Record`: notices and supervision orders
# issued and signed for). Staff-only: public views and feeds must leave them out (the
# public timeline shows only the steps it names, in public/citizen/selectors.py).
RECORD_ACTIONS = [*((kind.value, kind.label) for kind in SCAN_EVENTS), *Record.choices]


class CaseEvent(models.Model):
    """One step of a case: append-only (triggers refuse UPDATE and DELETE).

    The timeline, the source of every indicator, and the outbox the notification job
    drains (with a cursor, so the rows themselves never change).
    """

    case = models.ForeignKey(
        Case, verbose_name=_("案卷"), on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(_("动作"), max_length=24, choices=EVENT_CHOICES)
    actor = models.ForeignKey(
        User,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_events",
    )
    at = models.DateTimeField(_("时间"))
    from_status = models.CharField(_("原状态"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=Status.choices)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("责任单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_events",
    )
    note = models.TextField(_("意见"), blank=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("案卷记录")
        verbose_name_plural = _("案卷记录")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["case", "id"], name="caseevent_case"),
            # The indicators of a period (jingxi/cases/indicators.py): events of some
            # kinds within [start, end).
            models.Index(fields=["action", "at"], name="caseevent_action_at"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


def default_escalation_ladder() -> list[dict[str, object]]:
    """Steps taken once a case is overdue, by working hours past its deadline."""
    return [
        {"after_hours": 0, "step": "unit_head"},
        {"after_hours": 4, "step": "road_chief_township"},
        {"after_hours": 8, "step": "road_chief_county"},
        {"after_hours": 16, "step": "supervision_order"},
    ]


class LoopSettings(models.Model):
    """Per-jurisdiction settings of the closed loop (stage time limits, windows, ladder)."""

    jurisdiction = models.OneToOneField(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.CASCADE, related_name="loop_settings"
    )
    filing_hours = models.DecimalField(
        _("受理立案时限（工作时）"), max_digits=5, decimal_places=1, default=1
    )
    dispatch_hours = models.DecimalField(
        _("派遣时限（工作时）"), max_digits=5, decimal_places=1, default=1
    )
    acceptance_hours = models.DecimalField(
        _("签收时限（工作时）"), max_digits=5, decimal_places=1, default=1
    )
    verification_hours = models.DecimalField(
        _("核查时限（工作时）"), max_digits=5, decimal_places=1, default=2
    )
    warn_before_hours = models.DecimalField(
        _("到期前提醒（工作时）"), max_digits=5, decimal_places=1, default=1
    )
    public_reports_need_check = models.BooleanField(_("公众上报须先核实"), default=False)
    duplicate_radius_m = models.PositiveIntegerField(_("疑似重复距离（米）"), default=50)
    duplicate_window_hours = models.PositiveIntegerField(_("疑似重复时间窗（小时）"), default=72)
    reopen_window_days = models.PositiveIntegerField(_("重新立案期限（天）"), default=30)
    escalation_ladder = models.JSONField(_("超期升级阶梯"), default=default_escalation_ladder)

    class Meta:
        verbose_name = _("闭环设置")
        verbose_name_plural = _("闭环设置")

    def __str__(self) -> str:
        return str(self.jurisdiction)


class AttachmentKind(models.TextChoices):
    BEFORE = "before", _("处置前")
    AFTER = "after", _("处置后")
    OTHER = "other", _("其他")


class Attachment(models.Model):
    """An evidence photo. Checked by content; sha256, EXIF time and GPS recorded."""

    case = models.ForeignKey(
        Case, verbose_name=_("案卷"), on_delete=models.PROTECT, related_name="attachments"
    )
    event = models.ForeignKey(
        CaseEvent,
        verbose_name=_("环节"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    kind = models.CharField(_("类型"), max_length=8, choices=AttachmentKind.choices)
    file = models.FileField(_("文件"), upload_to="cases/%Y/%m/")
    thumbnail = models.FileField(_("缩略图"), upload_to="cases/thumbs/%Y/%m/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    content_type = models.CharField(_("类型"), max_length=32)
    size = models.PositiveIntegerField(_("大小（字节）"))
    width = models.PositiveIntegerField(_("宽"), default=0)
    height = models.PositiveIntegerField(_("高"), default=0)
    taken_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    exif_lng = models.FloatField(_("拍摄经度"), null=True, blank=True)
    exif_lat = models.FloatField(_("拍摄纬度"), null=True, blank=True)
    warnings = models.JSONField(_("疑点"), default=list, blank=True)
    uploaded_by = models.ForeignKey(
        User, verbose_name=_("上传人"), null=True, blank=True, on_delete=models.PROTECT
    )
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("证据照片")
        verbose_name_plural = _("证据照片")
        ordering = ["case_id", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.sha256[:8]}"


class Notice(models.Model):
    """A rectification notice (整改通知单) issued to a unit for one or more cases."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="notices"
    )
    number = models.CharField(_("文号"), max_length=64)
    year = models.PositiveIntegerField(_("年度"))
    serial = models.PositiveIntegerField(_("序号"))
    unit = models.ForeignKey(
        Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="notices"
    )
    cases = models.ManyToManyField(Case, verbose_name=_("案卷"), related_name="notices")
    content = models.TextField(_("整改要求"))
    deadline = models.DateTimeField(_("整改时限"))
    issued_by = models.ForeignKey(
        User, verbose_name=_("签发人"), on_delete=models.PROTECT, related_name="issued_notices"
    )
    issued_at = models.DateTimeField(_("签发时间"))
    signed_by = models.ForeignKey(
        User,
        verbose_name=_("签收人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signed_notices",
    )
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("整改通知单")
        verbose_name_plural = _("整改通知单")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "number"], name="notice_unique_number")
        ]

    def __str__(self) -> str:
        return self.number


class SupervisionOrder(models.Model):
    """A supervision order (督办单) for an overdue or leader-flagged case."""

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("辖区"),
        on_delete=models.PROTECT,
        related_name="supervision_orders",
    )
    number = models.CharField(_("文号"), max_length=64)
    year = models.PositiveIntegerField(_("年度"))
    serial = models.PositiveIntegerField(_("序号"))
    case = models.ForeignKey(
        Case, verbose_name=_("案卷"), on_delete=models.PROTECT, related_name="supervision_orders"
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("责任单位"),
        on_delete=models.PROTECT,
        related_name="supervision_orders",
    )
    reason = models.CharField(
        _("督办原因"),
        max_length=16,
        choices=[("overdue", _("超期未处置")), ("leader", _("领导督办"))],
    )
    content = models.TextField(_("督办要求"))
    deadline = models.DateTimeField(_("办结时限"))
    issued_by = models.ForeignKey(
        User,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_supervision_orders",
        help_text=_("为空表示系统按升级阶梯自动生成"),
    )
    issued_at = models.DateTimeField(_("签发时间"))
    signed_by = models.ForeignKey(
        User,
        verbose_name=_("签收人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signed_supervision_orders",
    )
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "number"], name="supervisionorder_unique_number"
            )
        ]

    def __str__(self) -> str:
        return self.number
