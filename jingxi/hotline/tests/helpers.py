"""Ways to reach a hotline state through the services, shared by the hotline's tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import Cast, World
from jingxi.cases.choices import Action, Source
from jingxi.cases.models import Case
from jingxi.cases.services import case_report, case_transition
from jingxi.hotline.models import Call
from jingxi.hotline.services import call_take

LNG, LAT = 113.955, 34.7102  # on 青年路, in 青年路街道
FAR_LNG = 113.965  # the same road, about 900 m east
PHONE = "13812341234"


def taken(world: World, cast: Cast, **kwargs: Any) -> Call:
    """A call that made a new case."""
    values: dict[str, Any] = {
        "operator": cast.operator,
        "caller_phone": PHONE,
        "caller_name": "王女士",
        "text": "青年路有一堆垃圾没人清理",
        "category": world.exposed_garbage,
        "lng": LNG,
        "lat": LAT,
        "address": "青年路",
    }
    values.update(kwargs)
    return call_take(**values)


def reported(world: World, **kwargs: Any) -> Case:
    """A case from another channel."""
    return case_report(
        jurisdiction=world.jurisdiction,
        category=kwargs.pop("category", world.exposed_garbage),
        lng=kwargs.pop("lng", LNG),
        lat=kwargs.pop("lat", LAT),
        description=kwargs.pop("description", "青年路暴露垃圾"),
        source=kwargs.pop("source", Source.CITIZEN_WEB),
        **kwargs,
    )


def close(case: Case, cast: Cast, *, at: dt.datetime | None = None) -> Case:
    """Walk a case through file → dispatch → accept → report back → verify pass."""
    case = case_transition(case_id=case.pk, action=Action.FILE, actor=cast.dispatcher, now=at)
    case = case_transition(case_id=case.pk, action=Action.DISPATCH, actor=cast.dispatcher, now=at)
    handler = (
        cast.handler_a
        if case.unit_id == cast.handler_a.memberships.get().unit_id
        else cast.handler_b
    )
    for action, actor in (
        (Action.ACCEPT, handler),
        (Action.REPORT_BACK, handler),
        (Action.VERIFY_PASS, cast.inspector),
    ):
        case = case_transition(case_id=case.pk, action=action, actor=actor, now=at)
    return case


def dispatch(case: Case, cast: Cast) -> Case:
    case_transition(case_id=case.pk, action=Action.FILE, actor=cast.dispatcher)
    return case_transition(case_id=case.pk, action=Action.DISPATCH, actor=cast.dispatcher)
