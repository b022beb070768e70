"""GeoJSON import of townships, communities, grids, roads, components and landmarks.

Every importer reads a FeatureCollection in WGS84 (longitude, latitude), checks every
feature first and raises `ImportRejected` naming each bad feature ("第N个要素") and the
reason; only when the whole file is good does it write, in one transaction, and then
bump the jurisdiction's geo version. Rows are matched by their code (object id for
components, road code or name plus segment number for roads, name for landmarks):
a match is updated, anything else is created; nothing is deleted.

The exporters in `places/exports.py` write exactly the FeatureCollection each importer
reads, so an export can be edited and imported back; geometries are checked by
`places/geometry.py`; reading the file and the check-then-write run every importer
shares are `places/features.py`; road chiefs come from XLSX (`places/chiefs_xlsx.py`).

The feature properties of each kind (the keys the exporters write):

- townships, (Multi)Polygon: code (9 digits), name, kind, unit_code
- communities, (Multi)Polygon: code (12 digits: township + 3), name, kind, unit_code
- grids, (Multi)Polygon: code (15 digits: community + 3), area_class
- roads, (Multi)LineString, one feature per segment: road_code, road_name, road_grade,
  seq, from_street, to_street, township_code, maintainer_code, number_from, number_to
- components, Point: object_id (16 digits), category_code, name, grid_code, owner_code,
  maintainer_code, state, accuracy_class, material, location_note, data_source,
  recorded_on, changed_on
- landmarks, Point: name, aliases, kind

Choice properties (kind, grade, state, ...) take the stored value or the Chinese label.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from jingxi.catalog.choices import CategoryKind, CategoryLevel
from jingxi.catalog.models import Category
from jingxi.lib.tabular import ImportRejected, RowError
from jingxi.org.imports import ImportSummary
from jingxi.org.models import Jurisdiction
from jingxi.places.choices import (
    AccuracyClass,
    AreaClass,
    CommunityKind,
    ComponentState,
    LandmarkKind,
    RoadGrade,
    TownshipKind,
)
from jingxi.places.features import (
    BATCH,
    Feature,
    FeatureInvalid,
    GeoSource,
    Seen,
    choice_parse,
    feature_error,
    feature_unit,
    features_read,
    fields_check,
    file_error,
    geometry_clean,
    import_run,
    row_remember,
    row_unchanged,
    rows_existing,
    rows_update_changed,
    units_by_code,
)
from jingxi.places.geometry import (
    LINEAR,
    POLYGONAL,
    PUNCTUAL,
    GeometryInvalid,
    geometry_area_m2,
    geometry_length_m,
    geometry_validate,
)
from jingxi.places.models import Community, Component, Grid, Landmark, Road, Segment, Township
from jingxi.places.services import geo_version_bump

# --- townships, communities, grids ----------------------------------------------


def townships_import_geojson(*, jurisdiction: Jurisdiction, source: GeoSource) -> ImportSummary:
    """Create or update townships (乡镇/街道) by their 9-digit code."""
    units = units_by_code(jurisdiction)
    seen = Seen()
    existing: dict[str, Township] = {}

    def before(features: list[Feature]) -> None:
        existing.update(rows_existing(Township, "code", (f.text("code") for f in features)))

    def parse(f: Feature) -> Township:
        code = f.code(
            "code", digits=9, prefix=jurisdiction.code, prefix_label=_("辖区（行政区划）")
        )
        seen.check(code, f.index, label=_("编码「%(c)s」") % {"c": code}, prop="code")
        township = existing.get(code) or Township(jurisdiction=jurisdiction, code=code)
        if township.jurisdiction_id != jurisdiction.pk:
            raise FeatureInvalid(_("该编码已属于其他辖区"), prop="code")
        township.name = f.text("name", required=True)
        township.kind = f.choice("kind", TownshipKind, TownshipKind.TOWNSHIP)
        township.unit = feature_unit(f, units, "unit_code")
        geometry_validate(f.geometry, allowed=POLYGONAL)
        township.geometry = geometry_clean(f.geometry)
        fields_check(township, exclude=["jurisdiction", "unit"])
        return township

    return import_run(
        jurisdiction=jurisdiction,
        source=source,
        kind="townships",
        parse=parse,
        before=before,
    )


def communities_import_geojson(*, jurisdiction: Jurisdiction, source: GeoSource) -> ImportSummary:
    """Create or update communities (社区/村); the parent township is the code's first 9 digits."""
    units = units_by_code(jurisdiction)
    townships = {t.code: t for t in Township.objects.filter(jurisdiction=jurisdiction)}
    seen = Seen()
    existing: dict[str, Community] = {}

    def before(features: list[Feature]) -> None:
        existing.update(rows_existing(Community, "code", (f.text("code") for f in features)))

    def parse(f: Feature) -> Community:
        code = f.code(
            "code", digits=12, prefix=jurisdiction.code, prefix_label=_("辖区（行政区划）")
        )
        seen.check(code, f.index, label=_("编码「%(c)s」") % {"c": code}, prop="code")
        township = townships.get(code[:9])
        if township is None:
            raise FeatureInvalid(
                _("编码「%(code)s」的前9位「%(parent)s」不是已有的乡镇/街道编码")
                % {"code": code, "parent": code[:9]},
                prop="code",
            )
        community = existing.get(code) or Community(code=code)
        if community.pk and community.township_id != township.pk:
            raise FeatureInvalid(_("该编码已属于其他乡镇/街道"), prop="code")
        community.township = township
        community.name = f.text("name", required=True)
        community.kind = f.choice("kind", CommunityKind, CommunityKind.COMMUNITY)
        community.unit = feature_unit(f, units, "unit_code")
        geometry_validate(f.geometry, allowed=POLYGONAL)
        community.geometry = geometry_clean(f.geometry)
        fields_check(community, exclude=["township", "unit"])
        return community

    return import_run(
        jurisdiction=jurisdiction,
        source=source,
        kind="communities",
        parse=parse,
        before=before,
    )


def grids_import_geojson(*, jurisdiction: Jurisdiction, source: GeoSource) -> ImportSummary:
    """Create or update unit grids (单元网格); the community is the code's first 12 digits."""
    communities = {c.code: c for c in Community.objects.filter(township__jurisdiction=jurisdiction)}
    seen = Seen()
    existing: dict[str, Grid] = {}

    def before(features: list[Feature]) -> None:
        existing.update(rows_existing(Grid, "code", (f.text("code") for f in features)))

    def parse(f: Feature) -> Grid:
        code = f.code(
            "code", digits=15, prefix=jurisdiction.code, prefix_label=_("辖区（行政区划）")
        )
        seen.check(code, f.index, label=_("编码「%(c)s」") % {"c": code}, prop="code")
        community = communities.get(code[:12])
        if community is None:
            raise FeatureInvalid(
                _("编码「%(code)s」的前12位「%(parent)s」不是已有的社区/村编码")
                % {"code": code, "parent": code[:12]},
                prop="code",
            )
        grid = existing.get(code) or Grid(code=code)
        if grid.pk and grid.community_id != community.pk:
            raise FeatureInvalid(_("该编码已属于其他社区/村"), prop="code")
        grid.community = community
        grid.area_class = f.choice("area_class", AreaClass, AreaClass.URBAN)
        shaped = geometry_validate(f.geometry, allowed=POLYGONAL)
        grid.geometry = geometry_clean(f.geometry)
        grid.area_m2 = geometry_area_m2(shaped)
        fields_check(grid, exclude=["community"])
        return grid

    return import_run(
        jurisdiction=jurisdiction,
        source=source,
        kind="grids",
        parse=parse,
        before=before,
    )


# --- roads and segments ---------------------------------------------------------


@dataclass
class _RoadPlan:
    road: Road
    first_index: int
    key: str


def roads_import_geojson(*, jurisdiction: Jurisdiction, source: GeoSource) -> ImportSummary:
    """Create or update roads and their segments; one feature per segment.

    A road is found by `road_code`, else by `road_name`; a new road needs both. Every
    feature of one road must give the same name and grade. A segment is found by
    (road, `seq`).
    """
    features = features_read(source)
    units = units_by_code(jurisdiction)
    townships = {t.code: t for t in Township.objects.filter(jurisdiction=jurisdiction)}
    roads_by_code = {
        r.code: row_remember(r) for r in Road.objects.filter(jurisdiction=jurisdiction)
    }
    roads_by_name = {r.name: r for r in roads_by_code.values()}
    segments = {
        (s.road_id, s.seq): row_remember(s)
        for s in Segment.objects.filter(road__jurisdiction=jurisdiction)
    }
    planned: dict[str, _RoadPlan] = {}  # by the key the file uses: code or name
    names_in_file: dict[str, str] = {}  # road name -> key of the road that takes it
    seen = Seen()
    errors: list[RowError] = []
    rows: list[tuple[Feature, _RoadPlan, Segment]] = []

    def road_for(f: Feature) -> _RoadPlan:
        code = f.text("road_code", max_length=32)
        name = f.text("road_name", max_length=64)
        if not code and not name:
            raise FeatureInvalid(_("道路编码和路名至少填写一项"), prop="road_code")
        key = f"code:{code}" if code else f"name:{name}"
        grade_text = f.text("road_grade")
        plan = planned.get(key)
        if plan is not None:
            if name and name != plan.road.name:
                raise FeatureInvalid(
                    _("路名与第%(n)d个要素给出的「%(name)s」不一致")
                    % {"n": plan.first_index, "name": plan.road.name},
                    prop="road_name",
                )
            if grade_text and choice_parse(
                grade_text, RoadGrade, default="", prop="road_grade"
            ) != str(plan.road.grade):
                raise FeatureInvalid(
                    _("道路等级与第%(n)d个要素不一致") % {"n": plan.first_index},
                    prop="road_grade",
                )
            return plan
        road = roads_by_code.get(code) if code else roads_by_name.get(name)
        if road is None:
            if not code:
                raise FeatureInvalid(
                    _("新道路「%(name)s」须填写道路编码") % {"name": name}, prop="road_code"
                )
            if not name:
                raise FeatureInvalid(_("新道路须填写路名"), prop="road_name")
            road = Road(jurisdiction=jurisdiction, code=code, name=name)
        if name and name != road.name:
            holder = roads_by_name.get(name)
            if holder is not None and holder.pk != road.pk:
                raise FeatureInvalid(
                    _("路名「%(name)s」已被道路「%(code)s」使用")
                    % {"name": name, "code": holder.code},
                    prop="road_name",
                )
        taken_by = names_in_file.setdefault(name or road.name, key)
        if taken_by != key:
            raise FeatureInvalid(
                _("路名「%(name)s」在文件中对应了两个不同的道路编码") % {"name": name},
                prop="road_name",
            )
        road.name = name or road.name
        road.grade = choice_parse(
            grade_text, RoadGrade, default=str(road.grade or RoadGrade.BRANCH), prop="road_grade"
        )
        fields_check(road, exclude=["jurisdiction"])
        plan = _RoadPlan(road=road, first_index=f.index, key=key)
        planned[key] = plan
        return plan

    for f in features:
        try:
            plan = road_for(f)
            seq = f.integer("seq", required=True)
            assert seq is not None
            if seq < 1:
                raise FeatureInvalid(_("路段序号应从1开始"), prop="seq")
            seen.check(
                (plan.key, seq),
                f.index,
                label=_("道路「%(road)s」的路段%(seq)d") % {"road": plan.road.name, "seq": seq},
                prop="seq",
            )
            segment = (segments.get((plan.road.pk, seq)) if plan.road.pk else None) or Segment(
                seq=seq
            )
            segment.from_street = f.text("from_street", max_length=64)
            segment.to_street = f.text("to_street", max_length=64)
            township_code = f.text("township_code")
            segment.township = None
            if township_code:
                township = townships.get(township_code)
                if township is None:
                    raise FeatureInvalid(
                        _("未知的乡镇/街道编码「%(code)s」") % {"code": township_code},
                        prop="township_code",
                    )
                segment.township = township
            segment.maintainer = feature_unit(f, units, "maintainer_code")
            segment.number_from = f.integer("number_from")
            segment.number_to = f.integer("number_to")
            shaped = geometry_validate(f.geometry, allowed=LINEAR)
            segment.geometry = geometry_clean(f.geometry)
            segment.length_m = geometry_length_m(shaped)
            fields_check(segment, exclude=["road", "township", "maintainer"])
        except (FeatureInvalid, GeometryInvalid) as exc:
            errors.append(feature_error(f.index, exc))
            continue
        rows.append((f, plan, segment))
    if errors:
        raise ImportRejected(errors)

    roads_changed = [p.road for p in planned.values() if not p.road.pk or not row_unchanged(p.road)]
    new: list[Segment] = []
    changed: list[Segment] = []
    unchanged = 0
    for _f, _plan, segment in rows:
        if not segment.pk:
            new.append(segment)
        elif row_unchanged(segment):
            unchanged += 1
        else:
            changed.append(segment)
    summary = ImportSummary(
        kind="roads", created=len(new), updated=len(changed), unchanged=unchanged
    )
    if not roads_changed and not new and not changed:
        return summary
    try:
        with transaction.atomic():
            for road in roads_changed:
                road.save()
            for _f, plan, segment in rows:
                segment.road = plan.road
            Segment.objects.bulk_create(new, batch_size=BATCH)
            rows_update_changed(changed)
            geo_version_bump(jurisdiction=jurisdiction)
    except IntegrityError as exc:
        raise file_error(_("数据库拒绝写入，未导入任何数据：%(e)s") % {"e": exc}) from exc
    return summary


# --- components and landmarks ---------------------------------------------------


def _point(f: Feature) -> tuple[float, float]:
    shaped = geometry_validate(f.geometry, allowed=PUNCTUAL)
    assert isinstance(shaped, Point)
    return float(shaped.x), float(shaped.y)


class _GridLocator:
    """Finds the grid a point lies in, built only when a feature leaves grid_code empty."""

    def __init__(self, jurisdiction: Jurisdiction) -> None:
        self._jurisdiction = jurisdiction
        self._tree: STRtree | None = None
        self._grids: list[Grid] = []
        self._shapes: list[BaseGeometry] = []

    def locate(self, lng: float, lat: float) -> Grid | None:
        if self._tree is None:
            self._grids = list(
                Grid.objects.filter(community__township__jurisdiction=self._jurisdiction)
            )
            self._shapes = [shape(g.geometry) for g in self._grids]
            self._tree = STRtree(self._shapes)
        point = Point(lng, lat)
        for i in self._tree.query(point):
            if self._shapes[int(i)].covers(point):
                return self._grids[int(i)]
        return None


def components_import_geojson(*, jurisdiction: Jurisdiction, source: GeoSource) -> ImportSummary:
    """Create or update components (部件) by their 16-digit object id.

    The category is the object id's digits 7-10 (major + minor); a feature without
    grid_code is placed in the grid that contains it.
    """
    units = units_by_code(jurisdiction)
    categories = {
        c.code: c
        for c in Category.objects.filter(
            jurisdiction=jurisdiction, kind=CategoryKind.COMPONENT, level=CategoryLevel.MINOR
        )
    }
    grids = {g.code: g for g in Grid.objects.filter(community__township__jurisdiction=jurisdiction)}
    locator = _GridLocator(jurisdiction)
    seen = Seen()
    existing: dict[str, Component] = {}

    def before(features: list[Feature]) -> None:
        existing.update(
            rows_existing(Component, "object_id", (f.text("object_id") for f in features))
        )

    def parse(f: Feature) -> Component:
        object_id = f.code(
            "object_id", digits=16, prefix=jurisdiction.code, prefix_label=_("辖区（行政区划）")
        )
        seen.check(
            object_id, f.index, label=_("部件标识码「%(c)s」") % {"c": object_id}, prop="object_id"
        )
        category_code = object_id[6:10]
        given = f.text("category_code")
        if given and given != category_code:
            raise FeatureInvalid(
                _("类别编码「%(given)s」与部件标识码第7–10位「%(code)s」不一致")
                % {"given": given, "code": category_code},
                prop="category_code",
            )
        category = categories.get(category_code)
        if category is None:
            raise FeatureInvalid(
                _("未知的部件小类编码「%(code)s」") % {"code": category_code},
                prop="category_code" if given else "object_id",
            )
        component = existing.get(object_id) or Component(
            jurisdiction=jurisdiction, object_id=object_id
        )
        if component.jurisdiction_id != jurisdiction.pk:
            raise FeatureInvalid(_("该部件标识码已属于其他辖区"), prop="object_id")
        component.category = category
        component.lng, component.lat = _point(f)
        grid_code = f.text("grid_code")
        if grid_code:
            grid = grids.get(grid_code)
            if grid is None:
                raise FeatureInvalid(
                    _("未知的网格编码「%(code)s」") % {"code": grid_code}, prop="grid_code"
                )
            component.grid = grid
        else:
            component.grid = locator.locate(component.lng, component.lat)
        component.name = f.text("name")
        component.owner = feature_unit(f, units, "owner_code")
        component.maintainer = feature_unit(f, units, "maintainer_code")
        component.state = f.choice("state", ComponentState, ComponentState.INTACT)
        component.accuracy_class = f.choice("accuracy_class", AccuracyClass, AccuracyClass.B)
        component.material = f.text("material")
        component.location_note = f.text("location_note")
        component.data_source = f.text("data_source")
        component.recorded_on = f.date("recorded_on")
        component.changed_on = f.date("changed_on")
        fields_check(component, exclude=["jurisdiction", "category", "grid", "owner", "maintainer"])
        return component

    return import_run(
        jurisdiction=jurisdiction,
        source=source,
        kind="components",
        parse=parse,
        before=before,
    )


def landmarks_import_geojson(*, jurisdiction: Jurisdiction, source: GeoSource) -> ImportSummary:
    """Create or update landmarks (地标) by name."""
    existing: dict[str, Landmark] = {}
    for landmark in Landmark.objects.filter(jurisdiction=jurisdiction).order_by("-pk"):
        existing[landmark.name] = row_remember(landmark)  # the oldest of same-named ones wins
    seen = Seen()

    def parse(f: Feature) -> Landmark:
        name = f.text("name", required=True)
        seen.check(name, f.index, label=_("名称「%(n)s」") % {"n": name}, prop="name")
        landmark = existing.get(name) or Landmark(jurisdiction=jurisdiction, name=name)
        landmark.aliases = f.text("aliases")
        landmark.kind = f.choice("kind", LandmarkKind, LandmarkKind.OTHER)
        landmark.lng, landmark.lat = _point(f)
        fields_check(landmark, exclude=["jurisdiction"])
        return landmark

    return import_run(
        jurisdiction=jurisdiction,
        source=source,
        kind="landmarks",
        parse=parse,
    )


# --- by kind, for commands and the admin ------------------------------------------

GEOJSON_IMPORTERS: Final[Mapping[str, Callable[..., ImportSummary]]] = {
    "townships": townships_import_geojson,
    "communities": communities_import_geojson,
    "grids": grids_import_geojson,
    "roads": roads_import_geojson,
    "components": components_import_geojson,
    "landmarks": landmarks_import_geojson,
}
