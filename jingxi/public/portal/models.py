"""Disclosure and participation: suggestions, media exposures, consultations, hearings,
typical cases (bulletins are jingxi.bulletins').

`jingxi/public/models.py` imports these (`from jingxi.public.portal.models import *`), so
they belong to the `public` app and its migrations. Writes go through
`services.py`; reads that span relations through `selectors.py`; the choices are in
`choices.py` (re-exported here for the models' readers).

Personal data: a suggestion's contact name and phone and a comment's name are private.
Public pages show suggestions without contact, and comments under a masked name only.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingxi.cases.models import Attachment, Case
from jingxi.org.models import Jurisdiction, User
from jingxi.public.portal.choices import (
    ConsultationKind,
    ConsultationStatus,
    ModerationStatus,
    SuggestionChannel,
    TypicalKind,
)

__all__ = [
    "Consultation",
    "ConsultationComment",
    "ConsultationKind",
    "ConsultationStatus",
    "Hearing",
    "MediaExposure",
    "ModerationStatus",
    "Suggestion",
    "SuggestionChannel",
    "TypicalCase",
    "TypicalKind",
]


class Suggestion(models.Model):
    """A suggestion (意见建议) from any channel, answered by the office."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="suggestions"
    )
    channel = models.CharField(_("渠道"), max_length=16, choices=SuggestionChannel.choices)
    title = models.CharField(_("标题"), max_length=100)
    text = models.TextField(_("内容"), max_length=2000)
    contact_name = models.CharField(_("联系人姓名"), max_length=64, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=32, blank=True)
    received_at = models.DateTimeField(_("收到时间"))
    received_by = models.ForeignKey(
        User,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ip_hash = models.CharField(max_length=64, blank=True, editable=False)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        User,
        verbose_name=_("答复人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    is_published = models.BooleanField(_("公开"), default=False)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("意见建议")
        verbose_name_plural = _("意见建议")
        ordering = ["-received_at"]
        indexes = [
            models.Index(
                fields=["jurisdiction", "is_published", "-answered_at"], name="suggestion_published"
            ),
            models.Index(fields=["ip_hash", "received_at"], name="suggestion_ip"),
        ]

    def __str__(self) -> str:
        return self.title


class MediaExposure(models.Model):
    """A problem exposed by the media (媒体监督): the outlet's piece and the case it opened."""

    case = models.OneToOneField(
        Case, verbose_name=_("案卷"), on_delete=models.PROTECT, related_name="media_exposure"
    )
    outlet = models.CharField(_("媒体"), max_length=64)
    title = models.CharField(_("报道标题"), max_length=200)
    url = models.URLField(_("报道链接"), max_length=500, blank=True)
    published_on = models.DateField(_("报道日期"))
    note = models.TextField(_("备注"), blank=True)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("媒体曝光")
        verbose_name_plural = _("媒体曝光")
        ordering = ["-published_on", "-id"]

    def __str__(self) -> str:
        return f"{self.outlet}：{self.title}"


class Consultation(models.Model):
    """A matter the office puts to the public (公示 / 征求意见) for a comment period."""

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("辖区"),
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    kind = models.CharField(_("类型"), max_length=16, choices=ConsultationKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ConsultationStatus.choices,
        default=ConsultationStatus.DRAFT,
    )
    summary = models.TextField(_("意见汇总"), blank=True)
    response = models.TextField(_("采纳与答复情况"), blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    concluded_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示/征求意见")
        verbose_name_plural = _("公示/征求意见")
        ordering = ["-opens_at", "-id"]
        indexes = [
            models.Index(fields=["jurisdiction", "status", "-opens_at"], name="consultation_status")
        ]

    def __str__(self) -> str:
        return self.title


class ConsultationComment(models.Model):
    """A citizen's comment on a consultation; shown only once approved, name masked."""

    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("公示/征求意见"),
        on_delete=models.CASCADE,
        related_name="comments",
    )
    name = models.CharField(_("称呼"), max_length=64, blank=True)
    text = models.TextField(_("意见"), max_length=1000)
    submitted_at = models.DateTimeField(_("提交时间"))
    status = models.CharField(
        _("审核状态"),
        max_length=16,
        choices=ModerationStatus.choices,
        default=ModerationStatus.PENDING,
    )
    moderated_by = models.ForeignKey(
        User,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    moderated_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    moderation_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    ip_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("公众意见")
        verbose_name_plural = _("公众意见")
        ordering = ["submitted_at", "id"]
        indexes = [
            models.Index(fields=["consultation", "status"], name="comment_status"),
            models.Index(fields=["ip_hash", "submitted_at"], name="comment_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id} #{self.pk}"


class Hearing(models.Model):
    """A hearing (座谈会) held to hear the public, with its minutes."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="hearings"
    )
    consultation = models.ForeignKey(
        Consultation,
        verbose_name=_("相关公示/征求意见"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hearings",
    )
    title = models.CharField(_("会议名称"), max_length=200)
    held_on = models.DateField(_("召开日期"))
    place = models.CharField(_("地点"), max_length=200, blank=True)
    participants = models.TextField(_("参会人员"))
    minutes = models.TextField(_("会议纪要"))
    is_published = models.BooleanField(_("公开"), default=True)
    recorded_by = models.ForeignKey(
        User, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"))

    class Meta:
        verbose_name = _("座谈会")
        verbose_name_plural = _("座谈会")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title


class TypicalCase(models.Model):
    """A closed case the office shows as a typical case, with one before and one after photo.

    Only the two chosen photos of a published typical case are ever served publicly.
    """

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("辖区"),
        on_delete=models.PROTECT,
        related_name="typical_cases",
    )
    case = models.ForeignKey(
        Case, verbose_name=_("案卷"), on_delete=models.PROTECT, related_name="typical_cases"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=TypicalKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("说明"))
    before_photo = models.ForeignKey(
        Attachment,
        verbose_name=_("处置前照片"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    after_photo = models.ForeignKey(
        Attachment,
        verbose_name=_("处置后照片"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_published = models.BooleanField(_("公开"), default=False)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    chosen_by = models.ForeignKey(
        User, verbose_name=_("选定人"), on_delete=models.PROTECT, related_name="+"
    )
    chosen_at = models.DateTimeField(_("选定时间"))

    class Meta:
        verbose_name = _("典型案例")
        verbose_name_plural = _("典型案例")
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(
                fields=["jurisdiction", "is_published", "-published_at"],
                name="typicalcase_published",
            )
        ]

    def __str__(self) -> str:
        return self.title
