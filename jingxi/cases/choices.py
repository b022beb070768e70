from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """Where a case stands in the closed loop. Grouped by kind in `workflow.py`."""

    REPORTED = "reported", _("待受理")
    CHECKING = "checking", _("待核实")
    FILED = "filed", _("已立案待派遣")
    DISPATCHED = "dispatched", _("已派遣待签收")
    HANDLING = "handling", _("处置中")
    SUSPENDED = "suspended", _("挂账")
    HANDLED = "handled", _("已反馈待核查")
    CLOSED = "closed", _("已结案")
    REJECTED = "rejected", _("不予立案")
    MERGED = "merged", _("已合并")
    VOIDED = "voided", _("已作废")


class Action(models.TextChoices):
    """Every step of the loop. The allowed (status, action) pairs are in `workflow.py`."""

    REQUEST_CHECK = "request_check", _("派核实")
    CHECK = "check", _("核实")
    FILE = "file", _("立案")
    REJECT = "reject", _("不予立案")
    MERGE = "merge", _("合并")
    DISPATCH = "dispatch", _("派遣")
    RETURN = "return", _("退单")
    ACCEPT = "accept", _("签收")
    REQUEST_EXTENSION = "request_extension", _("申请延期")
    APPROVE_EXTENSION = "approve_extension", _("批准延期")
    REFUSE_EXTENSION = "refuse_extension", _("驳回延期")
    REQUEST_SUSPENSION = "request_suspension", _("申请挂账")
    APPROVE_SUSPENSION = "approve_suspension", _("批准挂账")
    REFUSE_SUSPENSION = "refuse_suspension", _("驳回挂账")
    RESUME = "resume", _("恢复处置")
    REPORT_BACK = "report_back", _("处置反馈")
    VERIFY_PASS = "verify_pass", _("核查通过")
    VERIFY_FAIL = "verify_fail", _("核查不通过（返工）")
    REQUEST_VOID = "request_void", _("申请作废")
    APPROVE_VOID = "approve_void", _("批准作废")
    REFUSE_VOID = "refuse_void", _("驳回作废")
    SELF_HANDLE = "self_handle", _("自处理结案")
    REOPEN = "reopen", _("重新立案")


class Record(models.TextChoices):
    """Events that put an official document on a case's timeline. Not steps of the loop:
    they are not `Action` members, never change the status (from_status == to_status)
    and are staff-only (the public timeline and Open311 leave them out).
    data: {"document": "notice" | "supervision_order", "document_id": ..., "number": ...}.
    """

    NOTICE_ISSUED = "notice_issued", _("发放整改通知单")
    NOTICE_SIGNED = "notice_signed", _("签收整改通知单")
    SUPERVISION_ISSUED = "supervision_issued", _("发出督办单")
    SUPERVISION_SIGNED = "supervision_signed", _("签收督办单")


class Source(models.TextChoices):
    """Where a report came from (信息来源)."""

    INSPECTOR = "inspector", _("督导员巡查")
    ROAD_CHIEF = "road_chief", _("路长巡查")
    ASSESSOR = "assessor", _("第三方考核")
    CITIZEN_WEB = "citizen_web", _("市民网页")
    HOTLINE = "hotline", _("热线电话")
    WECHAT = "wechat", _("微信公众号")
    OPEN311 = "open311", _("Open311 客户端")
    MEDIA = "media", _("媒体曝光")
    LEADER = "leader", _("领导交办")
    TRANSFER = "transfer", _("部门转办")


class Stage(models.TextChoices):
    """The stage whose clock `Case.stage_deadline` measures."""

    FILING = "filing", _("受理立案")
    DISPATCH = "dispatch", _("派遣")
    ACCEPTANCE = "acceptance", _("签收")
    HANDLING = "handling", _("处置")
    VERIFICATION = "verification", _("核查")
    NONE = "none", _("无")


class PendingRequest(models.TextChoices):
    NONE = "", _("无")
    EXTENSION = "extension", _("延期申请")
    SUSPENSION = "suspension", _("挂账申请")
    VOID = "void", _("作废申请")


class EventKind(models.TextChoices):
    """The event kinds that are neither steps of the loop (`Action`) nor documents
    (`Record`): the report that creates a case, and the deadline scan's (`deadlines.py`;
    they change flags, never the status: from_status == to_status, data {"step": ...,
    "recipients": [user ids]})."""

    REPORT = "report", _("上报")
    WARN = "warn", _("到期提醒")
    OVERDUE = "overdue", _("超期")
    ESCALATE = "escalate", _("超期升级")


# The deadline scan's kinds. Staff-only, like `Record`'s.
SCAN_EVENTS: Final = (EventKind.WARN, EventKind.OVERDUE, EventKind.ESCALATE)

# The one vocabulary of `CaseEvent.action`: the report, the loop's steps, the scan's and
# the documents' kinds. Compare and write kinds by these members, never by literals
# (cases/tests/test_event_kinds.py checks the sources).
EVENT_CHOICES: Final = [
    (EventKind.REPORT.value, EventKind.REPORT.label),
    *Action.choices,
    *((kind.value, kind.label) for kind in SCAN_EVENTS),
    *Record.choices,
]
