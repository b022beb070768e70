"""Factories for places. Every geographic row is written as the places services write
them: followed by `geo_version_bump`, so the responsibility index of the jurisdiction sees it.

Townships default to one box around 中牟县's map centre; communities, grids and
segments lie inside their parents.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.db import models

from conftest import box
from jingxi.catalog.choices import CategoryKind
from jingxi.catalog.tests.factories import MinorCategoryFactory
from jingxi.org.models import Jurisdiction
from jingxi.org.tests.factories import JurisdictionFactory, UnitFactory, UserFactory
from jingxi.places.choices import RoadChiefLevel
from jingxi.places.models import (
    Community,
    Component,
    Grid,
    Landmark,
    ResponsibilityRule,
    Road,
    RoadChief,
    Segment,
    Township,
)
from jingxi.places.services import geo_version_bump, responsibility_rule_set

CENTRE = (113.976, 34.719)


AREA = box(CENTRE[0] - 0.02, CENTRE[1] - 0.01, CENTRE[0] + 0.02, CENTRE[1] + 0.01)


class GeoFactory(factory.django.DjangoModelFactory):
    """Saves the row, then bumps its jurisdiction's geo version (as the services do)."""

    class Meta:
        abstract = True

    @classmethod
    def _jurisdiction_of(cls, obj: Any) -> Jurisdiction:
        return obj.jurisdiction  # type: ignore[no-any-return]

    @classmethod
    def _create(cls, model_class: type[models.Model], *args: Any, **kwargs: Any) -> Any:
        obj = super()._create(model_class, *args, **kwargs)
        geo_version_bump(jurisdiction=cls._jurisdiction_of(obj))
        return obj


class TownshipFactory(GeoFactory):
    class Meta:
        model = Township

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    code = factory.Sequence(lambda n: f"410122{500 + n % 500:03d}")
    name = factory.Sequence(lambda n: f"测试街道{n}")
    geometry = AREA


class CommunityFactory(GeoFactory):
    class Meta:
        model = Community

    township = factory.SubFactory(TownshipFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.township.code}{n % 1000:03d}")
    name = factory.Sequence(lambda n: f"测试社区{n}")
    geometry = factory.SelfAttribute("township.geometry")

    @classmethod
    def _jurisdiction_of(cls, obj: Any) -> Jurisdiction:
        return obj.township.jurisdiction  # type: ignore[no-any-return]


class GridFactory(GeoFactory):
    class Meta:
        model = Grid

    community = factory.SubFactory(CommunityFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.community.code}{n % 1000:03d}")
    area_m2 = 1000.0
    geometry = factory.SelfAttribute("community.geometry")

    @classmethod
    def _jurisdiction_of(cls, obj: Any) -> Jurisdiction:
        return obj.community.township.jurisdiction  # type: ignore[no-any-return]


class RoadFactory(GeoFactory):
    class Meta:
        model = Road

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    code = factory.Sequence(lambda n: f"R{n:04d}")
    name = factory.Sequence(lambda n: f"测试路{n}")


class SegmentFactory(GeoFactory):
    class Meta:
        model = Segment

    road = factory.SubFactory(RoadFactory)
    seq = factory.Sequence(lambda n: n + 1)
    township = factory.SubFactory(
        TownshipFactory, jurisdiction=factory.SelfAttribute("..road.jurisdiction")
    )
    from_street = "东一街"
    to_street = "东二街"
    length_m = 500.0
    geometry = {
        "type": "LineString",
        "coordinates": [[CENTRE[0] - 0.01, CENTRE[1]], [CENTRE[0] + 0.01, CENTRE[1]]],
    }

    @classmethod
    def _jurisdiction_of(cls, obj: Any) -> Jurisdiction:
        return obj.road.jurisdiction  # type: ignore[no-any-return]


class ComponentFactory(GeoFactory):
    class Meta:
        model = Component

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    category = factory.SubFactory(
        MinorCategoryFactory,
        jurisdiction=factory.SelfAttribute("..jurisdiction"),
        kind=CategoryKind.COMPONENT,
    )
    object_id = factory.LazyAttributeSequence(
        lambda o, n: f"{o.jurisdiction.code}{o.category.code}{n % 1_000_000:06d}"
    )
    name = factory.Sequence(lambda n: f"测试部件{n}")
    lng = CENTRE[0]
    lat = CENTRE[1]


class LandmarkFactory(GeoFactory):
    class Meta:
        model = Landmark

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    name = factory.Sequence(lambda n: f"测试地标{n}")
    lng = CENTRE[0]
    lat = CENTRE[1]


class RoadChiefFactory(factory.django.DjangoModelFactory):
    """A current county-level chief of a whole road."""

    class Meta:
        model = RoadChief

    road = factory.SubFactory(RoadFactory)
    user = factory.SubFactory(
        UserFactory, jurisdiction=factory.SelfAttribute("..road.jurisdiction")
    )
    level = RoadChiefLevel.COUNTY
    start_date = dt.date(2026, 1, 1)


class ResponsibilityRuleFactory(factory.django.DjangoModelFactory):
    """Through `responsibility_rule_set` (one rule per category and area, geo version bumped)."""

    class Meta:
        model = ResponsibilityRule

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    category = factory.SubFactory(
        MinorCategoryFactory, jurisdiction=factory.SelfAttribute("..jurisdiction")
    )
    township = None
    unit = factory.SubFactory(UnitFactory, jurisdiction=factory.SelfAttribute("..jurisdiction"))

    @classmethod
    def _create(
        cls, model_class: type[ResponsibilityRule], *args: Any, **kwargs: Any
    ) -> ResponsibilityRule:
        rule = responsibility_rule_set(**kwargs)
        assert rule is not None  # a unit was given
        return rule
