"""Bulletins (通报) and announcements (公告) the office publishes on the portal."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingxi.bulletins.choices import BulletinKind, BulletinStatus
from jingxi.org.models import Jurisdiction, User


class Bulletin(models.Model):
    """A bulletin (通报) or announcement (公告) the office publishes on the portal.

    draft → published → withdrawn; only a draft is edited. A withdrawn bulletin leaves the
    portal (page and PDF answer 404) but stays in the office's archive. The optional PDF
    is stored under its sha256 and served only by views that check the status.
    """

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="bulletins"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=BulletinKind.choices)
    number = models.CharField(_("文号"), max_length=64, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    period_start = models.DateField(_("通报期间起"), null=True, blank=True)
    period_end = models.DateField(_("通报期间止"), null=True, blank=True)
    body = models.TextField(_("正文"))
    pdf = models.FileField(_("PDF 文件"), upload_to="bulletins/", blank=True)
    pdf_size = models.PositiveIntegerField(_("PDF 大小（字节）"), default=0)
    status = models.CharField(
        _("状态"), max_length=16, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT
    )
    created_by = models.ForeignKey(
        User, verbose_name=_("撰稿人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("修改时间"))
    published_by = models.ForeignKey(
        User,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        User,
        verbose_name=_("撤回人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdraw_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("通报公告")
        verbose_name_plural = _("通报公告")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "number"],
                condition=~models.Q(number=""),
                name="bulletin_unique_number",
            )
        ]
        indexes = [
            models.Index(
                fields=["jurisdiction", "status", "-published_at"], name="bulletin_published"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title
