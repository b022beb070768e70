"""A small set of cases for the portal's tests, each walked through the loop by services.

November 2026 (a Monday, 23rd), the time limit of 暴露垃圾 being 4 working hours:

| case      | township | reported     | what became of it                         | rating    |
|-----------|----------|--------------|-------------------------------------------|-----------|
| a_on_time | A        | 11-23 09:00  | closed 11-23 11:00, on time               | 满意      |
| a_late    | A        | 11-23 09:00  | closed 11-24 16:00, after its deadline    | 不满意    |
| a_reject  | A        | 11-23 09:30  | rejected (not a problem)                  |           |
| b_open    | B        | 11-23 09:00  | still handling, deadline passed           |           |
| b_citizen | B        | 11-23 10:00  | citizen (name, phone), closed on time     | 基本满意  |
| b_october | B        | 10-15 09:00  | closed 10-15 11:00, on time               | 基本满意  |
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from PIL import Image

from conftest import Cast, World
from jingxi.cases.choices import Action, Source
from jingxi.cases.evidence import attachment_add
from jingxi.cases.models import Attachment, Case
from jingxi.cases.services import case_report, case_transition
from jingxi.public.citizen.services import feedback_give

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=TZ)
POINT_A = (113.955, 34.7152)  # township A, grid A-north-1
POINT_B = (113.985, 34.7152)  # township B, grid B-north-2
CITIZEN_NAME = "王小明"
CITIZEN_PHONE = "13812345678"


def jpeg(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, format="JPEG")
    return out.getvalue()


def walk(
    world: World,
    cast: Cast,
    *,
    at: dt.datetime,
    point: tuple[float, float],
    close_at: dt.datetime | None,
    citizen: bool = False,
    photos: bool = False,
) -> Case:
    """Report, file, dispatch, accept; then report back and close at `close_at`."""
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=point[0],
        lat=point[1],
        description="路边有一堆暴露垃圾",
        source=Source.CITIZEN_WEB if citizen else Source.INSPECTOR,
        actor=None if citizen else cast.inspector,
        reporter_name=CITIZEN_NAME if citizen else "",
        reporter_phone=CITIZEN_PHONE if citizen else "",
        now=at,
    )
    if photos:
        attachment_add(case=case, file=jpeg((200, 30, 30)), kind="before", actor=cast.inspector)
    minute = dt.timedelta(minutes=1)
    case_transition(case_id=case.pk, action=Action.FILE, actor=cast.dispatcher, now=at + 5 * minute)
    case_transition(
        case_id=case.pk,
        action=Action.DISPATCH,
        actor=cast.dispatcher,
        unit=world.sanitation,
        now=at + 10 * minute,
    )
    case_transition(
        case_id=case.pk, action=Action.ACCEPT, actor=cast.handler_a, now=at + 15 * minute
    )
    if close_at is None:
        return Case.objects.get(pk=case.pk)
    if photos:
        attachment_add(
            case=Case.objects.get(pk=case.pk),
            file=jpeg((30, 160, 60)),
            kind="after",
            actor=cast.handler_a,
        )
    case_transition(
        case_id=case.pk,
        action=Action.REPORT_BACK,
        actor=cast.handler_a,
        now=close_at - 30 * minute,
    )
    return case_transition(
        case_id=case.pk, action=Action.VERIFY_PASS, actor=cast.inspector, now=close_at
    )


def rate(case: Case, rating: str) -> None:
    feedback_give(case=case, token=case.tracking_token, rating=rating, now=case.closed_at)


@dataclass
class Story:
    a_on_time: Case
    a_late: Case
    a_reject: Case
    b_open: Case
    b_citizen: Case
    b_october: Case


def tell(world: World, cast: Cast) -> Story:
    hour = dt.timedelta(hours=1)
    a_on_time = walk(world, cast, at=MONDAY, point=POINT_A, close_at=MONDAY + 2 * hour)
    a_late = walk(
        world, cast, at=MONDAY, point=POINT_A, close_at=MONDAY + dt.timedelta(days=1, hours=7)
    )
    a_reject = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=POINT_A[0],
        lat=POINT_A[1],
        description="重复反映",
        source=Source.INSPECTOR,
        actor=cast.inspector,
        now=MONDAY + hour / 2,
    )
    a_reject = case_transition(
        case_id=a_reject.pk,
        action=Action.REJECT,
        actor=cast.dispatcher,
        note="不属实",
        now=MONDAY + hour,
    )
    b_open = walk(world, cast, at=MONDAY, point=POINT_B, close_at=None)
    b_citizen = walk(
        world, cast, at=MONDAY + hour, point=POINT_B, close_at=MONDAY + 2 * hour, citizen=True
    )
    october = dt.datetime(2026, 10, 15, 9, 0, tzinfo=TZ)
    b_october = walk(world, cast, at=october, point=POINT_B, close_at=october + 2 * hour)
    rate(a_on_time, "satisfied")
    rate(a_late, "unsatisfied")
    rate(b_citizen, "basically_satisfied")
    rate(b_october, "basically_satisfied")
    return Story(a_on_time, a_late, a_reject, b_open, b_citizen, b_october)


def photos_of(case: Case) -> tuple[Attachment, Attachment]:
    before = case.attachments.get(kind="before")
    after = case.attachments.get(kind="after")
    return before, after
