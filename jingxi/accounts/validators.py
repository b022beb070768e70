"""Password rules (等保 level 3): complexity and history, as Django password validators.

Both read their numbers from the settings when they run, so a deployment (or a test)
changes them without a restart of the validator cache:

- `ComplexityValidator`: at least `JINGXI_PASSWORD_MIN_LENGTH` characters (8), from at
  least three of four classes: capital letters A-Z, small letters a-z, digits 0-9, and
  everything else (punctuation, spaces, Chinese characters) counted as symbols.
- `HistoryValidator`: none of the user's last `JINGXI_PASSWORD_HISTORY` passwords (5,
  the current one included); 0 turns the check off. Its `password_changed` hook, which
  Django calls after every save of a newly set password whichever door set it, writes
  the history (`models.PasswordHistory`, hashes only).

Django checks them where a person chooses a password: the change page, the admin's
forms, `createsuperuser`, and the staff import's initial passwords.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from jingxi.accounts.models import PasswordHistory
from jingxi.org.models import User

#: How many of the four character classes a password must draw from.
REQUIRED_CLASSES = 3


def _min_length() -> int:
    return int(getattr(settings, "JINGXI_PASSWORD_MIN_LENGTH", 8))


def _history() -> int:
    return max(int(getattr(settings, "JINGXI_PASSWORD_HISTORY", 5)), 0)


def character_classes(password: str) -> int:
    """How many of the four classes (A-Z, a-z, 0-9, anything else) `password` uses."""
    upper = any("A" <= c <= "Z" for c in password)
    lower = any("a" <= c <= "z" for c in password)
    digit = any("0" <= c <= "9" for c in password)
    other = any(not ("A" <= c <= "Z" or "a" <= c <= "z" or "0" <= c <= "9") for c in password)
    return upper + lower + digit + other


class ComplexityValidator:
    def validate(self, password: str, user: object = None) -> None:
        errors: list[ValidationError] = []
        min_length = _min_length()
        if len(password) < min_length:
            errors.append(
                ValidationError(
                    _("密码太短：至少需要 %(min_length)d 个字符。"),
                    code="password_too_short",
                    params={"min_length": min_length},
                )
            )
        if character_classes(password) < REQUIRED_CLASSES:
            errors.append(
                ValidationError(
                    _("密码太简单：须包含大写字母、小写字母、数字、符号中的至少 %(classes)d 类。"),
                    code="password_too_simple",
                    params={"classes": REQUIRED_CLASSES},
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return _(
            "至少 %(min_length)d 个字符，"
            "包含大写字母、小写字母、数字、符号中的至少 %(classes)d 类。"
        ) % {"min_length": _min_length(), "classes": REQUIRED_CLASSES}


def _recent_hashes(user: User, count: int) -> list[str]:
    """The hashes of the user's last `count` passwords, the current one first."""
    stored = list(
        PasswordHistory.objects.filter(user_id=user.pk)
        .order_by("-id")
        .values_list("password", flat=True)[:count]
    )
    if user.has_usable_password() and user.password not in stored:
        stored = [user.password, *stored[: count - 1]]
    return stored


class HistoryValidator:
    def validate(self, password: str, user: object = None) -> None:
        count = _history()
        if count == 0 or not isinstance(user, User) or user.pk is None:
            return
        for encoded in _recent_hashes(user, count):
            if check_password(password, encoded):
                raise ValidationError(
                    _("不能使用最近 %(count)d 次用过的密码。"),
                    code="password_reused",
                    params={"count": count},
                )

    def password_changed(self, password: str, user: object = None) -> None:
        """Record the new password's hash; keep only the newest rows."""
        count = _history()
        if not isinstance(user, User) or user.pk is None:
            return
        if count and user.has_usable_password():
            PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        stale = list(
            PasswordHistory.objects.filter(user_id=user.pk)
            .order_by("-id")
            .values_list("pk", flat=True)[count:]
        )
        if stale:
            PasswordHistory.objects.filter(pk__in=stale).delete()

    def get_help_text(self) -> str:
        count = _history()
        if count == 0:
            return ""
        return _("不能与最近 %(count)d 次用过的密码相同。") % {"count": count}
