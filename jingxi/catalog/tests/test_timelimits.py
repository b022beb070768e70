"""Which time limit applies: the one rule (`catalog.timelimits`) and every channel that
promises a limit answer alike, and the case then gets what was promised."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Cast, World
from jingxi.cases.choices import Action, Source
from jingxi.cases.services import case_report, case_transition
from jingxi.catalog.choices import CategoryLevel, TimeUnit, Urgency
from jingxi.catalog.limits import LimitSpec
from jingxi.catalog.models import Category, TimeLimit
from jingxi.catalog.selectors import time_limit_for
from jingxi.catalog.services import catalog_seed
from jingxi.catalog.timelimits import (
    limit_applies_params,
    limit_applies_sql,
    limit_keys,
    limit_notice,
    limit_pick,
)
from jingxi.hotline.choices import CallOutcome
from jingxi.hotline.models import Call
from jingxi.hotline.selectors import call_limit_notice
from jingxi.open311.selectors import post_context, service_code_of
from jingxi.org.services import calendar_get

URGENCIES = [str(u) for u in Urgency.values]
CONDITIONS = ["", "拆除", "停止施工", "设置警示"]


def spec(urgency: str, condition: str, amount: str) -> LimitSpec:
    return LimitSpec(urgency, condition, Decimal(amount), str(TimeUnit.WORKING_HOURS))


def test_an_urgent_condition_keeps_the_conditions_limit() -> None:
    # 私搭乱建: urgent 2 working hours, demolition 20 working days. An urgent demolition is
    # still a demolition: the condition's limit applies, not the plain urgent one.
    limits = [
        spec(Urgency.NORMAL, "", "8"),
        spec(Urgency.URGENT, "", "2"),
        LimitSpec(Urgency.NORMAL, "拆除", Decimal(20), TimeUnit.WORKING_DAYS),
    ]
    found = limit_pick(limits, urgency=Urgency.URGENT, condition="拆除")
    assert found is not None and found.condition == "拆除" and found.amount == 20


def test_critical_falls_back_to_urgent_before_normal() -> None:
    limits = [spec(Urgency.NORMAL, "", "8"), spec(Urgency.URGENT, "", "2")]
    found = limit_pick(limits, urgency=Urgency.CRITICAL, condition="")
    assert found is not None and found.urgency == Urgency.URGENT
    assert limit_keys(urgency=Urgency.CRITICAL, condition="拆除") == (
        ("critical", "拆除"),
        ("urgent", "拆除"),
        ("normal", "拆除"),
        ("critical", ""),
        ("urgent", ""),
        ("normal", ""),
    )


def test_an_unknown_condition_is_answered_without_condition() -> None:
    limits = [spec(Urgency.NORMAL, "", "8"), spec(Urgency.NORMAL, "拆除", "3")]
    found = limit_pick(limits, urgency=Urgency.NORMAL, condition="没有这种情形")
    assert found is not None and found.condition == ""


limit_sets = st.dictionaries(
    st.tuples(st.sampled_from(URGENCIES), st.sampled_from(CONDITIONS)),
    st.sampled_from(["0.5", "1", "4", "20"]),
    max_size=8,
)


@given(limits=limit_sets, urgency=st.sampled_from(URGENCIES), condition=st.sampled_from(CONDITIONS))
def test_the_pick_never_prefers_a_less_specific_limit(
    limits: dict[tuple[str, str], str], urgency: str, condition: str
) -> None:
    specs = [spec(u, c, a) for (u, c), a in limits.items()]
    found = limit_pick(specs, urgency=urgency, condition=condition)
    keys = limit_keys(urgency=urgency, condition=condition)
    present = [k for k in keys if k in limits]
    assert (found is None) == (not present)
    if found is not None:
        assert (found.urgency, found.condition) == present[0]
        # never a limit of a higher urgency, never another condition
        assert URGENCIES.index(found.urgency) <= URGENCIES.index(urgency)
        assert found.condition in (condition, "")


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(limits=limit_sets, urgency=st.sampled_from(URGENCIES), condition=st.sampled_from(CONDITIONS))
def test_the_reports_sql_check_answers_as_the_pick(
    world: World, limits: dict[tuple[str, str], str], urgency: str, condition: str
) -> None:
    category = world.exposed_garbage
    TimeLimit.objects.filter(category=category).delete()
    TimeLimit.objects.bulk_create(
        TimeLimit(
            category=category, urgency=u, condition=c, amount=Decimal(a), unit="working_hours"
        )
        for (u, c), a in limits.items()
    )
    sql = f"SELECT {limit_applies_sql()} FROM catalog_category c WHERE c.id = %s"  # noqa: S608 quoted table names, values as %s params
    with connection.cursor() as cursor:
        params: list[Any] = [*limit_applies_params(urgency=urgency, condition=condition)]
        cursor.execute(sql, [*params, category.pk])
        exists = bool(cursor.fetchone()[0])
    rows = list(TimeLimit.objects.filter(category=category))
    assert exists == (limit_pick(rows, urgency=urgency, condition=condition) is not None)


# --- every channel, every catalog row × urgency × condition -----------------------------

_NOTICE = re.compile(r"^处置时限：(?P<amount>[0-9.]+) (?P<unit>\S+)$")
_UNITS = {str(label): str(value) for value, label in TimeUnit.choices}


def _promised_deadline(notice: str, calendar: Any, start: dt.datetime) -> dt.datetime:
    """The deadline a notice promises, read back from its text (not from the rule)."""
    match = _NOTICE.match(notice)
    assert match is not None, notice
    amount, unit = Decimal(match["amount"]), _UNITS[match["unit"]]
    if unit == TimeUnit.WORKING_DAYS:
        return calendar.add_working_days(start, amount)  # type: ignore[no-any-return]
    return calendar.add_working_hours(start, amount)  # type: ignore[no-any-return]


@pytest.mark.django_db
def test_every_channel_promises_what_the_case_gets(world: World, cast: Cast) -> None:
    j = world.jurisdiction
    catalog_seed(jurisdiction=j)
    calendar = calendar_get(jurisdiction=j)
    minors = list(
        Category.objects.filter(jurisdiction=j, level=CategoryLevel.MINOR, is_active=True)
        .prefetch_related("time_limits")
        .order_by("kind", "code")
    )
    assert len(minors) > 50  # the standard catalog, not only the test world's three
    now = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday morning
    walked = 0
    for category in minors:
        context = post_context(
            jurisdiction_id="",
            key_prefix=None,
            service_code=service_code_of(category.kind, category.code),
        )
        assert context.service is not None, category
        conditions = sorted({t.condition for t in category.time_limits.all()} | {"", "无此情形"})
        for urgency in URGENCIES:
            for condition in conditions:
                case = case_report(
                    jurisdiction=j,
                    category=category,
                    lng=113.955,
                    lat=34.7102,
                    description=f"{category.name} {urgency} {condition}",
                    source=Source.INSPECTOR,
                    actor=cast.inspector,
                    urgency=urgency,
                    condition=condition,
                    file_directly=True,
                    now=now,
                )
                case = case_transition(
                    case_id=case.pk,
                    action=Action.DISPATCH,
                    actor=cast.dispatcher,
                    unit=world.sanitation,
                    now=now,
                )
                assert case.deadline is not None and case.dispatched_at is not None
                promises = {
                    "open311": context.service.notice(urgency, condition),
                    "catalog": limit_notice(
                        time_limit_for(category=category, urgency=urgency, condition=condition)
                    ),
                    "hotline": call_limit_notice(
                        call=Call(case=case, outcome=CallOutcome.NEW_CASE)
                    ),
                }
                where = (category.code, category.name, urgency, condition, promises)
                assert len(set(promises.values())) == 1, where
                promised = _promised_deadline(promises["open311"], calendar, case.dispatched_at)
                assert case.deadline == promised, where
                walked += 1
    assert walked >= len(minors) * len(URGENCIES) * 2
