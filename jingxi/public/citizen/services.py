"""Citizens' writes: reports (随手拍), ratings and "not fixed" requests, and the
dispatcher's decision on those requests.

- `citizen_report` checks every photo first, then creates the case and stores its photos
  in one transaction: a rejected photo stores nothing.
- The tracking token (given only to the reporter) is needed to rate a closed case
  (`feedback_give`) or say it is not fixed (`reopen_request_create`); a dispatcher then
  accepts (the case is reopened through `case_transition`) or declines.

The public-safe reads are in `selectors.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingxi.cases.choices import Action, Source, Status
from jingxi.cases.evidence import attachment_store
from jingxi.cases.models import AttachmentKind, Case
from jingxi.cases.services import case_report, case_transition
from jingxi.catalog.models import Category
from jingxi.org.models import Jurisdiction, User
from jingxi.photos.checks import Photo
from jingxi.public.citizen.choices import Rating, ReopenStatus
from jingxi.public.citizen.models import Feedback, ReopenRequest
from jingxi.public.citizen.selectors import (
    reopen_request_list_for,
    reopen_request_open_since_closure,
    reopen_window_end,
    token_matches,
)

MAX_COMMENT: Final = 500


class CitizenError(ValueError):
    """Something a citizen asked that cannot be done; the message says why, in Chinese."""


# --- report -------------------------------------------------------------------------


def citizen_report(
    *,
    jurisdiction: Jurisdiction,
    category: Category,
    lng: float,
    lat: float,
    description: str,
    photos: list[Photo],
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    idempotency_key: str = "",
    now: dt.datetime | None = None,
) -> Case:
    """A citizen's web report: the case and its (already checked) photos, all or nothing.

    Raises CaseInputError (bad place, description, category) or DuplicateSubmission
    (the form was already submitted: `.case` is the first case).
    """
    now = now or timezone.now()
    unique = list({photo.sha256: photo for photo in photos}.values())
    with transaction.atomic():
        case = case_report(
            jurisdiction=jurisdiction,
            category=category,
            lng=lng,
            lat=lat,
            description=description,
            source=Source.CITIZEN_WEB,
            address=address,
            reporter_name=reporter_name,
            reporter_phone=reporter_phone,
            idempotency_key=idempotency_key,
            now=now,
        )
        event = case.events.order_by("id").first()
        for photo in unique:
            attachment_store(
                case=case,
                photo=photo,
                kind=AttachmentKind.BEFORE,
                uploaded_by=None,
                event=event,
                now=now,
            )
    return case


# --- feedback and "not fixed" ---------------------------------------------------------


def _require_token(case: Case, token: str) -> None:
    if not token_matches(case=case, token=token):
        raise CitizenError(_("请使用提交时获得的查询链接进行评价或反映"))


def feedback_give(
    *, case: Case, token: str, rating: str, comment: str = "", now: dt.datetime | None = None
) -> Feedback:
    """The reporter rates a closed case, once."""
    _require_token(case, token)
    if case.status != Status.CLOSED:
        raise CitizenError(_("问题办结后才能评价"))
    if rating not in Rating.values:
        raise CitizenError(_("请选择满意、基本满意或不满意"))
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise CitizenError(_("意见不能超过%(n)d字") % {"n": MAX_COMMENT})
    try:
        with transaction.atomic():
            return Feedback.objects.create(
                case=case, rating=rating, comment=comment, at=now or timezone.now()
            )
    except IntegrityError:
        raise CitizenError(_("您已评价过，感谢您的反馈")) from None


def reopen_request_create(
    *, case: Case, token: str, reason: str, now: dt.datetime | None = None
) -> ReopenRequest:
    """The reporter says the closed case is not fixed; the dispatcher will decide."""
    now = now or timezone.now()
    _require_token(case, token)
    end = reopen_window_end(case=case)
    if end is None:
        raise CitizenError(_("问题办结后才能反映未解决"))
    if now > end:
        raise CitizenError(_("已超过办结后可反映的期限，请作为新问题反映"))
    reason = reason.strip()
    if not reason:
        raise CitizenError(_("请说明问题哪里没有解决"))
    if len(reason) > MAX_COMMENT:
        raise CitizenError(_("情况说明不能超过%(n)d字") % {"n": MAX_COMMENT})
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).first()
        if reopen_request_open_since_closure(case=case) is not None:
            raise CitizenError(_("您已反映过，请等待处理"))
        return ReopenRequest.objects.create(case=case, reason=reason, at=now)


def reopen_request_decide(
    *,
    request_id: int,
    actor: User,
    accept: bool,
    note: str = "",
    now: dt.datetime | None = None,
) -> ReopenRequest:
    """Accept (the case is reopened: `case_transition(REOPEN)`) or decline a request.

    Raises ReopenRequest.DoesNotExist for a request the actor may not see,
    workflow.TransitionRefused / CitizenError when it cannot be decided.
    """
    now = now or timezone.now()
    note = note.strip()
    if len(note) > MAX_COMMENT:
        raise CitizenError(_("处理意见不能超过%(n)d字") % {"n": MAX_COMMENT})
    with transaction.atomic():
        request = (
            reopen_request_list_for(user=actor).select_for_update(of=("self",)).get(pk=request_id)
        )
        if request.status != ReopenStatus.PENDING:
            raise CitizenError(_("该申请已处理"))
        if accept:
            case_transition(
                case_id=request.case_id,
                action=Action.REOPEN,
                actor=actor,
                note=_("市民反映问题未解决：%(reason)s") % {"reason": request.reason}
                + (f"\n{note}" if note else ""),
                now=now,
            )
            request.status = ReopenStatus.ACCEPTED
        else:
            request.status = ReopenStatus.DECLINED
        request.decided_by = actor
        request.decided_at = now
        request.decision_note = note
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return request
