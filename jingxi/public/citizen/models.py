"""Citizens' ratings of closed cases and their "not fixed" requests (问题未解决), which a
dispatcher accepts (the case is reopened) or declines."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingxi.cases.models import Case
from jingxi.org.models import User
from jingxi.public.citizen.choices import Rating, ReopenStatus


class Feedback(models.Model):
    """The reporter's rating of a closed case (评价): one per case."""

    case = models.OneToOneField(
        Case, verbose_name=_("案卷"), on_delete=models.CASCADE, related_name="feedback"
    )
    rating = models.CharField(_("评价"), max_length=24, choices=Rating.choices)
    comment = models.TextField(_("意见"), max_length=500, blank=True)
    at = models.DateTimeField(_("评价时间"))

    class Meta:
        verbose_name = _("市民评价")
        verbose_name_plural = _("市民评价")
        ordering = ["-at"]
        indexes = [models.Index(fields=["at"], name="feedback_at")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.rating}"


class ReopenRequest(models.Model):
    """A reporter says a closed case is not fixed; the dispatcher accepts or declines."""

    case = models.ForeignKey(
        Case, verbose_name=_("案卷"), on_delete=models.CASCADE, related_name="reopen_requests"
    )
    reason = models.TextField(_("情况说明"), max_length=500)
    at = models.DateTimeField(_("提出时间"))
    status = models.CharField(
        _("状态"), max_length=16, choices=ReopenStatus.choices, default=ReopenStatus.PENDING
    )
    decided_by = models.ForeignKey(
        User,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_note = models.TextField(_("处理意见"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("问题未解决申请")
        verbose_name_plural = _("问题未解决申请")
        ordering = ["-at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(status="pending"),
                name="reopen_request_one_pending",
            )
        ]
        indexes = [models.Index(fields=["status", "at"], name="reopen_request_status")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.status}"
