"""In-app notifications, each user's choices of channels, and the drain's cursors."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingxi.notify.choices import Medium
from jingxi.org.models import User

#: A notification that still needs its recipient's action: unread, and its object still
#: in the state it was about. The badge counts these (index `notification_pending`).
PENDING = models.Q(read_at__isnull=True, cleared_at__isnull=True)


class Notification(models.Model):
    """A message to one person (in-app; other channels deliver from these rows).

    One row per recipient, source, object and kind: a repeat (another warning, another
    step of the ladder) updates the row, counts it and makes it unread again, so the
    inbox holds one entry per thing to do (`services.source_drain`).
    """

    recipient = models.ForeignKey(
        User, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    # What it is about: the source that wrote it (`notify.sources`), the record's id in
    # that source's app, and where to read it.
    source = models.CharField(_("来源"), max_length=32)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    url = models.CharField(_("链接"), max_length=255, blank=True)
    kind = models.CharField(_("类型"), max_length=32)
    # The state of the object the message asks action in ("" for none, e.g. a result to
    # read): once the object has left it, the drain sets `cleared_at`.
    about = models.CharField(_("所涉状态"), max_length=32, blank=True, default="")
    title = models.CharField(_("标题"), max_length=255)
    body = models.TextField(_("内容"), blank=True)
    count = models.PositiveIntegerField(_("次数"), default=1)
    created_at = models.DateTimeField(_("时间"))  # of the latest of the `count`
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("已过时时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The badge, polled every minute by every logged-in user: one index range.
            models.Index(fields=["recipient"], condition=PENDING, name="notification_pending"),
            # The drain: a repeat's row, and the rows an object's new state clears.
            models.Index(fields=["source", "object_id"], name="notification_object"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def pending(self) -> bool:
        """Still needs action: unread and not cleared."""
        return self.read_at is None and self.cleared_at is None


class NotificationPreference(models.Model):
    """A user's choice for one kind of notification on one medium.

    Only choices that differ from the default are stored (`services.preference_default`):
    every kind in-app, urgent kinds also by the other media.
    """

    user = models.ForeignKey(
        User,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        db_index=False,  # the unique constraint starts with it
    )
    source = models.CharField(_("来源"), max_length=32)
    kind = models.CharField(_("类型"), max_length=32)
    medium = models.CharField(_("渠道"), max_length=16, choices=Medium.choices)
    enabled = models.BooleanField(_("接收"))

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "source", "kind", "medium"], name="notification_preference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.source}/{self.kind} {self.medium}: {self.enabled}"


class OutboxCursor(models.Model):
    """How far the drain has read one source's append-only log (by id)."""

    source = models.CharField(max_length=32, unique=True)
    last_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.source} @ {self.last_id}"
