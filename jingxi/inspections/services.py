"""The rounds' writes: start, track points, findings, checklist ticks, end, retention.

Every write is the inspector's own (`Perm.ROUND` in their jurisdiction), names its
records with the phone's ids, and is stored once: a request repeated after a lost
answer gets the first answer back. Each call writes in one transaction, so a refused
batch stores nothing. Rounds, points, findings and ticks are records: never changed
after they are written, except the round's counters and end, and the retention purge
that deletes old track points (a round keeps the coverage it proved).

Late arrivals: after a round ended, points, findings and ticks still join it when
they are timed before its end and arrive within `LATE_WINDOW` of it; the coverage is
then computed again. Anything else is a RoundError `round_closed`. The planning
services are elsewhere (`plans`, `roster`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingxi.cases.access import report_sources_for
from jingxi.cases.choices import Source
from jingxi.cases.evidence import attachments_add
from jingxi.cases.models import Attachment, AttachmentKind, Case
from jingxi.cases.services import DuplicateSubmission, case_report, idempotency_key_for
from jingxi.catalog.models import Category
from jingxi.inspections.choices import RoundStatus, TravelMode
from jingxi.inspections.coverage import nearest_segment, segment_index_get
from jingxi.inspections.errors import RoundError
from jingxi.inspections.models import (
    ChecklistTick,
    InspectionSettings,
    Inspector,
    Plan,
    Round,
    RoundFinding,
    RoundSegment,
    TrackPoint,
)
from jingxi.inspections.selectors import inspection_settings_for, round_coverage_measure
from jingxi.inspections.track import (
    Anchor,
    RawPoint,
    TrackRules,
    track_clean,
)
from jingxi.org.models import Jurisdiction, User
from jingxi.org.roles import Perm, RoleSet, roles_for
from jingxi.places.models import Segment

#: How long after a round's end what was recorded during it may still arrive.
LATE_WINDOW: Final = dt.timedelta(hours=24)
#: The most points one request may carry.
MAX_POINTS: Final = 2000


def _roles_check(*, actor: User, roles: RoleSet | None = None) -> RoleSet:
    roles = roles if roles is not None else roles_for(user=actor)
    if actor.jurisdiction_id is None or not roles.may(Perm.ROUND):
        raise PermissionDenied(_("只有督导员可以进行巡查"))
    return roles


def _local_day(moment: dt.datetime, jurisdiction: Jurisdiction) -> dt.date:
    return timezone.localtime(moment, ZoneInfo(jurisdiction.time_zone)).date()


# --- start and end ----------------------------------------------------------------------


def round_start(
    *,
    actor: User,
    client_id: uuid.UUID,
    started_at: dt.datetime,
    travel_mode: str | None = None,
    roles: RoleSet | None = None,
) -> tuple[Round, bool]:
    """Start the actor's own round named `client_id`; (round, created).

    The same `client_id` again answers the round it started. Another round still open
    is a RoundError `round_open` naming it (the phone ends it first).
    """
    _roles_check(actor=actor, roles=roles)
    jurisdiction = actor.jurisdiction
    assert jurisdiction is not None
    known = Round.objects.filter(inspector=actor, client_id=client_id).first()
    if known is not None:
        return known, False
    if travel_mode is not None and travel_mode not in TravelMode.values:
        raise RoundError(_("未知的出行方式：%(mode)s") % {"mode": travel_mode})
    profile = Inspector.objects.filter(user=actor).only("travel_mode").first()
    mode = travel_mode or (profile.travel_mode if profile is not None else TravelMode.FOOT)
    day = _local_day(started_at, jurisdiction)
    try:
        with transaction.atomic():
            _open_check(actor=actor)
            created = Round.objects.create(
                jurisdiction=jurisdiction,
                inspector=actor,
                client_id=client_id,
                day=day,
                plan=Plan.objects.filter(jurisdiction=jurisdiction, day=day).first(),
                travel_mode=mode,
                started_at=started_at,
            )
    except IntegrityError:  # the same start, or another, raced this one
        known = Round.objects.filter(inspector=actor, client_id=client_id).first()
        if known is not None:
            return known, False
        _open_check(actor=actor)
        raise
    return created, True


def _open_check(*, actor: User) -> None:
    other = Round.objects.filter(inspector=actor, status=RoundStatus.OPEN).first()
    if other is not None:
        raise RoundError(
            _("还有一次巡查（%(started)s 开始）没有结束，请先结束它")
            % {"started": timezone.localtime(other.started_at).strftime("%Y-%m-%d %H:%M")},
            code="round_open",
            client_id=str(other.client_id),
        )


def round_end(*, round_: Round, ended_at: dt.datetime) -> Round:
    """End the round once and compute its coverage; ending again answers the first end."""
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        if locked.status == RoundStatus.ENDED:
            return locked
        if ended_at < locked.started_at:
            raise RoundError(_("结束时间不能早于开始时间"))
        locked.status = RoundStatus.ENDED
        locked.ended_at = ended_at
        locked.save(update_fields=["status", "ended_at"])
        round_coverage_update(round_=locked)
    return locked


def _late_check(*, round_: Round, at: dt.datetime | None, now: dt.datetime) -> None:
    """RoundError `round_closed` unless what is timed `at` may still join the round."""
    if round_.status != RoundStatus.ENDED or round_.ended_at is None:
        return
    ended = timezone.localtime(round_.ended_at).strftime("%Y-%m-%d %H:%M")
    if now > round_.ended_at + LATE_WINDOW:
        raise RoundError(
            _("巡查已于 %(ended)s 结束超过 24 小时，不再接收补传的记录") % {"ended": ended},
            code="round_closed",
        )
    if at is not None and at > round_.ended_at:
        raise RoundError(
            _("记录时间晚于巡查结束时间（%(ended)s），不能计入这次巡查") % {"ended": ended},
            code="round_closed",
        )


# --- track points -----------------------------------------------------------------------


@dataclass
class PointsAdded:
    kept: int = 0
    duplicate: int = 0
    dropped: dict[str, int] = field(default_factory=dict)


def track_rules_for(*, round_: Round, settings: InspectionSettings) -> TrackRules:
    """The cleaning thresholds of the round: its travel mode's speed, the settings."""
    kmh = (
        settings.max_speed_ebike_kmh
        if round_.travel_mode == TravelMode.EBIKE
        else settings.max_speed_foot_kmh
    )
    index = segment_index_get(jurisdiction_id=round_.jurisdiction_id)
    return TrackRules(
        max_accuracy_m=float(settings.max_accuracy_m),
        max_speed_mps=float(kmh) / 3.6,
        gap_seconds=float(settings.track_gap_seconds),
        bbox=index.bbox,
    )


def _anchor(*, round_: Round, below_seq: int) -> Anchor | None:
    last = (
        TrackPoint.objects.filter(round=round_, seq__lt=below_seq)
        .order_by("-seq")
        .values_list("seq", "at", "lng", "lat", "accuracy_m", "piece")
        .first()
    )
    if last is None:
        return None
    seq, at, lng, lat, accuracy, piece = last
    return Anchor(seq=seq, t=at.timestamp(), lng=lng, lat=lat, accuracy=accuracy, piece=piece)


def round_points_add(
    *, round_: Round, points: Sequence[RawPoint], now: dt.datetime | None = None
) -> PointsAdded:
    """Clean and store a batch of the round's positions (`track.track_clean`), once per
    `seq`: repeats are counted, not stored again. One transaction with the counters."""
    now = now or timezone.now()
    if len(points) > MAX_POINTS:
        raise RoundError(_("一次最多上传 %(n)d 个定位点") % {"n": MAX_POINTS})
    if not points:
        return PointsAdded()
    latest = max((p[1] for p in points), default=None)
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round_.pk)
        _late_check(
            round_=locked,
            at=None if latest is None else dt.datetime.fromtimestamp(latest, tz=dt.UTC),
            now=now,
        )
        if locked.track_purged_at is not None:
            raise RoundError(_("这次巡查的轨迹已按保留期限清除"), code="round_closed")
        seqs = [p[0] for p in points]
        known = set(
            TrackPoint.objects.filter(round=locked, seq__in=set(seqs)).values_list("seq", flat=True)
        )
        settings = inspection_settings_for(jurisdiction_id=locked.jurisdiction_id)
        cleaned = track_clean(
            points,
            rules=track_rules_for(round_=locked, settings=settings),
            known_seqs=known,
            anchor=_anchor(round_=locked, below_seq=min(seqs)),
        )
        TrackPoint.objects.bulk_create(
            [
                TrackPoint(
                    round=locked,
                    seq=seq,
                    at=dt.datetime.fromtimestamp(t, tz=dt.UTC),
                    lng=lng,
                    lat=lat,
                    accuracy_m=accuracy,
                    piece=piece,
                )
                for seq, t, lng, lat, accuracy, piece in cleaned.kept
            ]
        )
        _counters_update(round_=locked, cleaned_kept=cleaned.kept, dropped=cleaned.dropped)
        locked.walked_m += cleaned.walked_m
        locked.save(update_fields=["points_kept", "points_dropped", "last_point_at", "walked_m"])
        if locked.status == RoundStatus.ENDED and cleaned.kept:
            round_coverage_update(round_=locked)
    return PointsAdded(kept=len(cleaned.kept), duplicate=cleaned.duplicate, dropped=cleaned.dropped)


def _counters_update(*, round_: Round, cleaned_kept: list[Any], dropped: dict[str, int]) -> None:
    round_.points_kept += len(cleaned_kept)
    totals = dict(round_.points_dropped or {})
    for reason, n in dropped.items():
        totals[reason] = int(totals.get(reason, 0)) + n
    round_.points_dropped = totals
    if cleaned_kept:
        newest = dt.datetime.fromtimestamp(max(p[1] for p in cleaned_kept), tz=dt.UTC)
        if round_.last_point_at is None or newest > round_.last_point_at:
            round_.last_point_at = newest


# --- coverage ---------------------------------------------------------------------------


def round_coverage_update(*, round_: Round) -> list[RoundSegment]:
    """Compute the round's coverage from its kept points and write its RoundSegment
    rows (replacing the earlier ones) and its walked length; a purged track keeps
    the coverage it proved."""
    if round_.track_purged_at is not None:
        return list(round_.segments.all())
    covers, walked_m = round_coverage_measure(round_=round_)
    with transaction.atomic():
        RoundSegment.objects.filter(round=round_).delete()
        created = RoundSegment.objects.bulk_create(
            [
                RoundSegment(
                    round=round_,
                    segment_id=c.segment_id,
                    covered_m=c.covered_m,
                    ratio=c.ratio,
                    walked=c.walked,
                )
                for c in covers
            ]
        )
        round_.walked_m = walked_m
        Round.objects.filter(pk=round_.pk).update(walked_m=round_.walked_m)
    return created


# --- findings and ticks -----------------------------------------------------------------


@dataclass
class FindingAdded:
    finding: RoundFinding
    created: bool
    warnings: list[str] = field(default_factory=list)


def _photo_warnings(attachments: Sequence[Attachment]) -> list[str]:
    """What looks wrong about the finding's photos: the case's anti-fraud warnings,
    and photos without a position (accepted: many phones strip it)."""
    found: list[str] = []
    for number, attachment in enumerate(attachments, start=1):
        if attachment.exif_lng is None or attachment.exif_lat is None:
            found.append(_("第 %(n)d 张照片没有拍摄位置") % {"n": number})
        for warning in attachment.warnings or []:
            found.append(str(warning.get("message", "")))
    return found


def round_finding_add(
    *,
    round_: Round,
    actor: User,
    client_id: uuid.UUID,
    category: Category | int,
    lng: float,
    lat: float,
    description: str,
    at: dt.datetime,
    urgency: str = "normal",
    photos: Sequence[File[Any] | bytes] = (),
    now: dt.datetime | None = None,
) -> FindingAdded:
    """File a problem found on the round as a case (source 督导员巡查, filed directly
    when the inspector's role may), with its photos, linked to the round and the
    nearest segment. The same `client_id` again answers the first finding."""
    now = now or timezone.now()
    roles = _roles_check(actor=actor)
    known = RoundFinding.objects.filter(round=round_, client_id=client_id).first()
    if known is not None:
        return FindingAdded(finding=known, created=False)
    _late_check(round_=round_, at=at, now=now)
    file_directly = Source.INSPECTOR in report_sources_for(roles=roles)
    jurisdiction = actor.jurisdiction
    assert jurisdiction is not None
    try:
        with transaction.atomic():
            case = case_report(
                jurisdiction=jurisdiction,
                category=category,
                lng=lng,
                lat=lat,
                description=description,
                source=Source.INSPECTOR,
                actor=actor,
                urgency=urgency,
                idempotency_key=idempotency_key_for(
                    scope=f"user:{actor.pk}", key=f"finding:{client_id}"
                ),
                file_directly=file_directly,
                now=now,
                roles=roles,
            )
            attachments = (
                attachments_add(
                    case=case, files=photos, kind=AttachmentKind.BEFORE, actor=actor, now=now
                )
                if photos
                else []
            )
            finding = RoundFinding.objects.create(
                round=round_,
                client_id=client_id,
                case=case,
                segment_id=_finding_segment(case=case, jurisdiction_id=jurisdiction.pk),
                at=at,
            )
    except DuplicateSubmission:
        known = RoundFinding.objects.filter(round=round_, client_id=client_id).first()
        if known is not None:
            return FindingAdded(finding=known, created=False)
        raise RoundError(_("这个发现已在另一次巡查中上报")) from None
    return FindingAdded(finding=finding, created=True, warnings=_photo_warnings(attachments))


def _finding_segment(*, case: Case, jurisdiction_id: int) -> int | None:
    if case.segment_id is not None:
        return case.segment_id
    index = segment_index_get(jurisdiction_id=jurisdiction_id)
    return nearest_segment(index=index, lng=float(case.lng), lat=float(case.lat))


def round_tick_add(
    *,
    round_: Round,
    client_id: uuid.UUID,
    segment_id: int,
    category_id: int,
    ok: bool,
    at: dt.datetime,
    now: dt.datetime | None = None,
) -> tuple[ChecklistTick, bool]:
    """Record a checklist item ticked on a segment; the same `client_id` again answers
    the first tick. (tick, created)."""
    now = now or timezone.now()
    known = ChecklistTick.objects.filter(round=round_, client_id=client_id).first()
    if known is not None:
        return known, False
    _late_check(round_=round_, at=at, now=now)
    jid = round_.jurisdiction_id
    if not Segment.objects.filter(pk=segment_id, road__jurisdiction_id=jid).exists():
        raise RoundError(_("未知的路段：%(id)s") % {"id": segment_id})
    if not Category.objects.filter(pk=category_id, jurisdiction_id=jid).exists():
        raise RoundError(_("未知的检查项：%(id)s") % {"id": category_id})
    try:
        with transaction.atomic():
            tick = ChecklistTick.objects.create(
                round=round_,
                client_id=client_id,
                segment_id=segment_id,
                category_id=category_id,
                ok=ok,
                at=at,
            )
    except IntegrityError:
        return ChecklistTick.objects.get(round=round_, client_id=client_id), False
    return tick, True


# --- retention --------------------------------------------------------------------------


def track_purge(*, now: dt.datetime | None = None) -> int:
    """Delete the track points of ended rounds older than their jurisdiction's
    `track_retention_days` and mark the rounds purged; their coverage stays. Returns
    how many rounds were purged."""
    now = now or timezone.now()
    days = dict(InspectionSettings.objects.values_list("jurisdiction_id", "track_retention_days"))
    default_days = InspectionSettings._meta.get_field("track_retention_days").get_default()
    purged = 0
    candidates = Round.objects.filter(status=RoundStatus.ENDED, track_purged_at__isnull=True)
    oldest = now - dt.timedelta(days=min([default_days, *days.values()]))
    for pk, jid, started in candidates.filter(started_at__lt=oldest).values_list(
        "pk", "jurisdiction_id", "started_at"
    ):
        if started >= now - dt.timedelta(days=days.get(jid, default_days)):
            continue
        with transaction.atomic():
            TrackPoint.objects.filter(round_id=pk).delete()
            Round.objects.filter(pk=pk).update(track_purged_at=now)
        purged += 1
    return purged
