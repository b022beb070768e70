from __future__ import annotations

import factory
from django.urls import reverse
from django.utils import timezone

from jingxi.cases.tests.factories import CaseFactory
from jingxi.notify.choices import Medium
from jingxi.notify.models import Notification, NotificationPreference
from jingxi.org.tests.factories import UserFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    """An unread in-app notification about a case."""

    class Meta:
        model = Notification

    class Params:
        case = factory.SubFactory(CaseFactory)

    recipient = factory.SubFactory(
        UserFactory, jurisdiction=factory.SelfAttribute("..case.jurisdiction")
    )
    source = "cases"
    object_id = factory.LazyAttribute(lambda o: str(o.case.pk))
    url = factory.LazyAttribute(lambda o: reverse("cases:case-detail", args=[o.case.pk]))
    kind = "dispatch"
    title = factory.LazyAttribute(lambda o: f"新派遣案卷 {o.case.number}")
    created_at = factory.LazyFunction(timezone.now)


class NotificationPreferenceFactory(factory.django.DjangoModelFactory):
    """A user's choice off the default: overdue notices not by e-mail."""

    class Meta:
        model = NotificationPreference

    user = factory.SubFactory(UserFactory)
    source = "cases"
    kind = "overdue"
    medium = Medium.EMAIL
    enabled = False
