from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    OFFICE = "office", _("精细办/城管局")
    DEPARTMENT = "department", _("职能部门")
    LEAD_UNIT = "lead_unit", _("牵头单位")
    TOWNSHIP = "township", _("乡镇/街道")
    COMMUNITY = "community", _("社区/村")
    CONTRACTOR = "contractor", _("作业单位")
    ASSESSOR = "assessor", _("第三方考核单位")


class RankingGroup(models.TextChoices):
    """The groups units are ranked within (see DOMAIN.md, local schemes)."""

    TOWNSHIP = "township", _("乡镇/街道")
    CLASS_A = "class_a", _("A类部门")
    CLASS_B = "class_b", _("B类部门")
    CONTRACTOR = "contractor", _("作业单位")
    NONE = "none", _("不参与排名")


class Role(models.TextChoices):
    DISPATCHER = "dispatcher", _("受理/派遣员")
    INSPECTOR = "inspector", _("督导员")
    ROAD_CHIEF = "road_chief", _("路长")
    UNIT_HANDLER = "unit_handler", _("责任单位经办人")
    UNIT_HEAD = "unit_head", _("第一责任人")
    ASSESSOR = "assessor", _("第三方考核员")
    LEADER = "leader", _("县领导")
    OPERATOR = "operator", _("热线话务员")
    ADMIN = "admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDITOR = "auditor", _("安全审计员")


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", _("节假日（休息）")
    WORKDAY = "workday", _("调休上班")
