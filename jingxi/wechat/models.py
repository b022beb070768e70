"""WeChat report dialogues: one `Conversation` per follower, the messages already
answered (WeChat retries), and photo references waiting to be fetched.

The OpenID is pseudonymous personal data: it lives only on `Conversation`, never on a
case, in a case's description or on a public page.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingxi.cases.models import Attachment, Case
from jingxi.org.models import Jurisdiction
from jingxi.wechat.choices import Step


class Conversation(models.Model):
    """The report dialogue with one follower (OpenID), and the draft it is building.

    Lng/lat are as WeChat sent them (GCJ-02). `draft_key` names the report being built;
    the case is created with an idempotency key derived from it, so a retried last
    message cannot create the case twice.
    """

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="+"
    )
    openid = models.CharField(_("OpenID"), max_length=64, unique=True)
    step = models.CharField(_("环节"), max_length=16, choices=Step.choices, default=Step.IDLE)
    draft_key = models.CharField(_("草稿标识"), max_length=32, blank=True)
    lng = models.FloatField(_("经度（GCJ-02）"), null=True, blank=True)
    lat = models.FloatField(_("纬度（GCJ-02）"), null=True, blank=True)
    label = models.CharField(_("位置说明"), max_length=255, blank=True)
    pic_url = models.CharField(_("图片链接"), max_length=500, blank=True)
    media_id = models.CharField(_("媒体ID"), max_length=128, blank=True)
    last_case = models.ForeignKey(
        Case,
        verbose_name=_("最近上报的案卷"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("微信会话")
        verbose_name_plural = _("微信会话")
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"{self.openid[:6]}… {self.step}"


class InboundMessage(models.Model):
    """A message already handled, by MsgId (events: event and CreateTime), with the reply
    given, so WeChat's retries get the same answer and change nothing."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    key = models.CharField(max_length=64)
    reply = models.TextField(blank=True)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "key"], name="wechat_inbound_unique_key"
            )
        ]
        indexes = [
            models.Index(fields=["conversation", "received_at"], name="wechat_inbound_received")
        ]

    def __str__(self) -> str:
        return self.key


class PendingMedia(models.Model):
    """A citizen's photo of a case as WeChat sent it (a PicUrl and a MediaId) until the
    fetch job (`media.media_fetch_due`) has downloaded it through the API and stored it
    as a before-photo (`attachment`, `fetched_at`), or given up (`failed_at`,
    `last_error`). `attempts` counts tries; `next_attempt_at` is when the job may try
    next (it also holds the row for a try under way)."""

    case = models.ForeignKey(
        Case, verbose_name=_("案卷"), on_delete=models.PROTECT, related_name="wechat_media"
    )
    pic_url = models.CharField(_("图片链接"), max_length=500, blank=True)
    media_id = models.CharField(_("媒体ID"), max_length=128, blank=True)
    received_at = models.DateTimeField(_("收到时间"))
    fetched_at = models.DateTimeField(_("获取时间"), null=True, blank=True)
    attachment = models.ForeignKey(
        Attachment,
        verbose_name=_("证据照片"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"))
    last_error = models.TextField(_("最近错误"), blank=True)
    failed_at = models.DateTimeField(_("放弃时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("待获取的微信照片")
        verbose_name_plural = _("待获取的微信照片")
        ordering = ["received_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(fetched_at__isnull=True, failed_at__isnull=True),
                name="wechat_media_due",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.media_id}"
