"""Reads behind the case pages: work queues by role, deadline clocks, what one may do now.

Every list starts from `access.case_list_for`, so a queue never shows a case its user
may not see. Each function runs a fixed number of queries, whatever the data's size.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Final
from urllib.parse import urlencode

from django.db.models import Count, F, FloatField, Min, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingxi.cases import workflow
from jingxi.cases.access import case_list_for
from jingxi.cases.choices import Action, PendingRequest, Status
from jingxi.cases.models import Attachment, Case
from jingxi.lib.geo import haversine_m
from jingxi.lib.workcalendar import WorkCalendar
from jingxi.org.choices import Role
from jingxi.org.models import User
from jingxi.org.roles import OVERSIGHT_ROLES, UNIT_ROLES, Perm, RoleSet
from jingxi.places.selectors import road_ids_chiefed_by

UNIT_STATUSES: Final = (Status.DISPATCHED, Status.HANDLING, Status.SUSPENDED)


# --- queues -------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Tab:
    key: str
    label: str | Promise
    roles: frozenset[Role]  # empty: every staff member who may open the workbench


TABS: Final[tuple[Tab, ...]] = (
    # A queue is for whoever takes its next action (workflow.ACTION_ROLES).
    Tab(key="inbox", label=gettext_lazy("待受理"), roles=workflow.ACTION_ROLES[Action.FILE]),
    Tab(key="dispatch", label=gettext_lazy("待派遣"), roles=workflow.ACTION_ROLES[Action.DISPATCH]),
    Tab(
        key="approvals",
        label=gettext_lazy("待审批"),
        roles=workflow.ACTION_ROLES[Action.APPROVE_EXTENSION],
    ),
    Tab(key="unit", label=gettext_lazy("本单位"), roles=UNIT_ROLES),
    Tab(key="check", label=gettext_lazy("待核实"), roles=workflow.ACTION_ROLES[Action.CHECK]),
    Tab(
        key="verify", label=gettext_lazy("待核查"), roles=workflow.ACTION_ROLES[Action.VERIFY_PASS]
    ),
    Tab(key="roads", label=gettext_lazy("我的道路"), roles=frozenset({Role.ROAD_CHIEF})),
    Tab(
        key="overdue",
        label=gettext_lazy("超期"),
        roles=OVERSIGHT_ROLES,
    ),
    Tab(key="all", label=gettext_lazy("全部案卷"), roles=frozenset()),
)

# Sub-filters of the unit tab.
UNIT_STATES: Final[tuple[tuple[str, str | Promise], ...]] = (
    ("", gettext_lazy("全部在办")),
    ("dispatched", gettext_lazy("待签收")),
    ("handling", gettext_lazy("处置中")),
    ("rework", gettext_lazy("返工")),
)


def tab_list_for(*, roles: RoleSet) -> list[Tab]:
    if not roles.may(Perm.CASES):
        return []
    return [tab for tab in TABS if not tab.roles or roles.has_any(tab.roles)]


@dataclass(frozen=True, kw_only=True)
class QueueFilters:
    status: str = ""
    category_id: int | None = None
    township_id: int | None = None
    road_id: int | None = None
    overdue: bool = False
    open: bool = False  # only open cases (workflow.OPEN)
    q: str = ""
    state: str = ""  # unit tab: dispatched, handling, rework
    near: tuple[float, float] | None = None  # verify tab: (lng, lat) of the browser

    @property
    def active(self) -> bool:
        return bool(
            self.status
            or self.category_id
            or self.township_id
            or self.road_id
            or self.overdue
            or self.open
            or self.q
        )

    def params(self) -> dict[str, str]:
        """The query string that asks for these filters (read back by the queue page)."""
        pairs: dict[str, str | int | None] = {
            "status": self.status,
            "category": self.category_id,
            "township": self.township_id,
            "road": self.road_id,
            "overdue": "1" if self.overdue else "",
            "open": "1" if self.open else "",
            "q": self.q,
            "state": self.state,
        }
        return {k: str(v) for k, v in pairs.items() if v}


def _tab_q(*, user: User, tab: str, roles: RoleSet, state: str) -> Q:
    """The cases of one tab, before the page's filters."""
    if tab == "inbox":
        return Q(status__in=[Status.REPORTED, Status.CHECKING])
    if tab == "check":
        return Q(status=Status.CHECKING)
    if tab == "dispatch":
        return Q(status=Status.FILED)
    if tab == "approvals":
        return ~Q(pending_request=PendingRequest.NONE)
    if tab == "overdue":
        return Q(is_overdue=True, status__in=workflow.OPEN)
    if tab == "unit":
        q = Q(unit_id__in=roles.unit_ids(), status__in=UNIT_STATUSES)
        if state == "dispatched":
            q &= Q(status=Status.DISPATCHED)
        elif state == "handling":
            q &= Q(status=Status.HANDLING, rework_count=0)
        elif state == "rework":
            q &= Q(status=Status.HANDLING, rework_count__gt=0)
        return q
    if tab == "verify":
        return Q(status=Status.HANDLED)
    if tab == "roads":
        return Q(road_id__in=road_ids_chiefed_by(user=user), status__in=workflow.OPEN)
    return Q()


def _filters_q(filters: QueueFilters) -> Q:
    q = Q()
    if filters.status:
        q &= Q(status=filters.status)
    if filters.category_id:
        q &= Q(category_id=filters.category_id) | Q(category__parent_id=filters.category_id)
    if filters.township_id:
        q &= Q(township_id=filters.township_id)
    if filters.road_id:
        q &= Q(road_id=filters.road_id)
    if filters.overdue:
        q &= Q(is_overdue=True)
    if filters.open:
        q &= Q(status__in=workflow.OPEN)
    if filters.q:
        q &= Q(number__startswith=filters.q) | Q(address__contains=filters.q)
    return q


def queue_q(*, user: User, tab: str, roles: RoleSet, filters: QueueFilters) -> Q:
    """Which of the cases `user` sees a queue (tab and filters) holds: the one condition
    that both the queue's rows and every count of it use."""
    return _tab_q(user=user, tab=tab, roles=roles, state=filters.state) & _filters_q(filters)


def case_queue_for(
    *,
    user: User,
    tab: str,
    roles: RoleSet,
    filters: QueueFilters,
) -> QuerySet[Case]:
    """The cases of one work queue, filtered and ordered; lazy (nothing runs yet)."""
    qs = case_list_for(user=user, roles=roles).filter(
        queue_q(user=user, tab=tab, roles=roles, filters=filters)
    )
    if tab in ("inbox", "check"):
        return qs.order_by("reported_at")
    if tab == "dispatch":
        return qs.order_by("stage_deadline", "reported_at")
    if tab == "approvals":
        return qs.order_by("updated_at")
    if tab == "overdue":
        return qs.order_by("stage_deadline")
    if tab == "unit":
        return qs.order_by(F("stage_deadline").asc(nulls_last=True), "reported_at")
    if tab == "verify":
        if filters.near is None:
            return qs.order_by("stage_deadline", "pk")
        lng, lat = filters.near
        # Equirectangular distance is exact enough to order points within a county.
        k = math.cos(math.radians(lat)) ** 2
        distance = (F("lng") - Value(lng)) * (F("lng") - Value(lng)) * Value(k) + (
            F("lat") - Value(lat)
        ) * (F("lat") - Value(lat))
        return qs.annotate(distance2=Cast(distance, FloatField())).order_by("distance2", "pk")
    if tab == "roads":
        return qs.order_by("road__name", F("deadline").asc(nulls_last=True), "reported_at")
    return qs.order_by("-reported_at", "-pk")


@dataclass(frozen=True, kw_only=True)
class WorkCount:
    key: str
    label: str | Promise
    value: int


def _open_or_pending(*, user: User, roles: RoleSet) -> QuerySet[Case]:
    # Every queue holds open cases or pending requests: counting only those rows (through
    # case_status and case_queue_approvals) keeps closed cases, most of a large table,
    # out of the count.
    return (
        case_list_for(user=user, roles=roles)
        .order_by()
        .filter(Q(status__in=workflow.OPEN) | ~Q(pending_request=PendingRequest.NONE))
    )


def work_counts_for(*, user: User, roles: RoleSet) -> list[WorkCount]:
    """The sizes of the user's queues (not "all"), in one query."""
    tabs = [t for t in tab_list_for(roles=roles) if t.key != "all"]
    if not tabs:
        return []
    none = QueueFilters()
    row = _open_or_pending(user=user, roles=roles).aggregate(
        **{
            t.key: Count("pk", filter=queue_q(user=user, tab=t.key, roles=roles, filters=none))
            for t in tabs
        }
    )
    return [WorkCount(key=t.key, label=t.label, value=row[t.key] or 0) for t in tabs]


def first_photos_for(*, case_ids: Sequence[int]) -> dict[int, int]:
    """The first photo (attachment id) of each case that has one, for the queue's
    thumbnails: one query for a page, whatever its size."""
    if not case_ids:
        return {}
    rows = (
        Attachment.objects.filter(case_id__in=case_ids)
        .order_by()
        .values("case_id")
        .annotate(first=Min("id"))
    )
    return {row["case_id"]: row["first"] for row in rows}


@dataclass(frozen=True, kw_only=True)
class QueueLink:
    """A number on a page that is a work queue: its label, the queue and its filters.

    Its count and its URL come from the same `queue_q`, so the number shown is the
    number of rows the link lists.
    """

    key: str
    label: str | Promise
    tab: str
    filters: QueueFilters = field(default_factory=QueueFilters)
    alert: bool = False  # shown in the warning colour when not zero

    @property
    def query(self) -> str:
        return urlencode({"tab": self.tab, **self.filters.params()})


def queue_counts_for(*, user: User, roles: RoleSet, links: Sequence[QueueLink]) -> dict[str, int]:
    """How many cases each of `links` lists for `user`, in one query (none without links).

    Only links to open cases or pending requests (every tab but "all", or "all" with
    `open`) are counted this way.
    """
    if not links:
        return {}
    for link in links:
        if link.tab == "all" and not link.filters.open:
            raise ValueError(f"{link.key}: only open cases are counted")
    row = _open_or_pending(user=user, roles=roles).aggregate(
        **{
            link.key: Count(
                "pk", filter=queue_q(user=user, tab=link.tab, roles=roles, filters=link.filters)
            )
            for link in links
        }
    )
    return {link.key: row[link.key] or 0 for link in links}


@dataclass(frozen=True, kw_only=True)
class RoadCount:
    road_id: int
    open: int
    overdue: int


def road_counts_for(*, user: User, roles: RoleSet) -> dict[int, RoadCount]:
    """Open and overdue cases on each road `user` is a current chief of, as the "roads"
    queue filtered by road (and `overdue`) lists them. One query."""
    overdue = _filters_q(QueueFilters(overdue=True))
    rows = (
        _open_or_pending(user=user, roles=roles)
        .filter(queue_q(user=user, tab="roads", roles=roles, filters=QueueFilters()))
        .values("road_id")
        .annotate(n_open=Count("pk"), n_overdue=Count("pk", filter=overdue))
    )
    return {
        r["road_id"]: RoadCount(road_id=r["road_id"], open=r["n_open"], overdue=r["n_overdue"])
        for r in rows
    }


# --- deadline clocks ----------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Clock:
    """How the current stage's deadline stands, in working time."""

    text: str
    state: str  # "ok", "soon", "late", "none"
    short: str = ""  # the same at a glance: 剩 3 小时, 超期 2 天


def _hours_text(seconds: float) -> str:
    hours = seconds / 3600
    if hours >= 10:
        return f"{hours:.0f}"
    return f"{hours:.1f}"


def _short_amount(seconds: float, day_seconds: float) -> str:
    """Whole working days from one working day on, else whole hours (at least 1)."""
    if day_seconds > 0 and seconds >= day_seconds:
        return _("%(n)d 天") % {"n": int(seconds // day_seconds)}
    return _("%(n)d 小时") % {"n": max(1, math.ceil(seconds / 3600))}


def deadline_clock(*, case: Case, calendar: WorkCalendar, now: dt.datetime | None = None) -> Clock:
    deadline = case.stage_deadline
    if deadline is None or case.status not in workflow.OPEN:
        return Clock(text="", state="none")
    now = now or timezone.now()
    day = calendar.working_day_length.total_seconds()
    if deadline <= now:
        late = calendar.working_seconds_between(deadline, now)
        return Clock(
            text=_("超期 %(h)s 工作小时") % {"h": _hours_text(late)},
            state="late",
            short=_("超期 %(t)s") % {"t": _short_amount(late, day)},
        )
    left = calendar.working_seconds_between(now, deadline)
    state = "soon" if left <= 3600 else "ok"
    return Clock(
        text=_("剩余 %(h)s 工作小时") % {"h": _hours_text(left)},
        state=state,
        short=_("剩 %(t)s") % {"t": _short_amount(left, day)},
    )


# --- duplicates for a page of the inbox -----------------------------------------------


def duplicates_for_page(
    *, cases: Sequence[Case], radius_m: float, window_hours: int, limit: int = 5
) -> dict[int, list[Case]]:
    """Suspected duplicates of each case of a page, in one query (see case_duplicates_for)."""
    if not cases:
        return {}
    pad_lat = radius_m / 111_320.0
    pad_lng = max(radius_m / (111_320.0 * max(math.cos(math.radians(c.lat)), 0.01)) for c in cases)
    since = min(c.reported_at for c in cases) - dt.timedelta(hours=window_hours)
    jurisdiction_ids = {c.jurisdiction_id for c in cases}
    candidates = list(
        Case.objects.filter(
            jurisdiction_id__in=jurisdiction_ids,
            category_id__in={c.category_id for c in cases},
            reported_at__gte=since,
            lng__range=(min(c.lng for c in cases) - pad_lng, max(c.lng for c in cases) + pad_lng),
            lat__range=(min(c.lat for c in cases) - pad_lat, max(c.lat for c in cases) + pad_lat),
            status__in=[*workflow.OPEN, *workflow.CLOSED],
        )
        .only("pk", "number", "status", "category_id", "lng", "lat", "reported_at")
        .order_by("reported_at")[:1000]
    )
    found: dict[int, list[Case]] = {}
    for case in cases:
        start = case.reported_at - dt.timedelta(hours=window_hours)
        near = [
            c
            for c in candidates
            if c.pk != case.pk
            and c.category_id == case.category_id
            and c.reported_at >= start
            and haversine_m(case.lng, case.lat, c.lng, c.lat) <= radius_m
        ]
        if near:
            found[case.pk] = near[:limit]
    return found


# --- what the user may do now ---------------------------------------------------------


PHOTO_KIND: Final[Mapping[Action, str]] = {
    Action.REPORT_BACK: "after",
    Action.SELF_HANDLE: "after",
    Action.VERIFY_PASS: "other",
    Action.VERIFY_FAIL: "other",
}
# Actions that end or refuse something: shown with a warning colour.
DANGER: Final = frozenset(
    {
        Action.REJECT,
        Action.RETURN,
        Action.VERIFY_FAIL,
        Action.REFUSE_EXTENSION,
        Action.REFUSE_SUSPENSION,
        Action.REFUSE_VOID,
        Action.APPROVE_VOID,
        Action.REQUEST_VOID,
    }
)


@dataclass(frozen=True, kw_only=True)
class ActionChoice:
    action: Action
    label: str
    note_required: bool
    unit: bool = False
    merge: bool = False
    hours: bool = False  # extension hours: required on request, optional on approval
    hours_required: bool = False
    photos: str = ""  # attachment kind, or "" for no photo field
    danger: bool = False
    requested_hours: str = ""
    likely: bool = False  # the one the page opens: `workflow.action_likely`
    extra: dict[str, str] = field(default_factory=dict)


def action_choices_for(
    *,
    case: Case,
    roles: RoleSet,
    merge_targets: Sequence[Case] = (),
    requested_hours: str = "",
) -> list[ActionChoice]:
    """The actions the table allows now, that the user's roles permit and guards admit:
    the one the status most likely asks for first (marked `likely`), then the others in
    the table's order.

    The service checks again on POST; this only decides which forms the page shows.
    """
    choices: list[ActionChoice] = []
    for action in workflow.actions_from(Status(case.status)):
        if not workflow.action_permitted(action=action, roles=roles, unit_id=case.unit_id):
            continue
        if action in workflow.REQUEST_OF and case.pending_request:
            continue
        if action in workflow.DECISION_OF and case.pending_request != workflow.DECISION_OF[action]:
            continue
        if action == Action.MERGE and not merge_targets:
            continue
        choices.append(
            ActionChoice(
                action=action,
                label=str(action.label),
                note_required=action in workflow.NOTE_REQUIRED,
                unit=action == Action.DISPATCH,
                merge=action == Action.MERGE,
                hours=action in (Action.REQUEST_EXTENSION, Action.APPROVE_EXTENSION),
                hours_required=action == Action.REQUEST_EXTENSION,
                photos=PHOTO_KIND.get(action, ""),
                danger=action in DANGER,
                requested_hours=requested_hours if action == Action.APPROVE_EXTENSION else "",
            )
        )
    likely = workflow.action_likely(Status(case.status), (c.action for c in choices))
    return sorted(
        (replace(c, likely=True) if c.action == likely else c for c in choices),
        key=lambda c: not c.likely,
    )
