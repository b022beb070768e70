"""The password history: the hashes of each user's last passwords, never the passwords."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PasswordHistory(models.Model):
    """One password a user had, as its hash (the same hash the user row held).

    Written when a password is set (`validators.HistoryValidator.password_changed`, the
    hook Django calls after every save of a new password); only the newest
    `JINGXI_PASSWORD_HISTORY` rows per user are kept.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="password_history",
    )
    password = models.CharField(_("密码哈希"), max_length=128)
    created_at = models.DateTimeField(_("设置时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        ordering = ["user_id", "-id"]
        indexes = [models.Index(fields=["user", "-id"], name="passwordhistory_user_newest")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.created_at:%Y-%m-%d %H:%M}"
