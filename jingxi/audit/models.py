"""The audit trail: one append-only, hash-chained table of security events.

Rows are written only by `services.audit_record` (and the checkpoint of
`services.audit_purge`), never changed: database triggers refuse UPDATE, and DELETE
except inside the retention purge (migration 0002). Each row carries the SHA-256 of
its canonical content, which includes the previous row's hash (`chain.py`), so an
edit made behind the triggers' back breaks the chain where `manage.py audit_verify`
finds it.

No foreign keys: an entry names the user (id and username at the time), the
jurisdiction and the subject by value, so it outlives them and nothing cascades
into it (a demo reset deletes a whole jurisdiction; its trail stays).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingxi.audit.choices import AuditKind


class AuditEntry(models.Model):
    # Assigned by `audit_record` under the trail's lock (the last id + 1), so ids run
    # without gaps and are part of each entry's hash.
    id = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(_("时间"))
    kind = models.CharField(_("类型"), max_length=32, choices=AuditKind.choices)
    user_id = models.BigIntegerField(_("用户ID"), null=True, blank=True)
    username = models.CharField(_("用户名"), max_length=150, blank=True)
    jurisdiction_id = models.BigIntegerField(_("辖区ID"), null=True, blank=True)
    client_address = models.CharField(_("来源地址"), max_length=64, blank=True)
    subject_type = models.CharField(_("对象类型"), max_length=100, blank=True)
    subject_id = models.CharField(_("对象ID"), max_length=64, blank=True)
    subject_label = models.CharField(_("对象"), max_length=200, blank=True)
    details = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(_("前一条的哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["at"], name="audit_at"),
            models.Index(fields=["kind", "id"], name="audit_kind"),
            models.Index(fields=["username", "id"], name="audit_username"),
        ]
        # The trail is read and exported on its own pages, never through Django's
        # model permissions: no add, change or delete permission exists to grant.
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.id} {self.kind} {self.username}"
