"""In-app notifications, and the cursors with which the notify job drains its sources."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingxi.org.models import User


class Notification(models.Model):
    """A message to one person (in-app; other channels deliver from these rows)."""

    recipient = models.ForeignKey(
        User, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    # What it is about: the source that wrote it (`notify.sources`), the record's id in
    # that source's app, and where to read it.
    source = models.CharField(_("来源"), max_length=32)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    url = models.CharField(_("链接"), max_length=255, blank=True)
    kind = models.CharField(_("类型"), max_length=32)
    title = models.CharField(_("标题"), max_length=255)
    body = models.TextField(_("内容"), blank=True)
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.title


class OutboxCursor(models.Model):
    """How far the drain has read one source's append-only log (by id)."""

    source = models.CharField(max_length=32, unique=True)
    last_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.source} @ {self.last_id}"
