"""Places: townships, communities, grids, roads and segments, components, landmarks,
road chiefs and responsibility rules.

Geometries are GeoJSON geometry objects in WGS84 (longitude, latitude) stored in
JSON columns; no GDAL. Points also have plain `lng`/`lat` columns so they can be
filtered by bounding box in SQL. The spatial index lives in memory
(`responsibility.py`), built from these rows.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingxi.catalog.models import Category
from jingxi.org.models import Jurisdiction, Unit, User
from jingxi.places.choices import (
    AccuracyClass,
    AreaClass,
    CommunityKind,
    ComponentState,
    LandmarkKind,
    RoadChiefLevel,
    RoadGrade,
    TownshipKind,
)


class Township(models.Model):
    """A township or street (乡镇/街道). Code: 6 region + 3 township digits."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="townships"
    )
    code = models.CharField(
        _("编码"), max_length=9, unique=True, validators=[RegexValidator(r"^\d{9}$")]
    )
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(
        _("类型"), max_length=16, choices=TownshipKind.choices, default=TownshipKind.TOWNSHIP
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("对应单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="townships",
    )
    geometry = models.JSONField(_("范围（GeoJSON）"))

    class Meta:
        verbose_name = _("乡镇/街道")
        verbose_name_plural = _("乡镇/街道")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """A community or village (社区/村). Code: township code + 3 digits."""

    township = models.ForeignKey(
        Township, verbose_name=_("乡镇/街道"), on_delete=models.PROTECT, related_name="communities"
    )
    code = models.CharField(
        _("编码"), max_length=12, unique=True, validators=[RegexValidator(r"^\d{12}$")]
    )
    name = models.CharField(_("名称"), max_length=64)
    kind = models.CharField(
        _("类型"), max_length=16, choices=CommunityKind.choices, default=CommunityKind.COMMUNITY
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("对应单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="communities",
    )
    geometry = models.JSONField(_("范围（GeoJSON）"))

    class Meta:
        verbose_name = _("社区/村")
        verbose_name_plural = _("社区/村")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    """A unit grid (单元网格). Code: 15 digits = 6 region + 3 township + 3 community + 3 serial."""

    community = models.ForeignKey(
        Community, verbose_name=_("社区/村"), on_delete=models.PROTECT, related_name="grids"
    )
    code = models.CharField(
        _("网格编码"),
        max_length=15,
        unique=True,
        validators=[RegexValidator(r"^\d{15}$", _("网格编码为15位数字"))],
    )
    area_class = models.CharField(
        _("区域类别"), max_length=16, choices=AreaClass.choices, default=AreaClass.URBAN
    )
    area_m2 = models.FloatField(_("面积（平方米）"), default=0)
    geometry = models.JSONField(_("范围（GeoJSON）"))

    class Meta:
        verbose_name = _("单元网格")
        verbose_name_plural = _("单元网格")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Road(models.Model):
    """A named road (道路), made of segments."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="roads"
    )
    code = models.CharField(_("道路编码"), max_length=32)
    name = models.CharField(_("路名"), max_length=64)
    grade = models.CharField(
        _("道路等级"), max_length=16, choices=RoadGrade.choices, default=RoadGrade.BRANCH
    )

    class Meta:
        verbose_name = _("道路")
        verbose_name_plural = _("道路")
        ordering = ["jurisdiction_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "code"], name="road_unique_code"),
            models.UniqueConstraint(fields=["jurisdiction", "name"], name="road_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Segment(models.Model):
    """A stretch of a road between two cross streets (路段)."""

    road = models.ForeignKey(
        Road, verbose_name=_("道路"), on_delete=models.CASCADE, related_name="segments"
    )
    seq = models.PositiveIntegerField(_("序号"))
    from_street = models.CharField(_("起点路口"), max_length=64, blank=True)
    to_street = models.CharField(_("终点路口"), max_length=64, blank=True)
    township = models.ForeignKey(
        Township,
        verbose_name=_("所属乡镇/街道"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="segments",
    )
    maintainer = models.ForeignKey(
        Unit,
        verbose_name=_("养护单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="maintained_segments",
    )
    # House numbers at the start and end of the segment, for address interpolation.
    number_from = models.PositiveIntegerField(_("起始门牌号"), null=True, blank=True)
    number_to = models.PositiveIntegerField(_("终止门牌号"), null=True, blank=True)
    length_m = models.FloatField(_("长度（米）"), default=0)
    geometry = models.JSONField(_("线形（GeoJSON）"))

    class Meta:
        verbose_name = _("路段")
        verbose_name_plural = _("路段")
        ordering = ["road_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["road", "seq"], name="segment_unique_seq"),
        ]

    def __str__(self) -> str:
        if self.from_street and self.to_street:
            return f"{self.road.name}（{self.from_street}至{self.to_street}段）"
        return f"{self.road.name} #{self.seq}"


class Component(models.Model):
    """A management component (部件). Object id: 6 region + 2 major + 2 minor + 6 serial."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="components"
    )
    object_id = models.CharField(
        _("部件标识码"),
        max_length=16,
        unique=True,
        validators=[RegexValidator(r"^\d{16}$", _("部件标识码为16位数字"))],
    )
    category = models.ForeignKey(
        Category, verbose_name=_("部件类别"), on_delete=models.PROTECT, related_name="components"
    )
    name = models.CharField(_("名称"), max_length=128, blank=True)
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("所在网格"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="components",
    )
    owner = models.ForeignKey(
        Unit,
        verbose_name=_("主管部门"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_components",
    )
    maintainer = models.ForeignKey(
        Unit,
        verbose_name=_("养护单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="maintained_components",
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=ComponentState.choices, default=ComponentState.INTACT
    )
    accuracy_class = models.CharField(
        _("定位精度"), max_length=1, choices=AccuracyClass.choices, default=AccuracyClass.B
    )
    lng = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))
    material = models.CharField(_("材质"), max_length=64, blank=True)
    location_note = models.CharField(_("位置描述"), max_length=255, blank=True)
    data_source = models.CharField(_("数据来源"), max_length=64, blank=True)
    recorded_on = models.DateField(_("初始日期"), null=True, blank=True)
    changed_on = models.DateField(_("变更日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("部件")
        verbose_name_plural = _("部件")
        ordering = ["object_id"]
        indexes = [models.Index(fields=["jurisdiction", "lng", "lat"], name="component_lnglat")]

    def __str__(self) -> str:
        return f"{self.object_id} {self.name}"


class Landmark(models.Model):
    """A named place used by geocoding: school, public toilet, bus station, park, estate."""

    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT, related_name="landmarks"
    )
    name = models.CharField(_("名称"), max_length=128)
    aliases = models.CharField(_("别名"), max_length=255, blank=True, help_text=_("逗号分隔"))
    kind = models.CharField(
        _("类型"), max_length=16, choices=LandmarkKind.choices, default=LandmarkKind.OTHER
    )
    lng = models.FloatField(_("经度"))
    lat = models.FloatField(_("纬度"))

    class Meta:
        verbose_name = _("地标")
        verbose_name_plural = _("地标")
        ordering = ["jurisdiction_id", "name"]

    def __str__(self) -> str:
        return self.name


class RoadChief(models.Model):
    """A person assigned as road chief (路长) of a road, or of some of its segments, at a level.

    A road has at most one current chief per level (a current assignment has no end date).
    """

    road = models.ForeignKey(
        Road, verbose_name=_("道路"), on_delete=models.CASCADE, related_name="chiefs"
    )
    segments = models.ManyToManyField(
        Segment,
        verbose_name=_("负责路段"),
        blank=True,
        related_name="chiefs",
        help_text=_("留空表示整条道路"),
    )
    user = models.ForeignKey(
        User, verbose_name=_("路长"), on_delete=models.PROTECT, related_name="road_chief_posts"
    )
    level = models.CharField(_("级别"), max_length=16, choices=RoadChiefLevel.choices)
    duty = models.TextField(_("职责"), blank=True)
    supervision_phone = models.CharField(_("监督电话"), max_length=32, blank=True)
    start_date = models.DateField(_("任职日期"))
    end_date = models.DateField(_("卸任日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("路长")
        verbose_name_plural = _("路长")
        ordering = ["road_id", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["road", "level"],
                condition=models.Q(end_date__isnull=True),
                name="roadchief_one_current_per_level",
            )
        ]

    def __str__(self) -> str:
        return f"{self.road} · {self.get_level_display()} · {self.user}"


class ResponsibilityRule(models.Model):
    """Which unit answers for a category in an area. The most specific rule wins:
    (minor category, township) > (minor, anywhere) > (major category, township) >
    (major, anywhere) > the category's own responsibility rule.
    """

    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("辖区"),
        on_delete=models.CASCADE,
        related_name="responsibility_rules",
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("类别"),
        on_delete=models.CASCADE,
        related_name="responsibility_rules",
    )
    township = models.ForeignKey(
        Township,
        verbose_name=_("乡镇/街道"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="responsibility_rules",
        help_text=_("留空表示全辖区"),
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("责任单位"),
        on_delete=models.CASCADE,
        related_name="responsibility_rules",
    )

    class Meta:
        verbose_name = _("派遣规则")
        verbose_name_plural = _("派遣规则")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "township"],
                condition=models.Q(township__isnull=False),
                name="responsibilityrule_unique_township",
            ),
            models.UniqueConstraint(
                fields=["category"],
                condition=models.Q(township__isnull=True),
                name="responsibilityrule_unique_anywhere",
            ),
        ]

    def __str__(self) -> str:
        area = self.township.name if self.township else "全辖区"
        return f"{self.category} @ {area} → {self.unit}"
