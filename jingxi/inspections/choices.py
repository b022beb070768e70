from django.db import models
from django.utils.translation import gettext_lazy as _


class TravelMode(models.TextChoices):
    """How an inspector moves: decides the daily capacity and the plausible speed."""

    FOOT = "foot", _("步行")
    EBIKE = "ebike", _("电动车")


class DutyStatus(models.TextChoices):
    ON_DUTY = "on_duty", _("在岗")
    ABSENT = "absent", _("缺勤")


class DutyChangeKind(models.TextChoices):
    ABSENCE = "absence", _("请假/缺勤")
    RETURN = "return", _("销假")
    SWAP = "swap", _("换班")
    SHIFT = "shift", _("调整班次")


class PlanReason(models.TextChoices):
    """Why a segment is in an inspector's plan for the day."""

    OWN = "own", _("本人网格")
    NEIGHBOUR = "neighbour", _("相邻网格")
    OTHER = "other", _("调剂")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("巡查中")
    ENDED = "ended", _("已结束")


class PointDrop(models.TextChoices):
    """Why a position sent by the phone was not kept in the track."""

    DUPLICATE = "duplicate", _("重复")
    OUT_OF_ORDER = "out_of_order", _("时间倒序")
    OUTSIDE = "outside", _("辖区外")
    TOO_FAST = "too_fast", _("速度超限")
    INACCURATE = "inaccurate", _("精度过低")
    INVALID = "invalid", _("无效坐标")
