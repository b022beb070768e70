"""Factories for bulletins."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from jingxi.bulletins.choices import BulletinKind
from jingxi.bulletins.models import Bulletin
from jingxi.org.tests.factories import JurisdictionFactory, StaffFactory


class BulletinFactory(factory.django.DjangoModelFactory):
    """A draft monthly bulletin without a PDF."""

    class Meta:
        model = Bulletin

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    kind = BulletinKind.MONTHLY
    number = factory.Sequence(lambda n: f"中城管通〔2026〕{n + 1}号")
    title = factory.Sequence(lambda n: f"2026年11月城市管理通报{n}")
    period_start = dt.date(2026, 11, 1)
    period_end = dt.date(2026, 11, 30)
    body = "本月共受理案卷若干件。"
    created_by = factory.SubFactory(
        StaffFactory, jurisdiction=factory.SelfAttribute("..jurisdiction")
    )
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.SelfAttribute("created_at")
