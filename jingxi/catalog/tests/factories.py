from __future__ import annotations

import factory

from jingxi.catalog.choices import CategoryKind, CategoryLevel, TimeUnit, Urgency
from jingxi.catalog.models import Category, TimeLimit
from jingxi.org.tests.factories import JurisdictionFactory


class MajorCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("jurisdiction", "kind", "code")

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    kind = CategoryKind.EVENT
    level = CategoryLevel.MAJOR
    code = "01"
    name = "市容环境"


class MinorCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    kind = CategoryKind.EVENT
    level = CategoryLevel.MINOR
    parent = factory.SubFactory(
        MajorCategoryFactory,
        jurisdiction=factory.SelfAttribute("..jurisdiction"),
        kind=factory.SelfAttribute("..kind"),
    )
    code = factory.Sequence(lambda n: f"01{(n % 99) + 1:02d}")
    name = factory.Sequence(lambda n: f"测试小类{n}")
    filing_condition = "发现即立案"
    closing_condition = "清理干净"


class TimeLimitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeLimit

    category = factory.SubFactory(MinorCategoryFactory)
    urgency = Urgency.NORMAL
    amount = 4
    unit = TimeUnit.WORKING_HOURS


class ReportableCategoryFactory(MinorCategoryFactory):
    """A minor category with a normal time limit: one a case can be reported in."""

    class Meta:
        skip_postgeneration_save = True

    time_limit = factory.RelatedFactory(TimeLimitFactory, factory_related_name="category")
