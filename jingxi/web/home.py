"""The home page's work: one section per role the user holds, every number a link.

A section's counts are work queues (`cases.queues.QueueLink`): the number and the link
come from the same condition, so the number on a tile is the number of rows its link
lists. Rates and the month's figures are the indicator registry's (`jingxi.indicators`),
read, never counted here; they link to the portal's figures or the cases behind them.

Queries: one aggregate for every queue number of every section, one short list per
section that has one, one aggregate of the registry per section that shows indicators,
the road chief's roads and their counts; none grows with the data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jingxi.cases import queues
from jingxi.cases.models import Case
from jingxi.cases.queues import QueueFilters, QueueLink
from jingxi.indicators.registry import Value, Window, indicator_get, indicators_compute
from jingxi.lib.workcalendar import WorkCalendar
from jingxi.org.choices import Role
from jingxi.org.models import Jurisdiction, User
from jingxi.org.roles import Perm, RoleSet
from jingxi.org.services import calendar_get
from jingxi.public.portal.selectors import Period, period_get
from jingxi.web.selectors import road_list_for_chief

#: How many cases a section lists (nearest deadlines, longest overdue).
LIST_SIZE: Final = 5
#: The registry's indicators the leader's section shows for this month.
LEADER_INDICATORS: Final = ("reported", "closed", "on_time_closure_rate", "satisfaction_rate")
#: The unit head's rate of this month (按期结案率), the registry's.
UNIT_RATE: Final = "on_time_closure_rate"


@dataclass(frozen=True, kw_only=True)
class Figure:
    """One number of a section and the page that lists what it counts."""

    key: str
    label: str | Promise
    value: str
    url: str = ""
    alert: bool = False
    note: str | Promise = ""


@dataclass(frozen=True, kw_only=True)
class CaseRow:
    case: Case
    clock: queues.Clock


@dataclass(frozen=True, kw_only=True)
class RoadRow:
    road_id: int
    name: str
    code: str
    level_label: str
    open: Figure
    overdue: Figure


@dataclass(kw_only=True)
class Section:
    key: str  # the role: dispatcher, handler, unit_head, inspector, road_chief, leader, work
    title: str | Promise
    figures: list[Figure] = field(default_factory=list)
    list_title: str | Promise = ""
    rows: list[CaseRow] = field(default_factory=list)
    list_empty: str | Promise = ""
    more_url: str = ""
    roads: list[RoadRow] = field(default_factory=list)


# --- what each role's section counts ------------------------------------------------

UNIT_OVERDUE: Final = QueueFilters(overdue=True)

DISPATCHER_LINKS: Final = (
    QueueLink(key="d_inbox", label=_("待受理"), tab="inbox"),
    QueueLink(key="d_dispatch", label=_("待派遣"), tab="dispatch"),
    QueueLink(key="d_approvals", label=_("待审批"), tab="approvals"),
    QueueLink(key="d_overdue", label=_("超期案卷"), tab="overdue", alert=True),
)
HANDLER_LINKS: Final = (
    QueueLink(
        key="h_accept", label=_("待签收"), tab="unit", filters=QueueFilters(state="dispatched")
    ),
    QueueLink(
        key="h_handle", label=_("待处置反馈"), tab="unit", filters=QueueFilters(state="handling")
    ),
    QueueLink(
        key="h_rework", label=_("返工待反馈"), tab="unit", filters=QueueFilters(state="rework")
    ),
    QueueLink(key="h_overdue", label=_("超期"), tab="unit", filters=UNIT_OVERDUE, alert=True),
)
HEAD_LINKS: Final = (
    QueueLink(key="u_backlog", label=_("本单位在办"), tab="unit"),
    QueueLink(key="u_overdue", label=_("本单位超期"), tab="unit", filters=UNIT_OVERDUE, alert=True),
)
INSPECTOR_LINKS: Final = (
    QueueLink(key="i_check", label=_("待核实"), tab="check"),
    QueueLink(key="i_verify", label=_("待核查"), tab="verify"),
)
ROAD_CHIEF_LINKS: Final = (
    QueueLink(key="r_open", label=_("道路上在办案卷"), tab="roads"),
    QueueLink(
        key="r_overdue", label=_("道路上超期案卷"), tab="roads", filters=UNIT_OVERDUE, alert=True
    ),
)
LEADER_LINKS: Final = (
    QueueLink(key="l_open", label=_("全县在办"), tab="all", filters=QueueFilters(open=True)),
    QueueLink(key="l_overdue", label=_("全县超期"), tab="overdue", alert=True),
)
SECTION_LINKS: Final[dict[str, tuple[QueueLink, ...]]] = {
    "dispatcher": DISPATCHER_LINKS,
    "handler": HANDLER_LINKS,
    "unit_head": HEAD_LINKS,
    "inspector": INSPECTOR_LINKS,
    "road_chief": ROAD_CHIEF_LINKS,
    "leader": LEADER_LINKS,
}
#: The sections, in the order a user holding several roles sees them: the overview
#: first, then the desk, the unit, the street.
SECTION_ROLES: Final[dict[str, Role]] = {
    "leader": Role.LEADER,
    "dispatcher": Role.DISPATCHER,
    "unit_head": Role.UNIT_HEAD,
    "handler": Role.UNIT_HANDLER,
    "inspector": Role.INSPECTOR,
    "road_chief": Role.ROAD_CHIEF,
}
SECTION_TITLES: Final[dict[str, str | Promise]] = {
    "dispatcher": _("受理派遣"),
    "handler": _("我的办理"),
    "unit_head": _("本单位"),
    "inspector": _("核实核查"),
    "road_chief": _("我的道路"),
    "leader": _("全县概况"),
    "work": _("我的待办"),
}


#: The list each section shows: its title, what it says when empty, and its queue.
LISTS: Final[dict[str, tuple[str | Promise, str | Promise, QueueLink]]] = {
    "dispatcher": (_("超期最久"), _("没有超期案卷"), DISPATCHER_LINKS[3]),
    "handler": (
        _("最近到期"),
        _("本单位没有在办案卷"),
        QueueLink(key="h_all", label="", tab="unit"),
    ),
    "unit_head": (_("超期案卷"), _("本单位没有超期案卷"), HEAD_LINKS[1]),
    "inspector": (_("最近到期的核查"), _("没有待核查的案卷"), INSPECTOR_LINKS[1]),
}


def queue_url(link: QueueLink) -> str:
    return f"{reverse('cases:case-list')}?{link.query}"


def _figure(link: QueueLink, counts: dict[str, int]) -> Figure:
    n = counts[link.key]
    return Figure(
        key=link.key,
        label=link.label,
        value=str(n),
        url=queue_url(link),
        alert=link.alert and n > 0,
    )


def _rows(
    *, user: User, roles: RoleSet, link: QueueLink, calendar: WorkCalendar, now: dt.datetime
) -> list[CaseRow]:
    """The first cases of a queue, in the queue's order. One query."""
    cases = queues.case_queue_for(user=user, tab=link.tab, roles=roles, filters=link.filters)
    return [
        CaseRow(case=c, clock=queues.deadline_clock(case=c, calendar=calendar, now=now))
        for c in cases.prefetch_related(None)[:LIST_SIZE]
    ]


def month_of(*, jurisdiction: Jurisdiction, now: dt.datetime) -> Period:
    """This month in the jurisdiction's own time."""
    today = now.astimezone(ZoneInfo(jurisdiction.time_zone)).date()
    return period_get(jurisdiction=jurisdiction, year=today.year, month=today.month)


def _percent(value: Value) -> str:
    rate = value.percent()
    return "—" if rate is None else f"{rate:g}%"


def _leader_figures(*, jurisdiction: Jurisdiction, now: dt.datetime) -> list[Figure]:
    """This month's county figures from the registry, linked to the cases behind them
    (the portal's office trace) or to the portal's figures. One query."""
    month = month_of(jurisdiction=jurisdiction, now=now)
    (found,) = indicators_compute(
        codes=LEADER_INDICATORS,
        jurisdiction_id=jurisdiction.pk,
        windows=[Window(start=month.start, end=month.end, as_of=now)],
    )
    period = {"year": month.year, "month": month.month}

    def value(code: str) -> Value:
        empty = Value(0, 0) if indicator_get(code).denominator else Value(0)
        return found.get(code, {}).get(None, empty)

    figures_url = f"{reverse('public:figures')}?{urlencode(period)}"

    def count(key: str, label: str | Promise, code: str, measure: str) -> Figure:
        url = f"{reverse('public:staff-trace')}?{urlencode({'measure': measure, **period})}"
        return Figure(key=key, label=label, value=str(value(code).numerator), url=url)

    def rate(key: str, code: str) -> Figure:
        v = value(code)
        return Figure(
            key=key,
            label=indicator_get(code).name,
            value=_percent(v),
            url=figures_url,
            note=f"{v.numerator}/{v.denominator or 0}",
        )

    return [
        count("l_reported", _("本月受理"), "reported", "received"),
        count("l_closed", _("本月结案"), "closed", "closed"),
        rate("l_on_time", "on_time_closure_rate"),
        rate("l_satisfaction", "satisfaction_rate"),
    ]


def _unit_rate(*, jurisdiction: Jurisdiction, unit_ids: frozenset[int], now: dt.datetime) -> Figure:
    """This month's 按期结案率 of the user's units, from the registry. One query."""
    month = month_of(jurisdiction=jurisdiction, now=now)
    (found,) = indicators_compute(
        codes=[UNIT_RATE],
        jurisdiction_id=jurisdiction.pk,
        windows=[Window(start=month.start, end=month.end, as_of=now)],
        by="unit",
    )
    total = Value(0, 0)
    for unit_id, value in found.get(UNIT_RATE, {}).items():
        if unit_id in unit_ids:
            total = total + value
    return Figure(
        key="u_on_time",
        label=_("本月%(name)s") % {"name": indicator_get(UNIT_RATE).name},
        value=_percent(total),
        note=f"{total.numerator}/{total.denominator or 0}",
    )


def _roads(*, user: User, roles: RoleSet) -> list[RoadRow]:
    """Each road the user is a current chief of, once, with its open and overdue cases
    (the "roads" queue filtered by the road), those with work first. Two queries."""
    counts = queues.road_counts_for(user=user, roles=roles)
    rows: dict[int, RoadRow] = {}
    for road in road_list_for_chief(user=user):
        if road.road_id in rows:
            continue
        n = counts.get(road.road_id)
        open_link = QueueLink(
            key=f"road-{road.road_id}",
            label="",
            tab="roads",
            filters=QueueFilters(road_id=road.road_id),
        )
        overdue_link = QueueLink(
            key=f"road-{road.road_id}-overdue",
            label="",
            tab="roads",
            filters=QueueFilters(road_id=road.road_id, overdue=True),
            alert=True,
        )
        rows[road.road_id] = RoadRow(
            road_id=road.road_id,
            name=road.road_name,
            code=road.road_code,
            level_label=road.level_label,
            open=_figure(open_link, {open_link.key: n.open if n else 0}),
            overdue=_figure(overdue_link, {overdue_link.key: n.overdue if n else 0}),
        )
    # The roads with work first (overdue, then open), then by name.
    return sorted(rows.values(), key=lambda r: (-int(r.overdue.value), -int(r.open.value), r.name))


def home_sections_for(
    *, user: User, roles: RoleSet, jurisdiction: Jurisdiction, now: dt.datetime | None = None
) -> list[Section]:
    """The sections of the roles `user` holds, in the order of SECTION_ROLES; a user with
    a workbench but none of those roles gets their queues' sizes ("work")."""
    if not roles.may(Perm.CASES):
        return []
    now = now or timezone.now()
    keys = [key for key, role in SECTION_ROLES.items() if role in roles]
    tabs = {t.key for t in queues.tab_list_for(roles=roles)}
    links = [link for key in keys for link in SECTION_LINKS[key] if link.tab in tabs]
    counts = queues.queue_counts_for(user=user, roles=roles, links=links)
    calendar = calendar_get(jurisdiction=jurisdiction, fresh=True)
    sections: list[Section] = []
    for key in keys:
        section = Section(
            key=key,
            title=SECTION_TITLES[key],
            figures=[_figure(link, counts) for link in SECTION_LINKS[key] if link.key in counts],
        )
        if key in LISTS and LISTS[key][2].tab in tabs:
            title, empty, link = LISTS[key]
            section.list_title, section.list_empty = title, empty
            section.rows = _rows(user=user, roles=roles, link=link, calendar=calendar, now=now)
            section.more_url = queue_url(link)
        if key == "unit_head":
            section.figures.append(
                _unit_rate(
                    jurisdiction=jurisdiction,
                    unit_ids=roles.unit_ids(frozenset({Role.UNIT_HEAD})),
                    now=now,
                )
            )
        elif key == "road_chief":
            section.roads = _roads(user=user, roles=roles)
        elif key == "leader":
            section.figures.extend(_leader_figures(jurisdiction=jurisdiction, now=now))
        sections.append(section)
    if not sections:
        work = queues.work_counts_for(user=user, roles=roles)
        if work:
            sections.append(
                Section(
                    key="work",
                    title=SECTION_TITLES["work"],
                    figures=[
                        Figure(
                            key=w.key,
                            label=w.label,
                            value=str(w.value),
                            url=queue_url(QueueLink(key=w.key, label=w.label, tab=w.key)),
                            alert=w.key == "overdue" and w.value > 0,
                        )
                        for w in work
                    ],
                )
            )
    return sections


def section_links(sections: Sequence[Section]) -> list[Figure]:
    """Every linked number of `sections` (tests hold each to the rows its link lists)."""
    found = [f for s in sections for f in s.figures if f.url]
    for s in sections:
        for road in s.roads:
            found += [road.open, road.overdue]
    return found
