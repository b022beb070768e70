"""Reads of the hotline: nearby open cases of a kind, the callback queue, recent calls.

Cases are read through `cases.access.case_list_for`, so an operator sees what the
case pages would show them and nothing more.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.utils import timezone

from jingxi.cases import workflow
from jingxi.cases.access import case_list_for
from jingxi.cases.choices import Source, Status
from jingxi.cases.models import Case
from jingxi.cases.services import loop_settings_get
from jingxi.catalog.models import Category
from jingxi.catalog.selectors import time_limit_for
from jingxi.catalog.timelimits import limit_notice
from jingxi.hotline.access import hotline_jurisdiction_for
from jingxi.hotline.choices import CallOutcome
from jingxi.hotline.models import Call
from jingxi.hotline.services import MAX_CALLBACK_ATTEMPTS, HotlineInputError, phone_normalize
from jingxi.lib.geo import haversine_m
from jingxi.org.models import User

NEARBY_LIMIT = 10
QUEUE_LIMIT = 100


def call_limit_notice(*, call: Call) -> str:
    """What the operator tells the caller the unit has to solve it in ('处置时限：4 工作时'):
    the limit the case will get at dispatch, by the catalog's one rule."""
    case = call.case
    if case is None or call.outcome != CallOutcome.NEW_CASE:
        return ""
    limit = time_limit_for(category=case.category, urgency=case.urgency, condition=case.condition)
    return limit_notice(limit)


@dataclass(frozen=True)
class NearbyCase:
    case: Case
    distance_m: float
    call_count: int


def case_nearby_for(
    *,
    user: User,
    category: Category,
    lng: float,
    lat: float,
    now: dt.datetime | None = None,
    limit: int = NEARBY_LIMIT,
) -> list[NearbyCase]:
    """Open cases of `category` the user may see, near the point, nearest first.

    "Near" is the jurisdiction's duplicate rule (LoopSettings): within
    `duplicate_radius_m` metres, reported within the last `duplicate_window_hours`;
    the same rule the dispatcher's merge suggestions use. Two queries.
    """
    if user.jurisdiction is None:
        return []
    settings = loop_settings_get(jurisdiction=user.jurisdiction)
    now = now or timezone.now()
    radius = float(settings.duplicate_radius_m)
    dlat = radius / 111_320.0
    dlng = radius / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    candidates = case_list_for(user=user).filter(
        category=category,
        status__in=workflow.OPEN,
        reported_at__gte=now - dt.timedelta(hours=settings.duplicate_window_hours),
        lng__range=(lng - dlng, lng + dlng),
        lat__range=(lat - dlat, lat + dlat),
    )[: limit * 5]
    near = sorted(
        ((c, haversine_m(lng, lat, c.lng, c.lat)) for c in candidates),
        key=lambda pair: (pair[1], pair[0].pk),
    )
    near = [(c, d) for c, d in near if d <= radius][:limit]
    counts = dict(
        Call.objects.filter(case_id__in=[c.pk for c, _d in near])
        .values("case_id")
        .annotate(n=Count("id"))
        .values_list("case_id", "n")
    )
    return [NearbyCase(case=c, distance_m=d, call_count=counts.get(c.pk, 0)) for c, d in near]


@dataclass(frozen=True)
class CallbackItem:
    """One caller to call back about one closed case."""

    case: Case
    call: Call | None
    caller_name: str
    caller_phone: str
    summary: str
    attempts: int


def callback_queue_for(*, user: User, limit: int = QUEUE_LIMIT) -> list[CallbackItem]:
    """Callers of closed cases not yet called back, oldest closure first. Two queries.

    Each call that made or joined a case is one caller to call back; a hotline case
    reported without a Call row (e.g. entered on the case pages) is one too, with the
    reporter's contact. A caller leaves the queue once reached, or after
    MAX_CALLBACK_ATTEMPTS unanswered tries. Full phone numbers: hotline staff only, so
    anyone else gets an empty queue.
    """
    try:
        jurisdiction = hotline_jurisdiction_for(user=user)
    except PermissionDenied:
        return []
    pending = Q(done=0, attempts__lt=MAX_CALLBACK_ATTEMPTS)
    visible = case_list_for(user=user).filter(status=Status.CLOSED)
    calls = (
        Call.objects.filter(
            jurisdiction=jurisdiction,
            case__in=visible.values("pk"),
            outcome__in=[CallOutcome.NEW_CASE, CallOutcome.MERGED_INTO_EXISTING],
        )
        .select_related("case", "case__category", "case__unit")
        .defer("case__description")
        .annotate(
            attempts=Count("callbacks"),
            done=Count("callbacks", filter=Q(callbacks__reached=True)),
        )
        .filter(pending)
        .order_by("case__closed_at", "received_at", "pk")[:limit]
    )
    items = [
        CallbackItem(
            case=call.case,
            call=call,
            caller_name=call.caller_name,
            caller_phone=call.caller_phone,
            summary=call.summary,
            attempts=call.attempts,
        )
        for call in calls
        if call.case is not None
    ]
    callless = (
        visible.filter(source=Source.HOTLINE, calls__isnull=True)
        .exclude(reporter_phone="")
        .annotate(
            attempts=Count("callbacks"),
            done=Count("callbacks", filter=Q(callbacks__reached=True)),
        )
        .filter(pending)
        .order_by("closed_at", "pk")[:limit]
    )
    items.extend(
        CallbackItem(
            case=case,
            call=None,
            caller_name=case.reporter_name,
            caller_phone=case.reporter_phone,
            summary=case.description,
            attempts=case.attempts,
        )
        for case in callless
    )
    far_future = dt.datetime.max.replace(tzinfo=dt.UTC)
    items.sort(
        key=lambda item: (
            item.case.closed_at or far_future,
            item.call.received_at if item.call else item.case.reported_at,
        )
    )
    return items[:limit]


def call_history_for(*, user: User, phone: str, limit: int = 5) -> list[Call]:
    """The latest calls from this number (a caller who rang before), with their cases.

    Hotline staff only (anyone else, or a number that is not one, gets []). One query
    after the permission check.
    """
    try:
        jurisdiction = hotline_jurisdiction_for(user=user)
        number = phone_normalize(phone)
    except (PermissionDenied, HotlineInputError):
        return []
    return list(
        Call.objects.filter(jurisdiction=jurisdiction, caller_phone=number)
        .select_related("case", "case__category")
        .defer("case__description")
        .order_by("-received_at", "-pk")[:limit]
    )


def call_recent_for(*, user: User, limit: int = 8) -> list[Call]:
    """The calls `user` took most recently, with their cases. One query."""
    return list(
        Call.objects.filter(operator=user)
        .select_related("case")
        .defer("case__description")
        .order_by("-received_at", "-pk")[:limit]
    )
