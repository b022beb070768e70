from django.db import models
from django.utils.translation import gettext_lazy as _


class Medium(models.TextChoices):
    """The ways a notification reaches a person; each channel (`channels.py`) is one."""

    IN_APP = "in_app", _("站内")
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信")
