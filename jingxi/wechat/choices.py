from django.db import models
from django.utils.translation import gettext_lazy as _


class Step(models.TextChoices):
    """Where a citizen's report dialogue stands: location, then photo, then description."""

    IDLE = "idle", _("空闲")
    LOCATION = "location", _("待发送位置")
    PHOTO = "photo", _("待发送照片")
    DESCRIPTION = "description", _("待填写描述")


class MsgType(models.TextChoices):
    """The WeChat message types the endpoint understands (others get a polite reply)."""

    TEXT = "text", _("文本")
    IMAGE = "image", _("图片")
    LOCATION = "location", _("位置")
    EVENT = "event", _("事件")
