from __future__ import annotations

import factory
from django.utils import timezone

from jingxi.cases.tests.factories import CaseFactory
from jingxi.hotline.choices import CallOutcome, Satisfaction
from jingxi.hotline.models import Call, Callback
from jingxi.org.choices import Role
from jingxi.org.tests.factories import JurisdictionFactory, StaffFactory


class CallFactory(factory.django.DjangoModelFactory):
    """A call that became a new case, taken by an operator."""

    class Meta:
        model = Call

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    operator = factory.SubFactory(
        StaffFactory, jurisdiction=factory.SelfAttribute("..jurisdiction"), role=Role.OPERATOR
    )
    case = factory.SubFactory(CaseFactory, jurisdiction=factory.SelfAttribute("..jurisdiction"))
    caller_name = "王先生"
    caller_phone = factory.Sequence(lambda n: f"1380000{n % 10000:04d}")
    received_at = factory.LazyFunction(timezone.now)
    summary = "来电反映路边有暴露垃圾"
    outcome = CallOutcome.NEW_CASE
    duration_seconds = 95


class CallbackFactory(factory.django.DjangoModelFactory):
    """The caller called back about the case of their call, and satisfied."""

    class Meta:
        model = Callback

    call = factory.SubFactory(CallFactory)
    case = factory.SelfAttribute("call.case")
    operator = factory.SelfAttribute("call.operator")
    called_at = factory.LazyFunction(timezone.now)
    reached = True
    satisfaction = Satisfaction.SATISFIED
    note = "已处理，表示满意"
