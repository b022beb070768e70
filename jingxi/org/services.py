"""Writes to organisation data, and the work calendar (工作日历) built from it.

Work calendar: `CalendarDay` rows say which weekdays are holidays and which
weekend days are adjusted working days (调休上班); `Jurisdiction.working_periods`
says the hours of a working day. Every write here ends with
`calendar_version_bump`, so each process rebuilds its cached `WorkCalendar`
(see `calendar_get`). Admin pages, commands and jobs call these services
rather than writing the rows themselves.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

import holidays
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jingxi.lib.workcalendar import (
    WorkCalendar,
    WorkingPeriodsError,
    parse_working_periods,
)
from jingxi.org.choices import CalendarDayKind
from jingxi.org.models import CalendarDay, Jurisdiction

logger = logging.getLogger(__name__)

# --- Work calendar: versions and the per-process cache -----------------------------

# jurisdiction id -> (version, time zone, periods as stored, calendar)
_calendar_cache: dict[int, tuple[int, str, Any, WorkCalendar]] = {}
_calendar_cache_lock = threading.Lock()


def calendar_version_bump(*, jurisdiction: Jurisdiction) -> None:
    """Mark the jurisdiction's work calendar as changed (atomic F() increment).

    The in-memory `jurisdiction.calendar_version` is not refreshed.
    """
    Jurisdiction.objects.filter(pk=jurisdiction.pk).update(
        calendar_version=F("calendar_version") + 1
    )


def calendar_cache_clear() -> None:
    """Forget every cached calendar (tests that write rows directly need this)."""
    with _calendar_cache_lock:
        _calendar_cache.clear()


def _periods_message(error: WorkingPeriodsError) -> str:
    number = error.index + 1
    if error.problem == "empty":
        return _("至少需要一个工作时段。")
    if error.problem == "order":
        return _("第%(n)d个工作时段的开始时间必须早于结束时间。") % {"n": number}
    if error.problem == "overlap":
        return _("第%(n)d个工作时段与上一个时段重叠：各时段须按时间先后排列且互不重叠。") % {
            "n": number
        }
    return _('第%(n)d个工作时段格式有误，应为 ["HH:MM", "HH:MM"]，如 ["08:30", "12:00"]。') % {
        "n": number
    }


def calendar_get(*, jurisdiction: Jurisdiction, fresh: bool = False) -> WorkCalendar:
    """The jurisdiction's work calendar, for deadline and overdue arithmetic.

    Cached per process, keyed by the jurisdiction and its `calendar_version`
    (and its time zone and working periods). Every call reads the version:
    one cheap query by primary key; the rows are read only when the version
    changed. Code that scans many cases of one jurisdiction should call this
    once and reuse the calendar, not call it per case.

    `fresh=True` says the caller read `jurisdiction` from the database in this request,
    so its version, time zone and periods are current and the query is skipped.

    Raises ValueError if the stored working periods are unusable (they are
    written through `jurisdiction_working_periods_set`, which prevents that).
    """
    if fresh:
        version, time_zone, raw_periods = (
            jurisdiction.calendar_version,
            jurisdiction.time_zone,
            jurisdiction.working_periods,
        )
    else:
        version, time_zone, raw_periods = (
            Jurisdiction.objects.filter(pk=jurisdiction.pk)
            .values_list("calendar_version", "time_zone", "working_periods")
            .get()
        )
    cached = _calendar_cache.get(jurisdiction.pk)
    if cached is not None and cached[:3] == (version, time_zone, raw_periods):
        return cached[3]
    try:
        periods = parse_working_periods(raw_periods)
    except WorkingPeriodsError as exc:
        raise ValueError(
            _("辖区“%(name)s”的工作时段设置有误：%(reason)s")
            % {"name": jurisdiction.name, "reason": _periods_message(exc)}
        ) from exc
    holiday_dates: set[dt.date] = set()
    workday_dates: set[dt.date] = set()
    for date, kind in CalendarDay.objects.filter(jurisdiction_id=jurisdiction.pk).values_list(
        "date", "kind"
    ):
        (workday_dates if kind == CalendarDayKind.WORKDAY else holiday_dates).add(date)
    calendar = WorkCalendar(
        time_zone=time_zone,
        periods=periods,
        holidays=frozenset(holiday_dates),
        workdays=frozenset(workday_dates),
    )
    with _calendar_cache_lock:
        _calendar_cache[jurisdiction.pk] = (version, time_zone, raw_periods, calendar)
    return calendar


# --- Work calendar: seeding from the `holidays` package -----------------------------


def _schedule_published(year: int) -> bool:
    """Does the `holidays` package carry the State Council's schedule for `year`?

    Before the notice (published late in the year before), the package only
    knows the statutory festival days; its other days off are guesses.
    """
    from holidays.countries.china import ChinaStaticHolidays

    special = getattr(ChinaStaticHolidays, "special_public_holidays", None)
    if not isinstance(special, dict):  # the package changed its layout: trust it
        return True
    return year in special


def _package_rows(year: int) -> dict[dt.date, tuple[str, str]]:
    """The rows the `holidays` package gives for `year`: date -> (kind, name).

    Holidays on weekdays become "holiday" rows (a holiday on a weekend needs no
    row); the 调休 Saturdays and Sundays become "workday" rows. For a year whose
    schedule is not yet published only the statutory festival days are given,
    so that no guess is stored that an admin would later have to undo; the
    daily job adds the rest once an upgraded package knows them.
    """
    published = _schedule_published(year)
    china = holidays.country_holidays("CN", years=year, language="zh_CN", observed=published)
    rows: dict[dt.date, tuple[str, str]] = {}
    for date, name in sorted(china.items()):
        if date.year == year and date.weekday() < 5:
            rows[date] = (CalendarDayKind.HOLIDAY.value, name[:64])
    if published:
        with translation.override(settings.LANGUAGE_CODE):
            for date in sorted(china.weekend_workdays):
                if date.year != year:
                    continue
                swapped = [d for d, n in china.items() if date.isoformat() in n]
                name = (
                    _("调休上班（%(date)s 放假）") % {"date": swapped[0].isoformat()}
                    if swapped
                    else _("调休上班")
                )
                rows[date] = (CalendarDayKind.WORKDAY.value, name[:64])
    return rows


@transaction.atomic
def calendar_seed(*, jurisdiction: Jurisdiction, year: int) -> int:
    """Create the year's holiday and 调休 rows from the `holidays` package (China).

    Idempotent, and never touches a date that already has a row: an admin's
    edit wins. Bumps the calendar version when it creates rows. Returns how
    many rows it created.
    """
    # Lock the jurisdiction so that two seeds of one jurisdiction run in turn.
    Jurisdiction.objects.select_for_update().filter(pk=jurisdiction.pk).get()
    wanted = _package_rows(year)
    existing = set(
        CalendarDay.objects.filter(jurisdiction=jurisdiction, date__in=wanted).values_list(
            "date", flat=True
        )
    )
    new_rows = [
        CalendarDay(jurisdiction=jurisdiction, date=date, kind=kind, name=name)
        for date, (kind, name) in sorted(wanted.items())
        if date not in existing
    ]
    if new_rows:
        CalendarDay.objects.bulk_create(new_rows)
        calendar_version_bump(jurisdiction=jurisdiction)
    return len(new_rows)


def calendar_seed_upcoming(*, today: dt.date | None = None) -> int:
    """Seed this year and next year for every jurisdiction (the daily job).

    Idempotent; rows that exist (an admin's edits) are left alone. Once the
    `holidays` package is upgraded with the State Council's new schedule, the
    next run adds that year's days off and 调休 workdays. Returns rows created.
    """
    this_year = (today or timezone.localdate()).year
    created = 0
    for jurisdiction in Jurisdiction.objects.order_by("code"):
        for year in (this_year, this_year + 1):
            count = calendar_seed(jurisdiction=jurisdiction, year=year)
            if count:
                logger.info("calendar: %s %s: %d days created", jurisdiction.code, year, count)
            created += count
    return created


# --- Work calendar: edits ---------------------------------------------------------


@transaction.atomic
def calendar_day_set(
    *, jurisdiction: Jurisdiction, date: dt.date, kind: str, name: str = ""
) -> CalendarDay:
    """Make `date` a holiday ("holiday") or an adjusted working day ("workday")."""
    if kind not in CalendarDayKind.values:
        raise ValueError(
            _("日历类型“%(kind)s”无效，应为 holiday（节假日）或 workday（调休上班）。")
            % {"kind": kind}
        )
    day, _created = CalendarDay.objects.update_or_create(
        jurisdiction=jurisdiction, date=date, defaults={"kind": kind, "name": name}
    )
    calendar_version_bump(jurisdiction=jurisdiction)
    return day


@transaction.atomic
def calendar_day_delete(*, jurisdiction: Jurisdiction, date: dt.date) -> None:
    """Return `date` to the weekly rule (weekdays work, weekends rest).

    If the `holidays` package lists the date, deleting its row would let the
    daily seed create it again; so the row is kept but turned into the weekly
    rule's own kind (a weekday becomes "workday", a weekend day "holiday"),
    which the seed leaves alone. Other rows are deleted.
    """
    row = CalendarDay.objects.filter(jurisdiction=jurisdiction, date=date).first()
    if row is None:
        return
    if date in _package_rows(date.year):
        neutral = (
            CalendarDayKind.WORKDAY.value if date.weekday() < 5 else CalendarDayKind.HOLIDAY.value
        )
        if row.kind == neutral:
            return
        row.kind = neutral
        row.name = (_("按常规（撤销“%(name)s”）") % {"name": row.name})[:64]
        row.save(update_fields=["kind", "name"])
    else:
        row.delete()
    calendar_version_bump(jurisdiction=jurisdiction)


def _clock_text(t: dt.time) -> str:
    return t.strftime("%H:%M") if t.second == 0 and t.microsecond == 0 else t.isoformat()


@transaction.atomic
def jurisdiction_working_periods_set(*, jurisdiction: Jurisdiction, periods: object) -> None:
    """Set the daily working periods, e.g. [["08:30", "12:00"], ["14:30", "17:30"]].

    Periods must be in order, each start before its end, none overlapping;
    otherwise ValueError with a message for the user. Stored as "HH:MM" pairs.
    """
    try:
        parsed = parse_working_periods(periods)
    except WorkingPeriodsError as exc:
        raise ValueError(_periods_message(exc)) from exc
    jurisdiction.working_periods = [[_clock_text(s), _clock_text(e)] for s, e in parsed]
    jurisdiction.save(update_fields=["working_periods"])
    calendar_version_bump(jurisdiction=jurisdiction)
