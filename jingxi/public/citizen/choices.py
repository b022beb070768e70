"""Citizens' choices: ratings, the states of a "not fixed" request, and the channels
whose cases a citizen can follow by number."""

from __future__ import annotations

from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingxi.cases.choices import Source

# Cases a citizen can follow by number: those that came in through a public channel.
# Staff patrol reports are internal work and are not looked up on the public site.
PUBLIC_SOURCES: Final = frozenset(
    {Source.CITIZEN_WEB, Source.HOTLINE, Source.WECHAT, Source.OPEN311, Source.MEDIA}
)


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY_SATISFIED = "basically_satisfied", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class ReopenStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    ACCEPTED = "accepted", _("已重新立案")
    DECLINED = "declined", _("未采纳")
