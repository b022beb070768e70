from __future__ import annotations

import datetime as dt
from typing import Any

import factory

from jingxi.org.choices import CalendarDayKind, RankingGroup, Role, UnitKind
from jingxi.org.models import CalendarDay, Jurisdiction, Membership, Unit, User
from jingxi.org.services import calendar_day_set

DEFAULT_PASSWORD = "jingxi-test-pass"


class JurisdictionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Jurisdiction
        django_get_or_create = ("code",)

    code = "410122"
    name = "中牟县"
    open311_id = "zhongmou.example"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = UnitKind.DEPARTMENT
    ranking_group = RankingGroup.CLASS_A


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"测试用户{n}")
    jurisdiction = factory.SubFactory(JurisdictionFactory)

    @factory.post_generation
    def password(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        obj.set_password(extracted or DEFAULT_PASSWORD)
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    role = Role.UNIT_HANDLER


class StaffFactory(UserFactory):
    """A user holding `role` in a unit of their own jurisdiction (default: a dispatcher
    of the office), so services that check roles accept them."""

    class Params:
        role = Role.DISPATCHER
        unit_kind = UnitKind.OFFICE

    membership = factory.RelatedFactory(
        MembershipFactory,
        factory_related_name="user",
        role=factory.SelfAttribute("..role"),
        unit=factory.SubFactory(
            UnitFactory,
            jurisdiction=factory.SelfAttribute("...jurisdiction"),
            kind=factory.SelfAttribute("...unit_kind"),
        ),
    )


class CalendarDayFactory(factory.django.DjangoModelFactory):
    """Through `calendar_day_set`, which bumps the calendar version caches watch."""

    class Meta:
        model = CalendarDay

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    date = factory.Sequence(lambda n: dt.date(2030, 1, 1) + dt.timedelta(days=n))
    kind = CalendarDayKind.HOLIDAY
    name = "测试假日"

    @classmethod
    def _create(cls, model_class: type[CalendarDay], *args: Any, **kwargs: Any) -> CalendarDay:
        return calendar_day_set(**kwargs)
