"""The portal's fixed vocabularies: how a suggestion came in, what a consultation is and
where it stands, a comment's moderation, and what a typical case shows."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SuggestionChannel(models.TextChoices):
    WEB = "web", _("门户网站")
    HOTLINE = "hotline", _("热线电话")
    WECHAT = "wechat", _("微信公众号")
    MEDIA = "media", _("媒体")
    OTHER = "other", _("其他")


class ConsultationKind(models.TextChoices):
    NOTICE = "notice", _("公示")
    OPINION = "opinion", _("征求意见")


class ConsultationStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    OPEN = "open", _("征集中")
    CLOSED = "closed", _("已截止")
    CONCLUDED = "concluded", _("已反馈")


class ModerationStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")


class TypicalKind(models.TextChoices):
    POSITIVE = "positive", _("先进典型")
    NEGATIVE = "negative", _("反面典型")
