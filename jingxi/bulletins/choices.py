from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BulletinKind(models.TextChoices):
    MONTHLY = "monthly", _("月度通报")
    SPECIAL = "special", _("专项通报")
    ANNOUNCEMENT = "announcement", _("公告")


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")
