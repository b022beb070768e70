from django.db import models
from django.utils.translation import gettext_lazy as _


class TownshipKind(models.TextChoices):
    TOWNSHIP = "township", _("乡镇")
    STREET = "street", _("街道")


class CommunityKind(models.TextChoices):
    COMMUNITY = "community", _("社区")
    VILLAGE = "village", _("村")


class AreaClass(models.TextChoices):
    """The class of a grid's area, used for banded scores in assessment."""

    CORE = "core", _("核心区")
    URBAN = "urban", _("城区")
    FRINGE = "fringe", _("城乡接合部")
    RURAL = "rural", _("乡村")


class RoadGrade(models.TextChoices):
    EXPRESSWAY = "expressway", _("快速路")
    ARTERIAL = "arterial", _("主干路")
    SECONDARY = "secondary", _("次干路")
    BRANCH = "branch", _("支路")
    ALLEY = "alley", _("街巷")


class ComponentState(models.TextChoices):
    INTACT = "intact", _("完好")
    DAMAGED = "damaged", _("破损")
    LOST = "lost", _("丢失")
    OCCUPIED = "occupied", _("占用")
    ABANDONED = "abandoned", _("废弃")


class AccuracyClass(models.TextChoices):
    A = "a", _("A类 ±0.5米")
    B = "b", _("B类 ±1米")
    C = "c", _("C类 ±10米")


class RoadChiefLevel(models.TextChoices):
    COUNTY = "county", _("县级路长")
    TOWNSHIP = "township", _("乡级路长")
    COMMUNITY = "community", _("社区级路长")


class LandmarkKind(models.TextChoices):
    SCHOOL = "school", _("学校")
    TOILET = "toilet", _("公厕")
    BUS_STATION = "bus_station", _("公交场站")
    PARK = "park", _("游园")
    ESTATE = "estate", _("小区")
    MARKET = "market", _("市场")
    GOVERNMENT = "government", _("机关单位")
    OTHER = "other", _("其他")
