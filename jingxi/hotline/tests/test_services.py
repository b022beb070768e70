"""The hotline's services and selectors: calls, repeated calls, callbacks, nearby cases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from conftest import Cast, World
from jingxi.cases.choices import Action, Source, Status
from jingxi.cases.models import Case, CaseEvent, LoopSettings
from jingxi.cases.services import case_transition
from jingxi.hotline.choices import CallOutcome, Satisfaction
from jingxi.hotline.models import Call, Callback
from jingxi.hotline.selectors import callback_queue_for, case_nearby_for
from jingxi.hotline.services import (
    MAX_CALLBACK_ATTEMPTS,
    HotlineInputError,
    call_attach_to_case,
    call_log,
    callback_record,
    phone_normalize,
)
from jingxi.hotline.tests.helpers import FAR_LNG, LAT, LNG, PHONE, close, reported, taken

# --- taking a call ----------------------------------------------------------------------


def test_new_call_creates_a_hotline_case_and_records_the_call(world: World, cast: Cast) -> None:
    call = taken(world, cast, duration_seconds=95)
    case = call.case
    assert case is not None
    assert case.source == Source.HOTLINE
    assert case.status == Status.REPORTED
    assert case.reporter == cast.operator
    assert (case.reporter_name, case.reporter_phone) == ("王女士", PHONE)
    assert case.description == "青年路有一堆垃圾没人清理"
    assert case.township == world.township_a
    assert call.outcome == CallOutcome.NEW_CASE
    assert (call.jurisdiction, call.operator) == (world.jurisdiction, cast.operator)
    assert (call.caller_phone, call.duration_seconds) == (PHONE, 95)


def test_dispatcher_may_take_a_call_too(world: World, cast: Cast) -> None:
    call = taken(world, cast, operator=cast.dispatcher)
    assert call.case is not None and call.case.source == Source.HOTLINE


def test_an_address_without_a_point_is_geocoded_to_its_best_candidate(
    world: World, cast: Cast
) -> None:
    call = taken(world, cast, lng=None, lat=None, address="青年路100号")
    assert call.case is not None
    assert call.case.address == "青年路100号"
    assert call.case.lat == pytest.approx(34.71, abs=1e-6)
    assert 113.955 < call.case.lng < 113.965


def test_an_address_nothing_matches_is_refused(world: World, cast: Cast) -> None:
    with pytest.raises(HotlineInputError, match="没有找到地址「火星路」"):
        taken(world, cast, lng=None, lat=None, address="火星路")


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("13812341234", "13812341234"),
        ("138 1234 1234", "13812341234"),
        ("+86 138-1234-1234", "13812341234"),
        ("１３８１２３４１２３４", "13812341234"),
        ("0371-62100000", "037162100000"),
        ("010-12345678", "01012345678"),
        ("62100000", "62100000"),
    ],
)
def test_phone_numbers_are_normalised(raw: str, stored: str) -> None:
    assert phone_normalize(raw) == stored


@pytest.mark.parametrize("raw", ["12345", "1381234123", "23812341234", "abc", "138123412345"])
def test_a_bad_phone_number_is_refused_in_chinese(world: World, cast: Cast, raw: str) -> None:
    with pytest.raises(HotlineInputError, match="来电号码格式不正确"):
        taken(world, cast, caller_phone=raw)
    assert not Case.objects.exists()
    assert not Call.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"caller_phone": "  "}, "请填写来电号码"),
        ({"text": "   "}, "请记录来电人反映的问题"),
        ({"category": None}, "请选择问题类别"),
        ({"lng": None, "lat": None, "address": ""}, "请填写问题地址"),
        ({"lng": 114.2, "lat": 34.9}, "不在本辖区范围内"),
        ({"caller_name": "名" * 65}, "来电人姓名不能超过"),
    ],
)
def test_missing_or_wrong_input_is_refused_and_nothing_is_written(
    world: World, cast: Cast, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(HotlineInputError, match=message):
        taken(world, cast, **kwargs)
    assert not Case.objects.exists()
    assert not Call.objects.exists()


@pytest.mark.parametrize("who", ["handler_a", "inspector", "leader", "outsider"])
def test_only_operators_and_dispatchers_take_calls(world: World, cast: Cast, who: str) -> None:
    with pytest.raises(PermissionDenied):
        taken(world, cast, operator=getattr(cast, who))
    assert not Case.objects.exists()


# --- repeated calls -----------------------------------------------------------------


def test_a_repeated_call_is_recorded_against_the_open_case(world: World, cast: Cast) -> None:
    first = taken(world, cast)
    assert first.case is not None
    events_before = list(CaseEvent.objects.filter(case=first.case).values_list("id", flat=True))
    again = call_attach_to_case(
        operator=cast.operator, case=first.case, caller_phone="13900001111", caller_name="李先生"
    )
    assert again.case == first.case
    assert again.outcome == CallOutcome.MERGED_INTO_EXISTING
    assert again.summary == "重复来电反映同一问题"
    assert Case.objects.count() == 1
    # A record only: the case's status and timeline are untouched.
    first.case.refresh_from_db()
    assert first.case.status == Status.REPORTED
    assert list(CaseEvent.objects.filter(case=first.case).values_list("id", flat=True)) == (
        events_before
    )


def test_a_call_cannot_join_a_closed_case(world: World, cast: Cast) -> None:
    call = taken(world, cast)
    assert call.case is not None
    closed = close(call.case, cast)
    with pytest.raises(HotlineInputError, match="已结案"):
        call_attach_to_case(operator=cast.operator, case=closed, caller_phone=PHONE)


def test_a_call_cannot_join_a_rejected_case(world: World, cast: Cast) -> None:
    case = reported(world)
    case_transition(case_id=case.pk, action=Action.REJECT, actor=cast.dispatcher, note="非本辖区")
    case.refresh_from_db()
    with pytest.raises(HotlineInputError, match="已终止"):
        call_attach_to_case(operator=cast.operator, case=case, caller_phone=PHONE)


def test_a_bad_phone_on_a_repeated_call_is_refused(world: World, cast: Cast) -> None:
    case = reported(world)
    with pytest.raises(HotlineInputError, match="来电号码格式不正确"):
        call_attach_to_case(operator=cast.operator, case=case, caller_phone="110")
    assert not Call.objects.exists()


def test_suggestions_and_enquiries_are_logged_without_a_case(world: World, cast: Cast) -> None:
    call = call_log(
        operator=cast.operator,
        caller_phone=PHONE,
        text="建议在青年路增设公厕",
        outcome=CallOutcome.SUGGESTION,
    )
    assert call.case is None and call.outcome == CallOutcome.SUGGESTION
    with pytest.raises(HotlineInputError, match="只能记录为意见建议或咨询"):
        call_log(operator=cast.operator, caller_phone=PHONE, text="x", outcome=CallOutcome.NEW_CASE)
    assert not Case.objects.exists()


# --- nearby cases -------------------------------------------------------------------


def test_nearby_lists_open_cases_of_the_same_kind_close_by_only(world: World, cast: Cast) -> None:
    same = reported(world, lng=LNG + 0.0002)  # about 18 m
    reported(world, category=world.illegal_parking)  # another kind, same place
    reported(world, lng=FAR_LNG)  # same kind, 900 m away
    closed = close(reported(world), cast)  # same kind and place, but closed
    old = reported(world, now=timezone.now() - dt.timedelta(days=10))  # outside the window
    taken_again = call_attach_to_case(operator=cast.operator, case=same, caller_phone=PHONE)
    near = case_nearby_for(user=cast.operator, category=world.exposed_garbage, lng=LNG, lat=LAT)
    assert [n.case for n in near] == [same]
    assert near[0].distance_m == pytest.approx(18.3, abs=1)
    assert near[0].call_count == 1
    assert taken_again.case == same
    assert closed.pk not in {n.case.pk for n in near}
    assert old.pk not in {n.case.pk for n in near}


def test_nearby_follows_the_jurisdictions_duplicate_radius(world: World, cast: Cast) -> None:
    far = reported(world, lng=FAR_LNG)
    settings, _ = LoopSettings.objects.get_or_create(jurisdiction=world.jurisdiction)
    settings.duplicate_radius_m = 1000
    settings.save()
    near = case_nearby_for(user=cast.operator, category=world.exposed_garbage, lng=LNG, lat=LAT)
    assert [n.case for n in near] == [far]


# --- callbacks ----------------------------------------------------------------------


def test_a_callback_is_refused_before_closure(world: World, cast: Cast) -> None:
    call = taken(world, cast)
    assert call.case is not None
    with pytest.raises(HotlineInputError, match="尚未结案"):
        callback_record(
            operator=cast.operator,
            case=call.case,
            call=call,
            reached=True,
            satisfaction=Satisfaction.SATISFIED,
        )
    assert not Callback.objects.exists()


def test_a_callback_after_closure_is_recorded(world: World, cast: Cast) -> None:
    call = taken(world, cast)
    assert call.case is not None
    case = close(call.case, cast)
    callback = callback_record(
        operator=cast.operator,
        case=case,
        call=call,
        reached=True,
        satisfaction=Satisfaction.BASICALLY_SATISFIED,
        note="已清理，但希望加密清运",
    )
    assert callback.satisfaction == Satisfaction.BASICALLY_SATISFIED
    assert callback.reached
    with pytest.raises(HotlineInputError, match="已回访过"):
        callback_record(
            operator=cast.operator,
            case=case,
            call=call,
            reached=True,
            satisfaction=Satisfaction.SATISFIED,
        )


def test_an_unanswered_callback_is_recorded_as_unreached(world: World, cast: Cast) -> None:
    call = taken(world, cast)
    assert call.case is not None
    case = close(call.case, cast)
    callback = callback_record(
        operator=cast.operator,
        case=case,
        call=call,
        reached=False,
        satisfaction=Satisfaction.SATISFIED,
    )
    assert callback.satisfaction == Satisfaction.UNREACHED
    with pytest.raises(HotlineInputError, match="请选择来电人的满意度"):
        callback_record(
            operator=cast.operator,
            case=case,
            call=call,
            reached=True,
            satisfaction=Satisfaction.UNREACHED,
        )


def test_a_callback_needs_a_hotline_case(world: World, cast: Cast) -> None:
    case = close(reported(world), cast)
    with pytest.raises(HotlineInputError, match="不是热线来电"):
        callback_record(
            operator=cast.operator, case=case, reached=True, satisfaction=Satisfaction.SATISFIED
        )


def test_a_handler_may_not_record_callbacks(world: World, cast: Cast) -> None:
    call = taken(world, cast)
    assert call.case is not None
    case = close(call.case, cast)
    with pytest.raises(PermissionDenied):
        callback_record(
            operator=cast.handler_a, case=case, reached=True, satisfaction=Satisfaction.SATISFIED
        )


def test_the_callback_queue_holds_closed_hotline_callers_oldest_first(
    world: World, cast: Cast
) -> None:
    base = timezone.now() - dt.timedelta(days=3)
    older = taken(world, cast, lng=LNG + 0.001)
    newer = taken(world, cast, lng=LNG + 0.002, caller_phone="13900002222")
    assert older.case is not None and newer.case is not None
    close(newer.case, cast, at=base + dt.timedelta(hours=5))
    close(older.case, cast, at=base + dt.timedelta(hours=1))
    # A repeated caller about a citizen's case is called back too.
    web = reported(world, lng=LNG + 0.003)
    joined = call_attach_to_case(operator=cast.operator, case=web, caller_phone="13700003333")
    close(web, cast, at=base + dt.timedelta(hours=9))
    # A hotline case entered on the case pages, without a Call row: its reporter.
    desk = reported(world, lng=LNG + 0.004, source=Source.HOTLINE, reporter_phone="13600004444")
    close(desk, cast, at=base + dt.timedelta(hours=12))
    # Not in the queue: an open hotline case, a closed web case nobody phoned about,
    # a caller already reached.
    taken(world, cast, lng=LNG + 0.005)
    close(reported(world, lng=LNG + 0.006), cast)
    done = taken(world, cast, lng=LNG + 0.007)
    assert done.case is not None
    close(done.case, cast)
    callback_record(
        operator=cast.operator,
        case=Case.objects.get(pk=done.case.pk),
        call=done,
        reached=True,
        satisfaction=Satisfaction.SATISFIED,
    )

    queue = callback_queue_for(user=cast.operator)
    assert [(i.case.pk, i.caller_phone) for i in queue] == [
        (older.case.pk, PHONE),
        (newer.case.pk, "13900002222"),
        (web.pk, "13700003333"),
        (desk.pk, "13600004444"),
    ]
    assert queue[2].call == joined
    assert queue[3].call is None
    assert callback_queue_for(user=cast.handler_a) == []


def test_an_unreached_caller_stays_queued_until_the_attempts_run_out(
    world: World, cast: Cast
) -> None:
    call = taken(world, cast)
    assert call.case is not None
    case = close(call.case, cast)
    for attempt in range(1, MAX_CALLBACK_ATTEMPTS + 1):
        callback_record(
            operator=cast.operator, case=case, call=call, reached=False, satisfaction=""
        )
        queue = callback_queue_for(user=cast.operator)
        if attempt < MAX_CALLBACK_ATTEMPTS:
            assert [(i.call, i.attempts) for i in queue] == [(call, attempt)]
        else:
            assert queue == []
