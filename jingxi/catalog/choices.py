from django.db import models
from django.utils.translation import gettext_lazy as _


class CategoryKind(models.TextChoices):
    COMPONENT = "component", _("部件")
    EVENT = "event", _("事件")


class CategoryLevel(models.TextChoices):
    MAJOR = "major", _("大类")
    MINOR = "minor", _("小类")


class GovernanceArea(models.TextChoices):
    """治差、治乱、治脏、治软: the seed's four areas of key work."""

    POOR = "poor", _("治差")
    DISORDER = "disorder", _("治乱")
    DIRT = "dirt", _("治脏")
    SOFT = "soft", _("治软")


class FocusArea(models.TextChoices):
    """The seed's 五个下功夫."""

    CLEANING = "cleaning", _("清扫保洁")
    ORDER = "order", _("治理管理乱象")
    ROADS = "roads", _("提升道路质量")
    FACILITIES = "facilities", _("城市配套")
    OLD_ESTATES = "old_estates", _("老旧小区改造")
    NONE = "none", _("其他")


class Responsibility(models.TextChoices):
    """How the responsible unit of a subcategory is found when no responsibility rule matches."""

    UNIT = "unit", _("固定单位")
    TOWNSHIP = "township", _("属地乡镇/街道")
    SEGMENT_MAINTAINER = "segment_maintainer", _("路段养护单位")
    COMPONENT_MAINTAINER = "component_maintainer", _("部件养护单位")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    CRITICAL = "critical", _("特急")


class TimeUnit(models.TextChoices):
    WORKING_HOURS = "working_hours", _("工作时")
    WORKING_DAYS = "working_days", _("工作日")
