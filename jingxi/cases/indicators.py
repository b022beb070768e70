"""The indicators cases own, defined on the event history (`CaseEvent`).

Registered with `jingxi.indicators` from `CasesConfig.ready()`. Each measure counts
events of the jurisdiction's cases in a window [start, end) read as of `as_of` (an event
after `as_of` has not happened yet); where a measure counts cases, exactly one event per
case qualifies. The definitions (DOMAIN.md, CJ/T 292 practice):

- 受理数 (reported): cases reported in the period (their `report` event), whatever became
  of them.
- 问题数 (problems): reported cases that were not rejected, merged or voided (by `as_of`).
- 立案数 (filed): cases filed for the first time in the period (立案, or an inspector's
  self-handling, which files and closes at once); a reopened case is not filed again.
- 结案数 (closed): cases whose closing (核查通过 or 自处理结案) fell in the period and
  that were not reopened afterwards (by `as_of`): a case closed, reopened and closed
  again counts once, at its last closing.
- 按期结案数 (closed on time): closed cases whose closing was no later than the handling
  deadline in force then (set by the last dispatch, extension, resumption or rework
  order; a case closed without dispatch has no unit clock and is on time).
- 超时未结案数 (late open): cases still open at `as_of`, not suspended (挂账 leaves the
  count, as many schemes do), whose deadline in force fell in [start, min(end, as_of)).
- 超期结案数 (closed late): closed cases (as 结案数) whose closing was later than the
  handling deadline in force then; 超期数 (overdue) = 超期结案数 + 超时未结案数: DOMAIN.md's
  超期处置数 and 超期未处置数 together, the open ones as 超时未结案数 counts them (the
  deadline fell in the period, so a case late for months counts in the month it fell
  due, not again in every later one).
- 应结案数 (due) = 结案数 + 超时未结案数; 结案率 = 结案数 / 应结案数; 按期结案率 =
  按期结案数 / 应结案数.
- 处置数 (handled): handling reports (处置反馈) in the period, each one (a reworked case
  reports again); 返工数 (rework): failed verifications (返工) in the period; 返工率 =
  返工数 / 处置数.
- 派遣数 (dispatches): dispatches in the period, re-dispatches included; 退单数 (returns):
  returns in the period; 退单率 = 退单数 / 派遣数; 延期数: approved extensions in the
  period; 延期率 = 延期数 / 派遣数.
- 平均处置时长 (mean handling time, working hours): over the cases whose last handling
  report (处置反馈) fell in the period and that were not dispatched again since (by
  `as_of`; a reworked case counts once, at its last report), the working time from the
  dispatch in force to that report (the jurisdiction's work calendar, suspensions
  included; whole seconds summed, the mean given in hours), as the report's event
  recorded it (`data.handling_seconds`, written by
  `effects.handling_time_record`: SQL cannot walk the calendar). Reports written before
  that key existed have no amount and are left out of both sums.
Voided and merged cases end without a deadline: they never become due, and count only
as received (and in 结案数 if closed before, which they cannot be).

`Case`'s columns (closed_at, deadline, status) are indexes of these for speed and never
a second definition: jingxi/indicators/tests/test_case_indicators.py holds the two
equal on generated histories.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from django.db.models import (
    BigIntegerField,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import GreaterThanOrEqual, LessThan
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jingxi.cases import workflow
from jingxi.cases.choices import Action, EventKind, Status
from jingxi.cases.models import CaseEvent
from jingxi.indicators.registry import (
    Indicator,
    Measure,
    Source,
    Unit,
    Window,
    indicator_register,
)

REPORT: Final = EventKind.REPORT
CLOSING: Final = (Action.VERIFY_PASS, Action.SELF_HANDLE)
FILING: Final = (Action.FILE, Action.SELF_HANDLE)
# Events that set the handling deadline (their data holds it) and those that clear it.
DEADLINE_SET: Final = (
    Action.DISPATCH,
    Action.APPROVE_EXTENSION,
    Action.RESUME,
    Action.VERIFY_FAIL,
)
DEADLINE_CLEAR: Final = (Action.RETURN, Action.REOPEN)
# Statuses in which a passed deadline does not make a case due (超时未结案).
NOT_DUE: Final = frozenset({Status.SUSPENDED}) | workflow.CLOSED | workflow.ENDED_WITHOUT_CASE


def _events(jurisdiction_id: int) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(case__jurisdiction_id=jurisdiction_id)


def _deadline() -> Cast:
    """The deadline an event set (data.deadline, ISO 8601), as a datetime."""
    return Cast(KT("data__deadline"), DateTimeField())


def _same_case(*, as_of: object) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(case_id=OuterRef("case_id"), at__lte=as_of)


def _narrow(w: Window) -> Q:
    # Events in the period, plus the deadline-setting events before its end (a case
    # falls due in the period by a deadline set earlier).
    return Q(at__gte=w.start, at__lt=w.until) | Q(action__in=DEADLINE_SET, at__lt=w.until)


EVENTS: Final = Source(
    code="case_events",
    rows=_events,
    dimensions={
        "township": "case__township_id",
        "grid": "case__grid_id",
        "category": "case__category_id",
        "unit": "unit_id",
    },
    narrow=_narrow,
    subject="case_id",
)


def _in(w: Window) -> Q:
    return Q(at__gte=w.start, at__lt=w.until)


def reported_q(w: Window) -> Q:
    return _in(w) & Q(action=REPORT)


def problems_q(w: Window) -> Q:
    ended = _same_case(as_of=w.as_of).filter(to_status__in=workflow.ENDED_WITHOUT_CASE)
    return reported_q(w) & Q(~Exists(ended))


def filed_q(w: Window) -> Q:
    earlier = _same_case(as_of=w.as_of).filter(action__in=FILING, id__lt=OuterRef("id"))
    return _in(w) & Q(action__in=FILING) & Q(~Exists(earlier))


def closed_q(w: Window) -> Q:
    reopened = _same_case(as_of=w.as_of).filter(action=Action.REOPEN, id__gt=OuterRef("id"))
    return _in(w) & Q(action__in=CLOSING) & Q(~Exists(reopened))


def _deadline_in_force() -> Subquery:
    # The deadline in force at an event: that of the last event before it that set or
    # cleared one (NULL when cleared or never set: no unit clock).
    return Subquery(
        CaseEvent.objects.filter(
            case_id=OuterRef("case_id"),
            id__lt=OuterRef("id"),
            action__in=(*DEADLINE_SET, *DEADLINE_CLEAR),
        )
        .order_by("-id")
        .values_list(_deadline())[:1]
    )


def closed_on_time_q(w: Window) -> Q:
    # Without a deadline in force (no unit clock) a closing is on time.
    return closed_q(w) & Q(at__lte=Coalesce(_deadline_in_force(), F("at")))


def closed_late_q(w: Window) -> Q:
    # NULL (no deadline in force) compares false: never late.
    return closed_q(w) & Q(at__gt=_deadline_in_force())


HANDLING_KEY: Final = "handling_seconds"


def handled_last_q(w: Window) -> Q:
    # The case's last handling report by `as_of`, with no dispatch after it.
    later = _same_case(as_of=w.as_of).filter(
        action__in=(Action.REPORT_BACK, Action.DISPATCH), id__gt=OuterRef("id")
    )
    return _in(w) & Q(action=Action.REPORT_BACK, data__has_key=HANDLING_KEY) & Q(~Exists(later))


def handling_seconds() -> Cast:
    """A handling report's whole working seconds since the dispatch in force."""
    return Cast(KT(f"data__{HANDLING_KEY}"), BigIntegerField())


def late_open_q(w: Window) -> Q:
    # The deadline-setting event still in force at `as_of` (no later event set, cleared
    # or ended it, nor suspended or closed the case), its deadline passed in the period.
    superseded = _same_case(as_of=w.as_of).filter(
        Q(action__in=(*DEADLINE_SET, *DEADLINE_CLEAR)) | Q(to_status__in=NOT_DUE),
        id__gt=OuterRef("id"),
    )
    return (
        Q(action__in=DEADLINE_SET, at__lte=w.as_of)
        & Q(GreaterThanOrEqual(_deadline(), w.start))
        & Q(LessThan(_deadline(), w.until))
        & Q(~Exists(superseded))
    )


def _action(action: Action) -> Callable[[Window], Q]:
    def q(w: Window) -> Q:
        return _in(w) & Q(action=action)

    return q


def _measure(
    code: str, name: str | Promise, description: str | Promise, q: Callable[[Window], Q]
) -> Measure:
    return Measure(code=code, name=name, description=description, source=EVENTS, q=q)


REPORTED: Final = _measure(
    "cases.reported", _("受理数"), _("期内上报的案卷，无论其后如何处理"), reported_q
)
PROBLEMS: Final = _measure(
    "cases.problems", _("问题数"), _("期内上报且未被不予立案、合并或作废的案卷"), problems_q
)
FILED: Final = _measure(
    "cases.filed", _("立案数"), _("期内首次立案（含自处理结案）的案卷；重新立案不重复计"), filed_q
)
CLOSED: Final = _measure(
    "cases.closed", _("结案数"), _("期内结案且其后未重新立案的案卷，按最后一次结案计"), closed_q
)
CLOSED_ON_TIME: Final = _measure(
    "cases.closed_on_time",
    _("按期结案数"),
    _("结案不晚于当时有效处置时限的结案案卷；未派遣即结案的视为按期"),
    closed_on_time_q,
)
LATE_OPEN: Final = _measure(
    "cases.late_open",
    _("超时未结案数"),
    _("截至统计时点仍未结案（挂账除外）、有效处置时限落在期内且已过的案卷"),
    late_open_q,
)
CLOSED_LATE: Final = _measure(
    "cases.closed_late",
    _("超期结案数"),
    _("结案晚于当时有效处置时限的结案案卷"),
    closed_late_q,
)
HANDLED_CASES: Final = _measure(
    "cases.handled_last",
    _("处置完毕案卷数"),
    _("期内最后一次处置反馈且其后未再派遣的案卷"),
    handled_last_q,
)
HANDLING_SECONDS: Final = Measure(
    code="cases.handling_seconds",
    name=_("处置时长合计"),
    description=_("上述案卷自当时有效的派遣至最后一次处置反馈的工作时长之和（秒）"),
    source=EVENTS,
    q=handled_last_q,
    amount=handling_seconds,
)
HANDLED: Final = _measure(
    "cases.handled",
    _("处置数"),
    _("期内的处置反馈次数（返工后再次反馈另计）"),
    _action(Action.REPORT_BACK),
)
REWORKED: Final = _measure(
    "cases.reworked", _("返工数"), _("期内核查不通过（返工）的次数"), _action(Action.VERIFY_FAIL)
)
DISPATCHED: Final = _measure(
    "cases.dispatched", _("派遣数"), _("期内的派遣次数（含再次派遣）"), _action(Action.DISPATCH)
)
RETURNED: Final = _measure(
    "cases.returned", _("退单数"), _("期内的退单次数"), _action(Action.RETURN)
)
EXTENDED: Final = _measure(
    "cases.extended", _("延期数"), _("期内批准延期的次数"), _action(Action.APPROVE_EXTENSION)
)

DUE: Final = (CLOSED, LATE_OPEN)
OVERDUE: Final = (CLOSED_LATE, LATE_OPEN)


def _count(code: str, name: str | Promise, measure: Measure) -> Indicator:
    return Indicator(
        code=code,
        name=name,
        description=measure.description,
        owner="cases",
        unit=Unit.COUNT,
        numerator=(measure,),
    )


def _rate(
    code: str,
    name: str | Promise,
    description: str | Promise,
    numerator: Measure,
    denominator: tuple[Measure, ...],
) -> Indicator:
    return Indicator(
        code=code,
        name=name,
        description=description,
        owner="cases",
        unit=Unit.PERCENT,
        numerator=(numerator,),
        denominator=denominator,
    )


INDICATORS: Final = (
    _count("reported", _("受理数"), REPORTED),
    _count("problems", _("问题数"), PROBLEMS),
    _count("filed", _("立案数"), FILED),
    _count("closed", _("结案数"), CLOSED),
    _count("closed_on_time", _("按期结案数"), CLOSED_ON_TIME),
    _count("late_open", _("超时未结案数"), LATE_OPEN),
    Indicator(
        code="due",
        name=_("应结案数"),
        description=_("结案数 + 超时未结案数"),
        owner="cases",
        unit=Unit.COUNT,
        numerator=DUE,
    ),
    Indicator(
        code="overdue",
        name=_("超期数"),
        description=_("超期结案数 + 超时未结案数"),
        owner="cases",
        unit=Unit.COUNT,
        numerator=OVERDUE,
    ),
    _rate("closure_rate", _("结案率"), _("结案数 / 应结案数"), CLOSED, DUE),
    _rate("on_time_closure_rate", _("按期结案率"), _("按期结案数 / 应结案数"), CLOSED_ON_TIME, DUE),
    _count("handled", _("处置数"), HANDLED),
    _rate("rework_rate", _("返工率"), _("返工数 / 处置数"), REWORKED, (HANDLED,)),
    _count("dispatched", _("派遣数"), DISPATCHED),
    _rate("return_rate", _("退单率"), _("退单数 / 派遣数"), RETURNED, (DISPATCHED,)),
    _rate("extension_rate", _("延期率"), _("批准延期数 / 派遣数"), EXTENDED, (DISPATCHED,)),
    Indicator(
        code="mean_handling_hours",
        name=_("平均处置时长"),
        description=_("处置时长合计 / 处置完毕案卷数（工作小时）"),
        owner="cases",
        unit=Unit.HOURS,
        numerator=(HANDLING_SECONDS,),
        denominator=(HANDLED_CASES,),
    ),
)


def register() -> None:
    """Called once from CasesConfig.ready()."""
    for indicator in INDICATORS:
        indicator_register(indicator)
