"""The rounds' reads that check who asks: one's own rounds, today's duty and route."""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from jingxi.inspections.choices import RoundStatus
from jingxi.inspections.coverage import SegmentCover, coverage_compute, segment_index_get
from jingxi.inspections.models import Duty, InspectionSettings, Round, Route, TrackPoint
from jingxi.inspections.track import track_length_m, track_pieces
from jingxi.org.models import User
from jingxi.org.roles import Perm, RoleSet, roles_for


def round_list_for(*, user: User, roles: RoleSet | None = None) -> QuerySet[Round]:
    """The user's own rounds (none without `Perm.ROUND`), newest first, with counts."""
    roles = roles if roles is not None else roles_for(user=user)
    if user.jurisdiction_id is None or not roles.may(Perm.ROUND):
        return Round.objects.none()
    return (
        Round.objects.filter(inspector=user, jurisdiction_id=user.jurisdiction_id)
        .annotate(findings_count=Count("findings", distinct=True))
        .order_by("-started_at", "-id")
    )


def round_get_for(*, user: User, client_id: uuid.UUID, roles: RoleSet | None = None) -> Round:
    """The user's own round named `client_id`; Http404 for anyone else's or none."""
    found = round_list_for(user=user, roles=roles).filter(client_id=client_id).first()
    if found is None:
        raise Http404
    return found


def round_open_for(*, user: User) -> Round | None:
    return Round.objects.filter(inspector=user, status=RoundStatus.OPEN).first()


def today_for(*, user: User, now: dt.datetime | None = None) -> dt.date:
    """The user's duty day now, in their jurisdiction's time zone."""
    now = now or timezone.now()
    jurisdiction = user.jurisdiction
    tz = ZoneInfo(jurisdiction.time_zone) if jurisdiction is not None else dt.UTC
    return timezone.localtime(now, tz).date()


def duty_for(*, user: User, day: dt.date) -> Duty | None:
    return Duty.objects.filter(inspector=user, day=day).select_related("shift").first()


def route_for(*, user: User, day: dt.date) -> Route | None:
    """The user's route in the plan of `day` (the `plans` services fill it)."""
    if user.jurisdiction_id is None:
        return None
    return (
        Route.objects.filter(
            plan__jurisdiction_id=user.jurisdiction_id, plan__day=day, inspector=user
        )
        .select_related("plan", "start")
        .first()
    )


def inspection_settings_for(*, jurisdiction_id: int) -> InspectionSettings:
    """The jurisdiction's settings row, or the defaults (unsaved) when it has none."""
    found = InspectionSettings.objects.filter(jurisdiction_id=jurisdiction_id).first()
    return found or InspectionSettings(jurisdiction_id=jurisdiction_id)


def round_coverage_measure(*, round_: Round) -> tuple[list[SegmentCover], float]:
    """The coverage of the round's kept points so far and their walked length (m),
    computed, not stored (`services.round_coverage_update` stores it)."""
    settings = inspection_settings_for(jurisdiction_id=round_.jurisdiction_id)
    rows = TrackPoint.objects.filter(round=round_).order_by("seq").values_list("at", "lng", "lat")
    pieces = track_pieces(
        [(at.timestamp(), lng, lat) for at, lng, lat in rows],
        gap_seconds=float(settings.track_gap_seconds),
    )
    covers = coverage_compute(
        index=segment_index_get(jurisdiction_id=round_.jurisdiction_id),
        pieces=pieces,
        buffer_m=float(settings.cover_buffer_m),
        ratio=float(settings.cover_ratio),
    )
    return covers, round(track_length_m(pieces), 1)
