"""Citizens' public-safe reads, and the dispatcher's lists of their requests.

- The number alone shows the public-safe view (`case_public_get`, `case_public_timeline`):
  status in plain words, category, address, the units it went to, milestones. Never a
  staff member's name, a note, the reporter's contact, nor another case's data.
- With the tracking token, the reporter also sees the case's before and after photos
  (`case_public_photos`): never the other photos (verification, documents), never who
  took them.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Final

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingxi.cases.choices import Action, EventKind, Status
from jingxi.cases.models import Attachment, AttachmentKind, Case, CaseEvent
from jingxi.cases.services import loop_settings_get
from jingxi.org.models import Jurisdiction, User
from jingxi.org.roles import Perm, roles_for
from jingxi.public.citizen.choices import PUBLIC_SOURCES, ReopenStatus
from jingxi.public.citizen.models import Feedback, ReopenRequest


def case_public_get(*, jurisdiction: Jurisdiction, number: str) -> Case:
    """The case of that number that a citizen may follow; Case.DoesNotExist otherwise."""
    return Case.objects.select_related("category", "category__parent", "unit").get(
        jurisdiction=jurisdiction, number=number.strip(), source__in=PUBLIC_SOURCES
    )


def token_matches(*, case: Case, token: str) -> bool:
    """True when `token` is the case's tracking token (compared in constant time)."""
    return bool(case.tracking_token) and secrets.compare_digest(
        case.tracking_token.encode(), token.strip().encode()
    )


@dataclass(frozen=True)
class PublicStatus:
    label: str
    kind: str  # "open", "done" or "ended": the page's colour


_STATUS_WORDS: Final[dict[str, tuple[Promise, str]]] = {
    Status.REPORTED: (gettext_lazy("已受理，待立案"), "open"),
    Status.CHECKING: (gettext_lazy("已受理，核实中"), "open"),
    Status.FILED: (gettext_lazy("已立案，待派遣"), "open"),
    Status.DISPATCHED: (gettext_lazy("已派遣"), "open"),
    Status.HANDLING: (gettext_lazy("处置中"), "open"),
    Status.SUSPENDED: (gettext_lazy("处置中"), "open"),
    Status.HANDLED: (gettext_lazy("已处置待核查"), "open"),
    Status.CLOSED: (gettext_lazy("已办结"), "done"),
    Status.REJECTED: (gettext_lazy("不予立案"), "ended"),
    Status.MERGED: (gettext_lazy("已与同一问题合并办理"), "ended"),
    Status.VOIDED: (gettext_lazy("已终止办理"), "ended"),
}


def case_public_status(*, case: Case) -> PublicStatus:
    label, kind = _STATUS_WORDS[case.status]
    return PublicStatus(label=str(label), kind=kind)


# Events a citizen sees, in their words. Everything else (returns, requests, refusals,
# deadline warnings, escalation) is internal and left out; notes are never shown.
_EVENT_WORDS: Final[dict[str, Promise]] = {
    EventKind.REPORT: gettext_lazy("已受理"),
    Action.REQUEST_CHECK: gettext_lazy("安排现场核实"),
    Action.CHECK: gettext_lazy("已核实"),
    Action.FILE: gettext_lazy("已立案"),
    Action.REJECT: gettext_lazy("不予立案"),
    Action.MERGE: gettext_lazy("已与同一问题合并办理"),
    Action.DISPATCH: gettext_lazy("已派遣至%(unit)s"),
    Action.ACCEPT: gettext_lazy("处置中"),
    Action.APPROVE_EXTENSION: gettext_lazy("处置期限已延长"),
    Action.APPROVE_SUSPENSION: gettext_lazy("暂缓处置"),
    Action.RESUME: gettext_lazy("恢复处置"),
    Action.REPORT_BACK: gettext_lazy("已处置待核查"),
    Action.VERIFY_PASS: gettext_lazy("已办结"),
    Action.VERIFY_FAIL: gettext_lazy("核查未通过，返工处置中"),
    Action.SELF_HANDLE: gettext_lazy("已办结"),
    Action.APPROVE_VOID: gettext_lazy("已终止办理"),
    Action.REOPEN: gettext_lazy("重新立案办理"),
}


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    text: str


def case_public_timeline(*, case: Case) -> list[TimelineEntry]:
    """The public-safe milestones of the case, oldest first. One query.

    Only the action, its time and (for a dispatch) the receiving unit's name, a public
    body: no actor, no note, no data.
    """
    rows = (
        CaseEvent.objects.filter(case=case, action__in=list(_EVENT_WORDS))
        .order_by("at", "id")
        .values_list("action", "at", "unit__name")
    )
    entries: list[TimelineEntry] = []
    for action, at, unit_name in rows:
        words = str(_EVENT_WORDS[action])
        if action == Action.DISPATCH:
            words = words % {"unit": unit_name or _("责任单位")}
        entries.append(TimelineEntry(at=at, text=words))
    return entries


# Photo kinds the reporter may see: what was reported (before) and the unit's result
# (after, at report back or self-handling). "other" photos (the inspector's at
# verification, documents) are staff material and stay off public pages.
PUBLIC_PHOTO_KINDS: Final = (AttachmentKind.BEFORE, AttachmentKind.AFTER)


def case_public_photos(*, case: Case) -> list[Attachment]:
    """The case's before and after photos, oldest first. One query; reads no uploader."""
    return list(
        Attachment.objects.filter(case=case, kind__in=PUBLIC_PHOTO_KINDS)
        .only("id", "case", "kind", "file", "uploaded_at")
        .order_by("uploaded_at", "id")
    )


def case_public_photo_get(*, case: Case, attachment_id: int) -> Attachment:
    """One of those photos; Attachment.DoesNotExist for any other (another case's, or a
    staff-only kind)."""
    return Attachment.objects.only("id", "case", "kind", "file").get(
        pk=attachment_id, case=case, kind__in=PUBLIC_PHOTO_KINDS
    )


def reopen_window_end(*, case: Case) -> dt.datetime | None:
    """Until when the reporter may say a closed case is not fixed; None if not closed."""
    if case.status != Status.CLOSED or case.closed_at is None:
        return None
    days = loop_settings_get(jurisdiction=case.jurisdiction).reopen_window_days
    return case.closed_at + dt.timedelta(days=days)


def reopen_request_open_since_closure(*, case: Case) -> ReopenRequest | None:
    """The reporter's request about the current closure, if they made one."""
    if case.closed_at is None:
        return None
    return ReopenRequest.objects.filter(case=case, at__gte=case.closed_at).order_by("-at").first()


# --- the dispatcher's side ------------------------------------------------------------


def is_dispatcher(*, user: User) -> bool:
    """Whether `user` decides citizens' "not fixed" requests (`Perm.REOPEN_DECIDE`)."""
    return roles_for(user=user).may(Perm.REOPEN_DECIDE)


def reopen_request_list_for(*, user: User) -> QuerySet[ReopenRequest]:
    """The requests of the dispatcher's jurisdiction, pending first; none for others."""
    if not is_dispatcher(user=user):
        return ReopenRequest.objects.none()
    return (
        ReopenRequest.objects.filter(case__jurisdiction=user.jurisdiction)
        .select_related("case", "case__category", "decided_by")
        .order_by("-status", "-at")  # "pending" > "declined" > "accepted"
    )


def feedback_list_for(*, user: User) -> QuerySet[Feedback]:
    """Ratings of the dispatcher's jurisdiction, newest first; none for others."""
    if not is_dispatcher(user=user):
        return Feedback.objects.none()
    return (
        Feedback.objects.filter(case__jurisdiction=user.jurisdiction)
        .select_related("case", "case__category", "case__unit")
        .order_by("-at")
    )


def reopen_request_pending_count(*, user: User) -> int:
    return reopen_request_list_for(user=user).filter(status=ReopenStatus.PENDING).count()
