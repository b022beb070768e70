"""Writes of the disclosure portal: suggestions, media exposures, consultations and their
comments, hearings, typical cases.

Each service checks its input and the actor's role, then writes; errors are
`PortalInputError` (bad input, the message says what is wrong, in Chinese) or
`PermissionDenied`. Views, the admin and commands all call these.

The office (dispatcher, admin) writes; a leader may read the staff pages but not write
(the leader's view is read-only, BRIEF.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Final

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingxi.cases import workflow
from jingxi.cases.choices import Source
from jingxi.cases.models import Attachment, Case
from jingxi.cases.services import CaseInputError, case_report
from jingxi.catalog.models import Category
from jingxi.org.models import Jurisdiction, User
from jingxi.org.roles import NO_ROLES, Perm, RoleSet, roles_for
from jingxi.public.portal.models import (
    Consultation,
    ConsultationComment,
    ConsultationKind,
    ConsultationStatus,
    Hearing,
    MediaExposure,
    ModerationStatus,
    Suggestion,
    SuggestionChannel,
    TypicalCase,
    TypicalKind,
)

MAX_TITLE: Final = 100
MAX_TEXT: Final = 2000
MAX_COMMENT: Final = 1000
# Flooding limits per client (hashed address): so many submissions per window.
COMMENT_LIMIT: Final = 5
COMMENT_WINDOW: Final = dt.timedelta(hours=1)
SUGGESTION_LIMIT: Final = 3
SUGGESTION_WINDOW: Final = dt.timedelta(hours=1)


class PortalInputError(ValueError):
    """Bad input to a portal service; the message says what is wrong, in Chinese."""


class RateLimited(PortalInputError):
    """Too many submissions from one client in the window."""


# --- helpers ------------------------------------------------------------------------


def client_hash(*, address: str) -> str:
    """A keyed hash of a client's address: enough to count its submissions, never reversible."""
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def office_roles(*, user: User, jurisdiction: Jurisdiction) -> RoleSet:
    """The user's roles in the jurisdiction, if they may read the portal's office pages
    (`Perm.DISCLOSURE_READ`); no roles otherwise."""
    roles = roles_for(user=user, jurisdiction_id=jurisdiction.pk)
    return roles if roles.may(Perm.DISCLOSURE_READ) else NO_ROLES


def _check_writer(*, actor: User, jurisdiction: Jurisdiction) -> None:
    if not roles_for(user=actor, jurisdiction_id=jurisdiction.pk).may(Perm.DISCLOSURE_WRITE):
        raise PermissionDenied(_("只有精细办的受理/派遣员或系统管理员可以执行该操作"))


def _text(value: str, *, label: str, limit: int, required: bool = True) -> str:
    value = value.strip()
    if required and not value:
        raise PortalInputError(_("请填写%(label)s") % {"label": label})
    if len(value) > limit:
        raise PortalInputError(
            _("%(label)s不能超过%(n)d字（现有%(m)d字）")
            % {"label": label, "n": limit, "m": len(value)}
        )
    return value


def _phone(value: str) -> str:
    value = value.strip().replace(" ", "").replace("-", "")
    if value and not (value.isdigit() and 7 <= len(value) <= 12):
        raise PortalInputError(_("联系电话格式不正确：请填写手机号或带区号的固定电话"))
    return value


def _rate_check(
    *, model: type[Suggestion] | type[ConsultationComment], ip_hash: str, now: dt.datetime
) -> None:
    if not ip_hash:
        return
    if model is Suggestion:
        recent = Suggestion.objects.filter(
            ip_hash=ip_hash, received_at__gt=now - SUGGESTION_WINDOW
        ).count()
        limit, window = SUGGESTION_LIMIT, SUGGESTION_WINDOW
    else:
        recent = ConsultationComment.objects.filter(
            ip_hash=ip_hash, submitted_at__gt=now - COMMENT_WINDOW
        ).count()
        limit, window = COMMENT_LIMIT, COMMENT_WINDOW
    if recent >= limit:
        raise RateLimited(
            _("提交过于频繁：每%(minutes)d分钟最多提交%(n)d次，请稍后再试")
            % {"minutes": int(window.total_seconds() // 60), "n": limit}
        )


# --- suggestions --------------------------------------------------------------------


def suggestion_receive(
    *,
    jurisdiction: Jurisdiction,
    channel: str,
    title: str,
    text: str,
    contact_name: str = "",
    contact_phone: str = "",
    actor: User | None = None,
    ip_hash: str = "",
    now: dt.datetime | None = None,
) -> Suggestion:
    """Record a suggestion (意见建议) from any channel.

    From the web (no actor) the client's hashed address is rate-limited; staff entering a
    hotline, WeChat or other suggestion must be office staff of the jurisdiction.
    """
    now = now or timezone.now()
    if channel not in SuggestionChannel.values:
        raise PortalInputError(_("未知的渠道：%(c)s") % {"c": channel})
    if actor is not None:
        _check_writer(actor=actor, jurisdiction=jurisdiction)
    elif channel != SuggestionChannel.WEB:
        raise PortalInputError(_("网站提交的意见建议渠道只能是门户网站"))
    title = _text(title, label=_("标题"), limit=MAX_TITLE)
    text = _text(text, label=_("内容"), limit=MAX_TEXT)
    contact_name = _text(contact_name, label=_("联系人姓名"), limit=64, required=False)
    contact_phone = _phone(contact_phone)
    if actor is None:
        _rate_check(model=Suggestion, ip_hash=ip_hash, now=now)
    return Suggestion.objects.create(
        jurisdiction=jurisdiction,
        channel=channel,
        title=title,
        text=text,
        contact_name=contact_name,
        contact_phone=contact_phone,
        received_at=now,
        received_by=actor,
        ip_hash=ip_hash if actor is None else "",
    )


def suggestion_answer(
    *,
    suggestion_id: int,
    actor: User,
    answer: str,
    publish: bool = False,
    now: dt.datetime | None = None,
) -> Suggestion:
    """Answer a suggestion (or change the answer); publish it at once if asked."""
    now = now or timezone.now()
    with transaction.atomic():
        suggestion = Suggestion.objects.select_for_update().get(pk=suggestion_id)
        _check_writer(actor=actor, jurisdiction=suggestion.jurisdiction)
        suggestion.answer = _text(answer, label=_("答复"), limit=MAX_TEXT)
        suggestion.answered_by = actor
        suggestion.answered_at = now
        if publish and not suggestion.is_published:
            suggestion.is_published = True
            suggestion.published_at = now
        suggestion.save()
    return suggestion


def suggestion_publish(
    *, suggestion_id: int, actor: User, publish: bool, now: dt.datetime | None = None
) -> Suggestion:
    """Publish an answered suggestion and its answer, or withdraw it from the portal."""
    now = now or timezone.now()
    with transaction.atomic():
        suggestion = Suggestion.objects.select_for_update().get(pk=suggestion_id)
        _check_writer(actor=actor, jurisdiction=suggestion.jurisdiction)
        if publish and not suggestion.answer:
            raise PortalInputError(_("请先答复，再公开"))
        suggestion.is_published = publish
        suggestion.published_at = now if publish else None
        suggestion.save(update_fields=["is_published", "published_at"])
    return suggestion


# --- media supervision --------------------------------------------------------------


def media_exposure_record(
    *,
    jurisdiction: Jurisdiction,
    actor: User,
    category: Category,
    lng: float,
    lat: float,
    description: str,
    outlet: str,
    title: str,
    published_on: dt.date,
    url: str = "",
    note: str = "",
    address: str = "",
    now: dt.datetime | None = None,
) -> MediaExposure:
    """Open a case for a problem exposed by the media (source media) and record the outlet.

    Media-exposed cases weigh double in assessment; the flag is the case's source.
    """
    now = now or timezone.now()
    _check_writer(actor=actor, jurisdiction=jurisdiction)
    outlet = _text(outlet, label=_("媒体名称"), limit=64)
    title = _text(title, label=_("报道标题"), limit=200)
    note = _text(note, label=_("备注"), limit=MAX_TEXT, required=False)
    url = url.strip()
    if url and not url.startswith(("http://", "https://")):
        raise PortalInputError(_("报道链接须以 http:// 或 https:// 开头"))
    if len(url) > 500:
        raise PortalInputError(_("报道链接不能超过500个字符"))
    if published_on > timezone.localdate(now):
        raise PortalInputError(_("报道日期不能晚于今天"))
    with transaction.atomic():
        try:
            case = case_report(
                jurisdiction=jurisdiction,
                category=category,
                lng=lng,
                lat=lat,
                description=description,
                source=Source.MEDIA,
                actor=actor,
                address=address,
                now=now,
            )
        except CaseInputError as exc:
            raise PortalInputError(str(exc)) from exc
        return MediaExposure.objects.create(
            case=case,
            outlet=outlet,
            title=title,
            url=url,
            published_on=published_on,
            note=note,
            recorded_by=actor,
            recorded_at=now,
        )


# --- consultations ------------------------------------------------------------------


def consultation_create(
    *,
    jurisdiction: Jurisdiction,
    actor: User,
    kind: str,
    title: str,
    body: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    now: dt.datetime | None = None,
) -> Consultation:
    """A draft consultation (公示 / 征求意见) with its comment period."""
    now = now or timezone.now()
    _check_writer(actor=actor, jurisdiction=jurisdiction)
    if kind not in ConsultationKind.values:
        raise PortalInputError(_("未知的类型：%(k)s") % {"k": kind})
    if closes_at <= opens_at:
        raise PortalInputError(_("截止时间须晚于开始时间"))
    return Consultation.objects.create(
        jurisdiction=jurisdiction,
        kind=kind,
        title=_text(title, label=_("标题"), limit=200),
        body=_text(body, label=_("内容"), limit=20000),
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=actor,
        created_at=now,
    )


def _consultation_locked(consultation_id: int, actor: User) -> Consultation:
    consultation = (
        Consultation.objects.select_for_update()
        .select_related("jurisdiction")
        .get(pk=consultation_id)
    )
    _check_writer(actor=actor, jurisdiction=consultation.jurisdiction)
    return consultation


def consultation_publish(
    *, consultation_id: int, actor: User, now: dt.datetime | None = None
) -> Consultation:
    """Publish a draft: it shows on the portal and takes comments from `opens_at`."""
    now = now or timezone.now()
    with transaction.atomic():
        consultation = _consultation_locked(consultation_id, actor)
        if consultation.status != ConsultationStatus.DRAFT:
            raise PortalInputError(_("只有草稿可以发布"))
        if consultation.closes_at <= now:
            raise PortalInputError(_("截止时间已过，请先修改截止时间再发布"))
        consultation.status = ConsultationStatus.OPEN
        consultation.published_at = now
        consultation.save(update_fields=["status", "published_at"])
    return consultation


def consultation_accepts_comments(*, consultation: Consultation, now: dt.datetime) -> bool:
    """Open, and within its comment period."""
    return (
        consultation.status == ConsultationStatus.OPEN
        and consultation.opens_at <= now < consultation.closes_at
    )


def consultation_close(
    *, consultation_id: int, actor: User, now: dt.datetime | None = None
) -> Consultation:
    """End the comment period now (also the state of an open one whose period has passed)."""
    now = now or timezone.now()
    with transaction.atomic():
        consultation = _consultation_locked(consultation_id, actor)
        if consultation.status != ConsultationStatus.OPEN:
            raise PortalInputError(_("只有征集中的事项可以截止"))
        consultation.status = ConsultationStatus.CLOSED
        consultation.closes_at = min(consultation.closes_at, now)
        consultation.save(update_fields=["status", "closes_at"])
    return consultation


def consultation_comment_submit(
    *,
    consultation_id: int,
    text: str,
    name: str = "",
    ip_hash: str = "",
    now: dt.datetime | None = None,
) -> ConsultationComment:
    """A citizen's comment, pending moderation; rate-limited per client."""
    now = now or timezone.now()
    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is None or consultation.status == ConsultationStatus.DRAFT:
        raise PortalInputError(_("没有找到该公示或征求意见事项"))
    if not consultation_accepts_comments(consultation=consultation, now=now):
        if now < consultation.opens_at:
            raise PortalInputError(_("意见征集尚未开始"))
        raise PortalInputError(_("意见征集已经截止，不再接受意见"))
    text = _text(text, label=_("意见"), limit=MAX_COMMENT)
    name = _text(name, label=_("称呼"), limit=64, required=False)
    _rate_check(model=ConsultationComment, ip_hash=ip_hash, now=now)
    return ConsultationComment.objects.create(
        consultation=consultation, name=name, text=text, submitted_at=now, ip_hash=ip_hash
    )


def consultation_comment_moderate(
    *,
    comment_id: int,
    actor: User,
    decision: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> ConsultationComment:
    """Approve (shown on the portal, without the name) or reject a comment."""
    now = now or timezone.now()
    if decision not in (ModerationStatus.APPROVED, ModerationStatus.REJECTED):
        raise PortalInputError(_("审核结果只能是通过或不通过"))
    with transaction.atomic():
        comment = (
            ConsultationComment.objects.select_for_update()
            .select_related("consultation__jurisdiction")
            .get(pk=comment_id)
        )
        _check_writer(actor=actor, jurisdiction=comment.consultation.jurisdiction)
        comment.status = decision
        comment.moderated_by = actor
        comment.moderated_at = now
        comment.moderation_note = _text(note, label=_("审核意见"), limit=200, required=False)
        comment.save()
    return comment


def consultation_conclude(
    *,
    consultation_id: int,
    actor: User,
    summary: str,
    response: str,
    now: dt.datetime | None = None,
) -> Consultation:
    """Publish the summary of opinions and the office's response, after the period ends."""
    now = now or timezone.now()
    with transaction.atomic():
        consultation = _consultation_locked(consultation_id, actor)
        if consultation.status == ConsultationStatus.DRAFT:
            raise PortalInputError(_("草稿尚未发布，不能反馈"))
        if consultation.status == ConsultationStatus.OPEN and now < consultation.closes_at:
            raise PortalInputError(_("意见征集尚未截止，截止后才能发布意见汇总和答复"))
        pending = consultation.comments.filter(status=ModerationStatus.PENDING).count()
        if pending:
            raise PortalInputError(_("还有%(n)d条意见未审核，请审核后再发布反馈") % {"n": pending})
        consultation.summary = _text(summary, label=_("意见汇总"), limit=20000)
        consultation.response = _text(response, label=_("采纳与答复情况"), limit=20000)
        consultation.status = ConsultationStatus.CONCLUDED
        consultation.concluded_at = now
        consultation.save()
    return consultation


def hearing_record(
    *,
    jurisdiction: Jurisdiction,
    actor: User,
    title: str,
    held_on: dt.date,
    participants: str,
    minutes: str,
    place: str = "",
    consultation: Consultation | None = None,
    is_published: bool = True,
    now: dt.datetime | None = None,
) -> Hearing:
    """Record a hearing (座谈会) with its date, participants and minutes."""
    now = now or timezone.now()
    _check_writer(actor=actor, jurisdiction=jurisdiction)
    if consultation is not None and consultation.jurisdiction_id != jurisdiction.pk:
        raise PortalInputError(_("所选事项不属于本辖区"))
    if held_on > timezone.localdate(now):
        raise PortalInputError(_("召开日期不能晚于今天：座谈会召开后再记录"))
    return Hearing.objects.create(
        jurisdiction=jurisdiction,
        consultation=consultation,
        title=_text(title, label=_("会议名称"), limit=200),
        held_on=held_on,
        place=_text(place, label=_("地点"), limit=200, required=False),
        participants=_text(participants, label=_("参会人员"), limit=MAX_TEXT),
        minutes=_text(minutes, label=_("会议纪要"), limit=20000),
        is_published=is_published,
        recorded_by=actor,
        recorded_at=now,
    )


# --- typical cases ------------------------------------------------------------------


def typical_case_publish(
    *,
    case_id: int,
    actor: User,
    kind: str,
    title: str,
    text: str,
    before_photo_id: int,
    after_photo_id: int,
    publish: bool = True,
    now: dt.datetime | None = None,
) -> TypicalCase:
    """Show a closed case as a typical case (先进典型 / 反面典型) with two of its photos."""
    now = now or timezone.now()
    case = Case.objects.select_related("jurisdiction").filter(pk=case_id).first()
    if case is None:
        raise PortalInputError(_("没有找到该案卷"))
    _check_writer(actor=actor, jurisdiction=case.jurisdiction)
    if case.status not in workflow.CLOSED:
        raise PortalInputError(_("只有已结案的案卷可以作为典型案例"))
    if kind not in TypicalKind.values:
        raise PortalInputError(_("未知的典型类型：%(k)s") % {"k": kind})
    if before_photo_id == after_photo_id:
        raise PortalInputError(_("处置前和处置后须选择不同的照片"))
    photos = {a.pk: a for a in Attachment.objects.filter(case=case)}
    before, after = photos.get(before_photo_id), photos.get(after_photo_id)
    if before is None or after is None:
        raise PortalInputError(_("只能选择本案卷的照片"))
    return TypicalCase.objects.create(
        jurisdiction=case.jurisdiction,
        case=case,
        kind=kind,
        title=_text(title, label=_("标题"), limit=200),
        text=_text(text, label=_("说明"), limit=MAX_TEXT),
        before_photo=before,
        after_photo=after,
        is_published=publish,
        published_at=now if publish else None,
        chosen_by=actor,
        chosen_at=now,
    )


def typical_case_set_published(
    *, typical_id: int, actor: User, publish: bool, now: dt.datetime | None = None
) -> TypicalCase:
    """Publish a chosen typical case, or withdraw it (its photos stop being public)."""
    now = now or timezone.now()
    with transaction.atomic():
        typical = (
            TypicalCase.objects.select_for_update()
            .select_related("jurisdiction")
            .get(pk=typical_id)
        )
        _check_writer(actor=actor, jurisdiction=typical.jurisdiction)
        typical.is_published = publish
        typical.published_at = now if publish else None
        typical.save(update_fields=["is_published", "published_at"])
    return typical
