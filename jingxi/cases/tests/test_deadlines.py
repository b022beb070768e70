"""The deadline scan with a frozen clock: warn, overdue, the escalation ladder."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from pytest_django import DjangoAssertNumQueries

from conftest import Cast, World
from jingxi.cases.choices import Action, Source, Stage, Status
from jingxi.cases.deadlines import (
    LadderError,
    deadline_scan,
    ladder_parse,
    working_hours_before,
)
from jingxi.cases.models import Case, LoopSettings, SupervisionOrder
from jingxi.cases.services import case_report, case_transition
from jingxi.documents.models import DocumentCounter
from jingxi.lib.workcalendar import WorkCalendar
from jingxi.notify.models import Notification
from jingxi.notify.services import outbox_drain
from jingxi.org.services import calendar_get, calendar_seed
from jingxi.places.choices import RoadChiefLevel
from jingxi.places.models import RoadChief

TZ = ZoneInfo("Asia/Shanghai")
MONDAY_9 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
# 暴露垃圾 has 4 working hours: from Monday 09:00 the deadline is 15:30 (lunch 12:00-14:30).
HANDLING_DEADLINE = dt.datetime(2026, 11, 23, 15, 30, tzinfo=TZ)
SECOND = dt.timedelta(seconds=1)


def local(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=TZ)


def handling_case(world: World, cast: Cast, at: dt.datetime = MONDAY_9, **kwargs: object) -> Case:
    """A patrol report filed, dispatched to 环卫中心 and accepted at `at`."""
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        description="青年路路边有一堆暴露垃圾",
        source=Source.INSPECTOR,
        actor=cast.inspector,
        file_directly=True,
        now=at,
        **kwargs,  # type: ignore[arg-type]
    )
    case_transition(case_id=case.pk, action=Action.DISPATCH, actor=cast.dispatcher, now=at)
    return case_transition(case_id=case.pk, action=Action.ACCEPT, actor=cast.handler_a, now=at)


def citizen_case(world: World) -> Case:
    """A citizen's report on Monday 09:00, in the filing stage."""
    return case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        description="市民反映垃圾",
        source=Source.CITIZEN_WEB,
        now=MONDAY_9,
    )


def scan_events(case: Case) -> list[tuple[str, str]]:
    """(action, step) of the events the scan wrote for the case, in order."""
    return [
        (e.action, e.data.get("step", ""))
        for e in case.events.filter(action__in=["warn", "overdue", "escalate"])
    ]


def recipients_of(case: Case, step: str) -> list[int]:
    event = case.events.get(data__step=step)
    return list(event.data["recipients"])


# --- ladder parsing and the working-time bound ------------------------------------------


def test_default_ladder_parses_in_order() -> None:
    ladder = ladder_parse(LoopSettings().escalation_ladder)
    assert [s.step for s in ladder] == [
        "unit_head",
        "road_chief_township",
        "road_chief_county",
        "supervision_order",
    ]
    assert [s.after.total_seconds() / 3600 for s in ladder] == [0, 4, 8, 16]


@pytest.mark.parametrize(
    "raw",
    [
        {"step": "unit_head"},
        [{"step": "mayor", "after_hours": 1}],
        [{"step": "unit_head"}],
        [{"step": "unit_head", "after_hours": "soon"}],
        [{"step": "unit_head", "after_hours": -1}],
        [{"step": "unit_head", "after_hours": 4}, {"step": "supervision_order", "after_hours": 2}],
    ],
)
def test_bad_ladder_is_refused(raw: object) -> None:
    with pytest.raises(LadderError):
        ladder_parse(raw)


def test_working_hours_before_steps_back_over_lunch_and_weekend() -> None:
    calendar = WorkCalendar()
    monday_9 = local(2026, 11, 23, 9, 0)
    # 0.5 h on Monday morning, then 3 h of Friday afternoon, then 0.5 h before noon.
    bound = working_hours_before(calendar, monday_9, dt.timedelta(hours=4))
    assert bound == local(2026, 11, 20, 11, 30)
    assert calendar.working_time_between(bound, monday_9) == dt.timedelta(hours=4)
    later = bound + dt.timedelta(microseconds=1)
    assert calendar.working_time_between(later, monday_9) < dt.timedelta(hours=4)
    assert working_hours_before(calendar, monday_9, dt.timedelta(0)) == monday_9


# --- warn and overdue -------------------------------------------------------------------


def test_handler_is_warned_one_working_hour_before_the_deadline(world: World, cast: Cast) -> None:
    case = handling_case(world, cast)
    # 14:30-15:30 is the last working hour; over lunch the hour left does not shrink,
    # so the warning is due from 12:00 on, and not one second before.
    assert deadline_scan(now=local(2026, 11, 23, 11, 59, 59)).warned == 0
    summary = deadline_scan(now=local(2026, 11, 23, 12, 0))
    assert summary.warned == 1
    case.refresh_from_db()
    assert case.warned and not case.is_overdue
    assert scan_events(case) == [("warn", "warn")]
    assert recipients_of(case, "warn") == [cast.handler_a.pk]
    assert deadline_scan(now=local(2026, 11, 23, 14, 0)).warned == 0


def test_a_stage_no_longer_than_the_lead_is_never_warned(world: World, cast: Cast) -> None:
    # The defaults: 1-hour filing, dispatch and acceptance stages, a 1-hour lead. Each is
    # within the lead from its first moment, so a warning would come with the step itself.
    case = citizen_case(world)
    assert deadline_scan(now=MONDAY_9).warned == 0
    case_transition(case_id=case.pk, action=Action.FILE, actor=cast.dispatcher, now=MONDAY_9)
    assert deadline_scan(now=MONDAY_9 + dt.timedelta(minutes=30)).warned == 0
    case_transition(case_id=case.pk, action=Action.DISPATCH, actor=cast.dispatcher, now=MONDAY_9)
    assert deadline_scan(now=MONDAY_9 + dt.timedelta(minutes=59)).warned == 0
    assert scan_events(case) == []
    # Overdue still comes at the deadline.
    assert deadline_scan(now=local(2026, 11, 23, 10, 0)).overdue == 1


def test_filing_stage_warns_dispatchers_and_verification_warns_the_inspector(
    world: World, cast: Cast
) -> None:
    # Filing longer than the 1-hour lead (2 working hours), so it has a warning.
    LoopSettings.objects.update_or_create(
        jurisdiction=world.jurisdiction, defaults={"filing_hours": 2}
    )
    filing = citizen_case(world)
    verifying = handling_case(world, cast)
    case_transition(
        case_id=verifying.pk, action=Action.REPORT_BACK, actor=cast.handler_a, now=MONDAY_9
    )
    deadline_scan(now=MONDAY_9 + dt.timedelta(minutes=30))
    filing.refresh_from_db()
    verifying.refresh_from_db()
    assert filing.stage == Stage.FILING and not filing.warned
    deadline_scan(now=local(2026, 11, 23, 10, 0))
    filing.refresh_from_db()
    assert filing.warned
    assert recipients_of(filing, "warn") == [cast.dispatcher.pk]
    assert verifying.stage == Stage.VERIFICATION
    # The verification stage has 2 working hours: not yet within the hour.
    assert not verifying.warned
    deadline_scan(now=local(2026, 11, 23, 10, 0))
    assert recipients_of(verifying, "warn") == [cast.inspector.pk]


def test_case_is_overdue_at_its_deadline_not_one_second_before(world: World, cast: Cast) -> None:
    case = handling_case(world, cast)
    assert deadline_scan(now=HANDLING_DEADLINE - SECOND).overdue == 0
    case.refresh_from_db()
    assert not case.is_overdue
    summary = deadline_scan(now=HANDLING_DEADLINE)
    assert summary.overdue == 1
    case.refresh_from_db()
    assert case.is_overdue
    assert case.status == Status.HANDLING  # a flag, not a status
    overdue = case.events.get(action="overdue")
    assert overdue.from_status == overdue.to_status == Status.HANDLING
    assert overdue.data["recipients"] == [cast.handler_a.pk]


# --- the ladder ---------------------------------------------------------------------------


def test_escalation_ladder_in_order_with_recipients_and_a_supervision_order(
    world: World, cast: Cast
) -> None:
    world.office.short_name = "中牟精细办"
    world.office.save()
    # A county chief of 青年路 who answers only for the east segment (the case is west),
    # and a community chief of the west segment (a level the ladder does not call here).
    county = RoadChief.objects.create(
        road=world.qingnian,
        user=cast.leader,
        level=RoadChiefLevel.COUNTY,
        start_date=dt.date(2026, 1, 1),
    )
    county.segments.set([world.segments["qingnian-east"]])
    community = RoadChief.objects.create(
        road=world.qingnian,
        user=cast.operator,
        level=RoadChiefLevel.COMMUNITY,
        start_date=dt.date(2026, 1, 1),
    )
    community.segments.set([world.segments["qingnian-west"]])
    case = handling_case(world, cast)

    # At the deadline: overdue, and step 1 (after 0 h) goes to the unit head.
    deadline_scan(now=HANDLING_DEADLINE)
    case.refresh_from_db()
    assert case.escalation_step == 1
    assert scan_events(case) == [("overdue", "overdue"), ("escalate", "unit_head")]
    assert recipients_of(case, "unit_head") == [cast.unit_head_a.pk]

    # 4 working hours later: Monday 15:30-17:30 and Tuesday 08:30-10:30.
    deadline_scan(now=local(2026, 11, 24, 10, 29, 59))
    case.refresh_from_db()
    assert case.escalation_step == 1
    deadline_scan(now=local(2026, 11, 24, 10, 30))
    case.refresh_from_db()
    assert case.escalation_step == 2
    assert recipients_of(case, "road_chief_township") == [cast.road_chief.pk]

    # 8 working hours: Tuesday 17:00. No county chief answers for this segment.
    deadline_scan(now=local(2026, 11, 24, 17, 0))
    case.refresh_from_db()
    assert case.escalation_step == 3
    assert recipients_of(case, "road_chief_county") == []
    assert not case.is_supervised

    # 16 working hours: Thursday 09:30 — a supervision order, numbered.
    deadline_scan(now=local(2026, 11, 26, 9, 29))
    assert not SupervisionOrder.objects.exists()
    summary = deadline_scan(now=local(2026, 11, 26, 9, 30))
    assert summary.supervision_orders == 1
    case.refresh_from_db()
    assert case.escalation_step == 4
    assert case.is_supervised
    order = SupervisionOrder.objects.get()
    assert order.number == "中牟精细办督〔2026〕第0001号"
    assert (order.case, order.unit, order.reason, order.issued_by) == (
        case,
        world.sanitation,
        "overdue",
        None,
    )
    assert order.deadline == local(2026, 11, 27, 9, 30)  # one working day
    event = case.events.get(data__step="supervision_order")
    assert event.data["order"] == order.number
    assert event.data["recipients"] == [cast.unit_head_a.pk, cast.dispatcher.pk]
    assert scan_events(case) == [
        ("overdue", "overdue"),
        ("escalate", "unit_head"),
        ("escalate", "road_chief_township"),
        ("escalate", "road_chief_county"),
        ("escalate", "supervision_order"),
    ]

    # The drain turns the ladder into notifications for those people.
    outbox_drain(now=local(2026, 11, 26, 10, 0))
    kinds = set(
        Notification.objects.filter(source="cases", object_id=str(case.pk)).values_list(
            "recipient_id", "kind"
        )
    )
    assert (cast.unit_head_a.pk, "escalate") in kinds
    assert (cast.road_chief.pk, "escalate") in kinds
    assert (cast.dispatcher.pk, "escalate") in kinds
    assert not Notification.objects.filter(recipient__in=[cast.leader, cast.operator]).exists()


def test_a_late_scan_takes_every_due_step_at_once_and_rescans_do_nothing(
    world: World, cast: Cast
) -> None:
    case = handling_case(world, cast)
    late = local(2026, 11, 30, 9, 0)  # a week later: every step is due
    summary = deadline_scan(now=late)
    assert (summary.overdue, summary.escalated_cases, summary.escalation_steps) == (1, 1, 4)
    case.refresh_from_db()
    assert case.escalation_step == 4
    events = case.events.count()
    for again in (late, late + dt.timedelta(days=3)):
        summary = deadline_scan(now=again)
        assert summary.cases_touched == 0
    assert case.events.count() == events
    assert SupervisionOrder.objects.count() == 1


def test_no_escalation_over_a_weekend(world: World, cast: Cast) -> None:
    friday = local(2026, 11, 27, 9, 0)
    case = handling_case(world, cast, at=friday)  # deadline Friday 15:30
    deadline_scan(now=local(2026, 11, 27, 15, 30))
    case.refresh_from_db()
    assert case.escalation_step == 1
    # Friday 15:30-17:30 is 2 working hours; Saturday and Sunday add none.
    for t in (local(2026, 11, 28, 12, 0), local(2026, 11, 29, 23, 59)):
        assert deadline_scan(now=t).escalation_steps == 0
    deadline_scan(now=local(2026, 11, 30, 10, 29))
    case.refresh_from_db()
    assert case.escalation_step == 1
    deadline_scan(now=local(2026, 11, 30, 10, 30))
    case.refresh_from_db()
    assert case.escalation_step == 2


def test_no_escalation_over_national_day(world: World, cast: Cast) -> None:
    calendar_seed(jurisdiction=world.jurisdiction, year=2026)
    calendar = calendar_get(jurisdiction=world.jurisdiction)
    case = handling_case(world, cast, at=local(2026, 9, 30, 9, 0))  # deadline Sep 30 15:30
    first_back = dt.date(2026, 10, 1)
    while not calendar.is_working_day(first_back):
        first_back += dt.timedelta(days=1)
    assert first_back >= dt.date(2026, 10, 8)
    eve = dt.datetime.combine(first_back - dt.timedelta(days=1), dt.time(12), tzinfo=TZ)
    deadline_scan(now=eve)
    case.refresh_from_db()
    assert case.is_overdue
    assert case.escalation_step == 1  # 2 working hours on Sep 30; the holiday adds none
    back = dt.datetime.combine(first_back, dt.time(10, 30), tzinfo=TZ)
    deadline_scan(now=back)
    case.refresh_from_db()
    assert case.escalation_step == 2


def test_supervision_orders_are_numbered_uniquely(world: World, cast: Cast) -> None:
    first = handling_case(world, cast)
    second = handling_case(world, cast)
    deadline_scan(now=local(2026, 11, 30, 9, 0))
    third = handling_case(world, cast, at=local(2026, 12, 1, 9, 0))
    deadline_scan(now=local(2026, 12, 8, 9, 0))
    orders = list(SupervisionOrder.objects.order_by("serial"))
    assert [o.serial for o in orders] == [1, 2, 3]
    assert [o.case for o in orders][2] == third
    assert {o.case for o in orders[:2]} == {first, second}
    assert len({o.number for o in orders}) == 3
    assert orders[0].number.endswith("督〔2026〕第0001号")
    assert DocumentCounter.objects.get(kind="supervision", year=2026).last == 3


def test_ladder_is_configurable_per_jurisdiction(world: World, cast: Cast) -> None:
    settings = LoopSettings.objects.get_or_create(jurisdiction=world.jurisdiction)[0]
    settings.escalation_ladder = [
        {"after_hours": 1, "step": "road_chief_township"},
        {"after_hours": 2, "step": "supervision_order", "deadline_days": 2},
    ]
    settings.save()
    case = handling_case(world, cast)
    deadline_scan(now=HANDLING_DEADLINE)
    case.refresh_from_db()
    assert case.is_overdue and case.escalation_step == 0
    deadline_scan(now=local(2026, 11, 23, 16, 30))
    case.refresh_from_db()
    assert case.escalation_step == 1
    deadline_scan(now=local(2026, 11, 23, 17, 30))
    order = SupervisionOrder.objects.get()
    assert order.deadline == local(2026, 11, 25, 17, 30)


def test_scan_of_closed_and_suspended_cases_does_nothing(world: World, cast: Cast) -> None:
    closed = handling_case(world, cast)
    case_transition(
        case_id=closed.pk, action=Action.REPORT_BACK, actor=cast.handler_a, now=MONDAY_9
    )
    case_transition(
        case_id=closed.pk, action=Action.VERIFY_PASS, actor=cast.inspector, now=MONDAY_9
    )
    suspended = handling_case(world, cast)
    case_transition(
        case_id=suspended.pk,
        action=Action.REQUEST_SUSPENSION,
        actor=cast.handler_a,
        note="等待管网改造",
        now=MONDAY_9,
    )
    case_transition(
        case_id=suspended.pk, action=Action.APPROVE_SUSPENSION, actor=cast.dispatcher, now=MONDAY_9
    )
    summary = deadline_scan(now=local(2026, 12, 31, 9, 0))
    assert summary.cases_touched == 0
    assert scan_events(closed) == scan_events(suspended) == []


def test_scan_of_one_jurisdiction_leaves_others(world: World, cast: Cast) -> None:
    case = handling_case(world, cast)
    other = cast.outsider.jurisdiction
    assert other is not None
    deadline_scan(now=local(2026, 11, 30, 9, 0), jurisdiction=other)
    case.refresh_from_db()
    assert not case.is_overdue
    deadline_scan(now=local(2026, 11, 30, 9, 0), jurisdiction=world.jurisdiction)
    case.refresh_from_db()
    assert case.is_overdue


def test_scan_queries_do_not_grow_with_the_number_of_cases(
    world: World, cast: Cast, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    for _ in range(25):
        handling_case(world, cast)
    for _ in range(5):
        case_report(
            jurisdiction=world.jurisdiction,
            category=world.exposed_garbage,
            lng=113.955,
            lat=34.7102,
            description="待立案",
            source=Source.CITIZEN_WEB,
            now=MONDAY_9,
        )
    calendar_get(jurisdiction=world.jurisdiction)
    with django_assert_max_num_queries(40):
        summary = deadline_scan(now=local(2026, 11, 30, 9, 0))
    assert summary.overdue == 30
    assert summary.supervision_orders == 25
    with django_assert_max_num_queries(12):
        assert deadline_scan(now=local(2026, 11, 30, 9, 5)).cases_touched == 0


def test_command_prints_the_summary(
    world: World, cast: Cast, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("deadline_scan", jurisdiction=world.jurisdiction.code)
    out = capsys.readouterr().out
    assert "辖区1个" in out


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
def test_concurrent_scans_act_once_per_case(world: World, cast: Cast) -> None:
    cases = [handling_case(world, cast) for _ in range(8)]
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            deadline_scan(now=local(2026, 11, 30, 9, 0), jurisdiction=world.jurisdiction)
        except BaseException as exc:  # report in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for case in cases:
        assert [step for _, step in scan_events(case)] == [
            "overdue",
            "unit_head",
            "road_chief_township",
            "road_chief_county",
            "supervision_order",
        ]
    assert sorted(SupervisionOrder.objects.values_list("serial", flat=True)) == list(range(1, 9))


def test_each_stage_clock_gets_its_own_warning(world: World, cast: Cast) -> None:
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=113.955,
        lat=34.7102,
        description="青年路路边有一堆暴露垃圾",
        source=Source.INSPECTOR,
        actor=cast.inspector,
        file_directly=True,
        now=MONDAY_9,
    )
    LoopSettings.objects.update_or_create(
        jurisdiction=world.jurisdiction, defaults={"acceptance_hours": 2}
    )
    case_transition(case_id=case.pk, action=Action.DISPATCH, actor=cast.dispatcher, now=MONDAY_9)
    deadline_scan(now=MONDAY_9 + dt.timedelta(hours=1))  # acceptance is due at 11:00
    case_transition(
        case_id=case.pk,
        action=Action.ACCEPT,
        actor=cast.handler_a,
        now=MONDAY_9 + dt.timedelta(hours=1),
    )
    deadline_scan(now=local(2026, 11, 23, 12, 0))  # the handling deadline is an hour away
    assert [step for _, step in scan_events(case)] == ["warn", "warn"]


def test_periodic_job_runs_the_scan(world: World, cast: Cast) -> None:
    from jingxi.cases.tasks import deadline_scan_periodic

    handling_case(world, cast, at=local(2026, 1, 5, 9, 0))  # long overdue by now
    assert "新超期1件" in deadline_scan_periodic.call_local()
    assert Case.objects.get().escalation_step == 4
