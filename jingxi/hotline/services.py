"""Writes of the hotline: take a call, attach a repeated call, log a call, record a callback.

Cases are created only through `cases.services.case_report` (source hotline); this app
never changes a case. A repeated call about an open case is a `Call` row pointing at it,
not a case event.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingxi.cases import workflow
from jingxi.cases.choices import Source, Status
from jingxi.cases.models import Case
from jingxi.cases.services import MAX_DESCRIPTION, CaseInputError, case_report
from jingxi.catalog.choices import Urgency
from jingxi.catalog.models import Category
from jingxi.hotline.access import hotline_jurisdiction_for
from jingxi.hotline.choices import CallOutcome, Satisfaction
from jingxi.hotline.models import Call, Callback
from jingxi.org.models import Jurisdiction, User
from jingxi.places.geocode import address_geocode

MAX_NAME = 64
MAX_ADDRESS = 255
MAX_NOTE = 2000
MAX_DURATION_SECONDS = 4 * 3600
# A caller not reached this many times leaves the callback queue (recorded as 未回访成功).
MAX_CALLBACK_ATTEMPTS = 3

_PHONE_SEPARATORS = re.compile(r"[\s\-()—]+")
_PHONE_PATTERNS = (
    re.compile(r"1[3-9]\d{9}"),  # mobile
    re.compile(r"0[1-9]\d{8,10}"),  # landline with its area code (3-4 digits)
    re.compile(r"[2-9]\d{6,7}"),  # local landline, 7-8 digits
)


class HotlineInputError(ValueError):
    """Bad input to a hotline service; the message says what is wrong, in Chinese."""


# --- validation ---------------------------------------------------------------------


def phone_normalize(raw: str) -> str:
    """The caller's number as digits: mobile, landline with area code, or local landline.

    Full-width digits, spaces, hyphens and brackets are accepted; +86 / 0086 is dropped.
    """
    text = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    if not text:
        raise HotlineInputError(_("请填写来电号码"))
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    if len(text) == 13 and text.startswith("86"):
        text = text[2:]
    if any(p.fullmatch(text) for p in _PHONE_PATTERNS):
        return text
    raise HotlineInputError(
        _("来电号码格式不正确：%(phone)s（手机号11位；固定电话如 0371-62100000）")
        % {"phone": raw.strip()}
    )


def _name(raw: str) -> str:
    name = raw.strip()
    if len(name) > MAX_NAME:
        raise HotlineInputError(_("来电人姓名不能超过%(n)d个字") % {"n": MAX_NAME})
    return name


def _text(raw: str, *, required_message: str) -> str:
    text = raw.strip()
    if not text:
        raise HotlineInputError(required_message)
    if len(text) > MAX_DESCRIPTION:
        raise HotlineInputError(_("来电内容不能超过%(n)d字") % {"n": MAX_DESCRIPTION})
    return text


def _duration(seconds: int | None) -> int | None:
    if seconds is not None and not 0 <= seconds <= MAX_DURATION_SECONDS:
        raise HotlineInputError(_("通话时长不正确"))
    return seconds


def _place(
    *, jurisdiction: Jurisdiction, lng: float | None, lat: float | None, address: str
) -> tuple[float, float, str]:
    """The point the operator confirmed, or the best geocoding candidate of the address."""
    address = address.strip()
    if len(address) > MAX_ADDRESS:
        raise HotlineInputError(_("地址不能超过%(n)d个字") % {"n": MAX_ADDRESS})
    if lng is not None and lat is not None:
        return lng, lat, address
    if not address:
        raise HotlineInputError(_("请填写问题地址，并从候选地址或地图上确定位置"))
    candidates = address_geocode(jurisdiction=jurisdiction, text=address)
    if not candidates:
        raise HotlineInputError(
            _("没有找到地址「%(a)s」，请换个说法或在地图上点选位置") % {"a": address}
        )
    best = candidates[0]
    return best.lng, best.lat, address


def _case_of_jurisdiction(*, case: Case, jurisdiction: Jurisdiction) -> None:
    if case.jurisdiction_id != jurisdiction.pk:
        raise HotlineInputError(_("没有找到该案卷"))


# --- calls --------------------------------------------------------------------------


def call_take(
    *,
    operator: User,
    caller_phone: str,
    text: str,
    category: Category | None,
    caller_name: str = "",
    lng: float | None = None,
    lat: float | None = None,
    address: str = "",
    urgency: str = Urgency.NORMAL,
    received_at: dt.datetime | None = None,
    duration_seconds: int | None = None,
    now: dt.datetime | None = None,
) -> Call:
    """A call about a new problem: report the case (source hotline) and record the call.

    The point is the one the operator confirmed (lng/lat, WGS84) or, failing that, the
    best geocoding candidate of the address. Raises HotlineInputError; writes nothing then.
    """
    jurisdiction = hotline_jurisdiction_for(user=operator)
    now = now or timezone.now()
    phone = phone_normalize(caller_phone)
    name = _name(caller_name)
    summary = _text(text, required_message=_("请记录来电人反映的问题"))
    if category is None:
        raise HotlineInputError(_("请选择问题类别"))
    duration = _duration(duration_seconds)
    point_lng, point_lat, place_text = _place(
        jurisdiction=jurisdiction, lng=lng, lat=lat, address=address
    )
    with transaction.atomic():
        try:
            case = case_report(
                jurisdiction=jurisdiction,
                category=category,
                lng=point_lng,
                lat=point_lat,
                description=summary,
                source=Source.HOTLINE,
                actor=operator,
                urgency=urgency,
                address=place_text,
                reporter_name=name,
                reporter_phone=phone,
                now=now,
            )
        except CaseInputError as exc:
            raise HotlineInputError(str(exc)) from exc
        return Call.objects.create(
            jurisdiction=jurisdiction,
            operator=operator,
            caller_name=name,
            caller_phone=phone,
            received_at=received_at or now,
            summary=summary,
            outcome=CallOutcome.NEW_CASE,
            case=case,
            duration_seconds=duration,
        )


def call_attach_to_case(
    *,
    operator: User,
    case: Case,
    caller_phone: str,
    caller_name: str = "",
    text: str = "",
    received_at: dt.datetime | None = None,
    duration_seconds: int | None = None,
    now: dt.datetime | None = None,
) -> Call:
    """A repeated call about an open case: record it against that case, no new case.

    The case itself is not touched (its status and timeline stay as they are).
    """
    jurisdiction = hotline_jurisdiction_for(user=operator)
    now = now or timezone.now()
    phone = phone_normalize(caller_phone)
    name = _name(caller_name)
    summary = _text(text or _("重复来电反映同一问题"), required_message="")
    duration = _duration(duration_seconds)
    _case_of_jurisdiction(case=case, jurisdiction=jurisdiction)
    if case.status == Status.MERGED and case.merged_into_id is not None:
        raise HotlineInputError(
            _("案卷 %(n)s 已合并到其他案卷，请并入合并后的案卷") % {"n": case.number}
        )
    if case.status == Status.CLOSED:
        raise HotlineInputError(
            _("案卷 %(n)s 已结案，不能并入；问题复现请新建案卷") % {"n": case.number}
        )
    if case.status not in workflow.OPEN:
        raise HotlineInputError(
            _("案卷 %(n)s 已终止（%(s)s），不能并入")
            % {"n": case.number, "s": Status(case.status).label}
        )
    return Call.objects.create(
        jurisdiction=jurisdiction,
        operator=operator,
        caller_name=name,
        caller_phone=phone,
        received_at=received_at or now,
        summary=summary,
        outcome=CallOutcome.MERGED_INTO_EXISTING,
        case=case,
        duration_seconds=duration,
    )


def call_log(
    *,
    operator: User,
    caller_phone: str,
    text: str,
    outcome: str,
    caller_name: str = "",
    received_at: dt.datetime | None = None,
    duration_seconds: int | None = None,
    now: dt.datetime | None = None,
) -> Call:
    """A call that makes no case: a suggestion (意见建议) or information only (咨询)."""
    jurisdiction = hotline_jurisdiction_for(user=operator)
    if outcome not in (CallOutcome.SUGGESTION, CallOutcome.INFO_ONLY):
        raise HotlineInputError(_("只能记录为意见建议或咨询"))
    now = now or timezone.now()
    phone = phone_normalize(caller_phone)
    name = _name(caller_name)
    summary = _text(text, required_message=_("请记录来电内容"))
    return Call.objects.create(
        jurisdiction=jurisdiction,
        operator=operator,
        caller_name=name,
        caller_phone=phone,
        received_at=received_at or now,
        summary=summary,
        outcome=outcome,
        duration_seconds=_duration(duration_seconds),
    )


# --- callbacks ----------------------------------------------------------------------


def callback_record(
    *,
    operator: User,
    case: Case,
    reached: bool,
    satisfaction: str,
    note: str = "",
    call: Call | None = None,
    now: dt.datetime | None = None,
) -> Callback:
    """Record a callback (回访) to the caller of a closed hotline case.

    Not reached means 未回访成功 whatever was chosen; reached needs a satisfaction.
    """
    jurisdiction = hotline_jurisdiction_for(user=operator)
    now = now or timezone.now()
    _case_of_jurisdiction(case=case, jurisdiction=jurisdiction)
    if case.status != Status.CLOSED:
        raise HotlineInputError(
            _("案卷 %(n)s 尚未结案（%(s)s），结案后才能回访")
            % {"n": case.number, "s": Status(case.status).label}
        )
    if call is not None and call.case_id != case.pk:
        raise HotlineInputError(_("该来电不属于案卷 %(n)s") % {"n": case.number})
    if (
        call is None
        and case.source != Source.HOTLINE
        and not Call.objects.filter(case=case).exists()
    ):
        raise HotlineInputError(_("案卷 %(n)s 不是热线来电，无需回访") % {"n": case.number})
    if not reached:
        satisfaction = Satisfaction.UNREACHED
    elif satisfaction not in Satisfaction.values or satisfaction == Satisfaction.UNREACHED:
        raise HotlineInputError(_("已接通时请选择来电人的满意度"))
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise HotlineInputError(_("回访记录不能超过%(n)d字") % {"n": MAX_NOTE})
    with transaction.atomic():
        done = Callback.objects.select_for_update().filter(case=case, call=call, reached=True)
        if done.exists():
            raise HotlineInputError(_("该来电人已回访过"))
        return Callback.objects.create(
            case=case,
            call=call,
            operator=operator,
            called_at=now,
            reached=reached,
            satisfaction=satisfaction,
            note=note,
        )
