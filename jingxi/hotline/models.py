"""Hotline calls (来电) and callbacks (回访).

A `Call` records one conversation an operator had with a caller and what became of it:
a new case, a repeated call about an open case, a suggestion, or information only. A
`Callback` records the operator calling the caller back after the case was closed.
Only `services.py` writes either. The caller's phone is private: it is shown in full
only to those who call back (the operator's console and callback queue).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingxi.cases.models import Case
from jingxi.hotline.choices import CallOutcome, Satisfaction
from jingxi.org.models import Jurisdiction, User


class Call(models.Model):
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="calls"
    )
    operator = models.ForeignKey(
        User, verbose_name=_("话务员"), on_delete=models.PROTECT, related_name="calls_taken"
    )
    caller_name = models.CharField(_("来电人姓名"), max_length=64, blank=True)
    caller_phone = models.CharField(_("来电号码"), max_length=32)
    received_at = models.DateTimeField(_("来电时间"))
    summary = models.TextField(_("来电内容"), max_length=2000)
    outcome = models.CharField(_("处理结果"), max_length=24, choices=CallOutcome.choices)
    case = models.ForeignKey(
        Case,
        verbose_name=_("案卷"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls",
    )
    duration_seconds = models.PositiveIntegerField(_("通话时长（秒）"), null=True, blank=True)

    class Meta:
        verbose_name = _("热线来电")
        verbose_name_plural = _("热线来电")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["jurisdiction", "received_at"], name="call_received"),
            models.Index(fields=["case", "received_at"], name="call_case"),
            models.Index(fields=["jurisdiction", "caller_phone", "received_at"], name="call_phone"),
        ]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.get_outcome_display()}"


class Callback(models.Model):
    case = models.ForeignKey(
        Case, verbose_name=_("案卷"), on_delete=models.PROTECT, related_name="callbacks"
    )
    call = models.ForeignKey(
        Call,
        verbose_name=_("来电"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callbacks",
    )
    operator = models.ForeignKey(
        User, verbose_name=_("回访人"), on_delete=models.PROTECT, related_name="callbacks_made"
    )
    called_at = models.DateTimeField(_("回访时间"))
    reached = models.BooleanField(_("已接通"))
    satisfaction = models.CharField(_("满意度"), max_length=24, choices=Satisfaction.choices)
    note = models.TextField(_("回访记录"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["-called_at", "-id"]
        indexes = [models.Index(fields=["case", "called_at"], name="callback_case")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.called_at:%Y-%m-%d %H:%M} {self.get_satisfaction_display()}"
