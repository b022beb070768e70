import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, connection, transaction

from conftest import Cast, World
from jingxi.cases.choices import Action, Source, Stage, Status
from jingxi.cases.models import Case, CaseEvent, CaseNumberCounter
from jingxi.cases.services import (
    CaseInputError,
    DuplicateSubmission,
    case_report,
    case_transition,
)
from jingxi.cases.workflow import TransitionRefused
from jingxi.org.models import Jurisdiction
from jingxi.org.services import calendar_seed, jurisdiction_working_periods_set

TZ = ZoneInfo("Asia/Shanghai")
MONDAY_9 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ)


def report(world: World, cast: Cast, **kwargs: object) -> Case:
    args: dict[str, object] = {
        "jurisdiction": world.jurisdiction,
        "category": world.exposed_garbage,
        "lng": 113.955,
        "lat": 34.7102,
        "description": "青年路路边有一堆暴露垃圾",
        "source": Source.INSPECTOR,
        "actor": cast.inspector,
        "now": MONDAY_9,
    }
    args.update(kwargs)
    return case_report(**args)  # type: ignore[arg-type]


def step(case: Case, action: Action, actor: object, at: dt.datetime, **kwargs: object) -> Case:
    return case_transition(case_id=case.pk, action=action, actor=actor, now=at, **kwargs)  # type: ignore[arg-type]


def test_report_routes_numbers_and_logs(world: World, cast: Cast) -> None:
    case = report(world, cast)
    assert case.number == "202611230001"
    assert case.status == Status.REPORTED
    assert case.township == world.township_a
    assert case.segment == world.segments["qingnian-west"]
    assert case.proposed_unit == world.sanitation
    assert case.address
    assert case.stage == Stage.FILING
    assert case.stage_deadline == MONDAY_9 + dt.timedelta(hours=1)
    assert list(case.events.values_list("action", flat=True)) == ["report"]
    assert report(world, cast).number == "202611230002"


def test_patrol_report_may_be_filed_directly(world: World, cast: Cast) -> None:
    case = report(world, cast, file_directly=True)
    assert case.status == Status.FILED
    assert [e.action for e in case.events.all()] == ["report", "file"]


def test_citizen_report_cannot_be_filed_directly(world: World, cast: Cast) -> None:
    with pytest.raises(CaseInputError):
        report(world, cast, source=Source.CITIZEN_WEB, actor=None, file_directly=True)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"description": "  "}, "描述"),
        ({"description": "很" * 2001}, "2000"),
        ({"lng": 120.0, "lat": 30.0}, "辖区"),
        ({"source": "fax"}, "来源"),
        ({"urgency": "whenever"}, "紧急"),
    ],
)
def test_bad_report_is_refused_and_writes_nothing(
    world: World, cast: Cast, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(CaseInputError, match=message):
        report(world, cast, **kwargs)
    assert not Case.objects.exists()


def test_idempotency_key_refuses_a_second_create(world: World, cast: Cast) -> None:
    first = report(world, cast, idempotency_key="abc")
    with pytest.raises(DuplicateSubmission) as caught:
        report(world, cast, idempotency_key="abc")
    assert caught.value.case == first
    assert Case.objects.count() == 1


def test_repeated_key_in_a_callers_transaction_keeps_it_and_the_number_sequence(
    world: World, cast: Cast
) -> None:
    first = report(world, cast, idempotency_key="abc")
    with transaction.atomic():
        with pytest.raises(DuplicateSubmission):
            report(world, cast, idempotency_key="abc")
        # The caller's transaction is still usable, and the refused report's number
        # was rolled back with it, so the sequence has no gap.
        second = report(world, cast)
    assert second.number == f"{int(first.number) + 1}"
    assert Case.objects.count() == 2


def test_numbers_past_the_ten_thousandth_report_of_a_day_keep_every_digit(
    world: World, cast: Cast
) -> None:
    CaseNumberCounter.objects.create(
        jurisdiction=world.jurisdiction, day=MONDAY_9.date(), last=9998
    )
    first = report(world, cast)
    second = report(world, cast, file_directly=True)
    assert (first.number, second.number) == ("202611239999", "2026112310000")
    assert Case.objects.get(pk=second.pk).number == "2026112310000"
    assert [e.action for e in CaseEvent.objects.filter(case=second)] == ["report", "file"]


def test_report_reads_the_jurisdictions_current_calendar_not_the_callers_copy(
    world: World, cast: Cast
) -> None:
    stale = Jurisdiction.objects.get(pk=world.jurisdiction.pk)
    jurisdiction_working_periods_set(
        jurisdiction=Jurisdiction.objects.get(pk=world.jurisdiction.pk),
        periods=[["08:00", "20:00"]],
    )
    evening = dt.datetime(2026, 11, 23, 18, 0, tzinfo=TZ)  # Monday, after 17:30
    case = report(world, cast, jurisdiction=stale, now=evening)
    # Filing: 1 working hour, within the new periods the same evening.
    assert case.stage_deadline == dt.datetime(2026, 11, 23, 19, 0, tzinfo=TZ)


def test_whole_loop_with_extension_and_rework(world: World, cast: Cast) -> None:
    t = MONDAY_9
    case = report(world, cast)
    case = step(case, Action.FILE, cast.dispatcher, t)
    case = step(case, Action.DISPATCH, cast.dispatcher, t)
    assert case.unit == world.sanitation
    # 暴露垃圾: 4 working hours from 09:00 Monday with a 12:00-14:30 lunch break.
    assert case.deadline == dt.datetime(2026, 11, 23, 15, 30, tzinfo=TZ)
    case = step(case, Action.ACCEPT, cast.handler_a, t)
    case = step(
        case, Action.REQUEST_EXTENSION, cast.handler_a, t, note="需要清运车", extension_hours=2
    )
    case = step(case, Action.APPROVE_EXTENSION, cast.dispatcher, t)
    assert case.deadline == dt.datetime(2026, 11, 23, 17, 30, tzinfo=TZ)
    case = step(case, Action.REPORT_BACK, cast.handler_a, t + dt.timedelta(hours=1))
    case = step(
        case, Action.VERIFY_FAIL, cast.inspector, t + dt.timedelta(hours=2), note="未清理干净"
    )
    assert case.status == Status.HANDLING
    assert case.rework_count == 1
    case = step(case, Action.REPORT_BACK, cast.handler_a, t + dt.timedelta(hours=5))
    case = step(case, Action.VERIFY_PASS, cast.inspector, t + dt.timedelta(hours=6))
    assert case.status == Status.CLOSED
    assert case.closed_at is not None
    actions = list(case.events.values_list("action", flat=True))
    assert actions == [
        "report", "file", "dispatch", "accept", "request_extension", "approve_extension",
        "report_back", "verify_fail", "report_back", "verify_pass",
    ]  # fmt: skip


def test_handler_of_another_unit_cannot_accept(world: World, cast: Cast) -> None:
    case = report(world, cast, file_directly=True)
    case = step(case, Action.DISPATCH, cast.dispatcher, MONDAY_9)
    with pytest.raises(TransitionRefused, match="责任单位"):
        step(case, Action.ACCEPT, cast.handler_b, MONDAY_9)
    case.refresh_from_db()
    assert case.status == Status.DISPATCHED


def test_inspector_cannot_dispatch(world: World, cast: Cast) -> None:
    case = report(world, cast, file_directly=True)
    with pytest.raises(TransitionRefused, match="受理/派遣员"):
        step(case, Action.DISPATCH, cast.inspector, MONDAY_9)


def test_return_requires_a_reason_and_counts(world: World, cast: Cast) -> None:
    case = report(world, cast, file_directly=True)
    case = step(case, Action.DISPATCH, cast.dispatcher, MONDAY_9)
    with pytest.raises(CaseInputError, match="理由"):
        step(case, Action.RETURN, cast.handler_a, MONDAY_9)
    case = step(case, Action.RETURN, cast.handler_a, MONDAY_9, note="不属于本单位职责")
    assert case.status == Status.FILED
    assert case.return_count == 1
    case = step(case, Action.DISPATCH, cast.dispatcher, MONDAY_9, unit=world.traffic)
    assert case.unit == world.traffic
    assert case.dispatch_count == 2


def test_decision_without_request_is_refused(world: World, cast: Cast) -> None:
    case = report(world, cast, file_directly=True)
    case = step(case, Action.DISPATCH, cast.dispatcher, MONDAY_9)
    case = step(case, Action.ACCEPT, cast.handler_a, MONDAY_9)
    with pytest.raises(TransitionRefused, match="没有待审批"):
        step(case, Action.APPROVE_EXTENSION, cast.dispatcher, MONDAY_9)


def test_suspension_pauses_the_clock(world: World, cast: Cast) -> None:
    case = report(world, cast, file_directly=True)
    case = step(case, Action.DISPATCH, cast.dispatcher, MONDAY_9)
    case = step(case, Action.ACCEPT, cast.handler_a, MONDAY_9)
    case = step(case, Action.REQUEST_SUSPENSION, cast.handler_a, MONDAY_9, note="等待管网改造项目")
    case = step(case, Action.APPROVE_SUSPENSION, cast.dispatcher, MONDAY_9)
    assert case.status == Status.SUSPENDED
    later = dt.datetime(2026, 11, 30, 9, 0, tzinfo=TZ)
    case = step(case, Action.RESUME, cast.dispatcher, later)
    # Four working hours remained; they run again from the resume.
    assert case.deadline == dt.datetime(2026, 11, 30, 15, 30, tzinfo=TZ)


def test_deadline_skips_national_day(world: World, cast: Cast) -> None:
    calendar_seed(jurisdiction=world.jurisdiction, year=2026)
    before_holiday = dt.datetime(2026, 9, 30, 16, 0, tzinfo=TZ)
    case = report(world, cast, file_directly=True, now=before_holiday)
    case = step(case, Action.DISPATCH, cast.dispatcher, before_holiday)
    # 1.5 h left on Sep 30, then Oct 1-8 off (Oct 8 per the package? see calendar data);
    # the deadline must fall on the first working day after the holiday.
    assert case.deadline is not None
    local = case.deadline.astimezone(TZ)
    assert local.date() >= dt.date(2026, 10, 8)
    assert local.date().isoweekday() <= 6


def test_self_handle_closes_in_one_step(world: World, cast: Cast) -> None:
    case = report(world, cast)
    case = step(case, Action.SELF_HANDLE, cast.inspector, MONDAY_9)
    assert case.status == Status.CLOSED


def test_reopen_only_within_the_window(world: World, cast: Cast) -> None:
    case = report(world, cast)
    case = step(case, Action.SELF_HANDLE, cast.inspector, MONDAY_9)
    with pytest.raises(TransitionRefused, match="30"):
        step(case, Action.REOPEN, cast.dispatcher, MONDAY_9 + dt.timedelta(days=31), note="又出现")
    case = step(
        case, Action.REOPEN, cast.dispatcher, MONDAY_9 + dt.timedelta(days=3), note="又出现"
    )
    assert case.status == Status.FILED


def test_merge_into_an_open_case(world: World, cast: Cast) -> None:
    first = report(world, cast)
    second = report(world, cast)
    second = step(second, Action.MERGE, cast.dispatcher, MONDAY_9, merge_into=first)
    assert second.status == Status.MERGED
    assert second.merged_into == first


def test_case_events_refuse_update(world: World, cast: Cast) -> None:
    case = report(world, cast)
    event = case.events.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseEvent.objects.filter(pk=event.pk).update(note="tampered")
    event.refresh_from_db()
    assert event.note == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="DELETE is refused on PostgreSQL")
def test_case_events_refuse_delete_on_postgresql(world: World, cast: Cast) -> None:
    case = report(world, cast)
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseEvent.objects.filter(case=case).delete()
    assert case.events.count() == 1
