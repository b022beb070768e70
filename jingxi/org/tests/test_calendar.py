"""The work calendar in the database: seeding, edits, the cached calendar, the command, the job."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from io import StringIO
from zoneinfo import ZoneInfo

import holidays
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from conftest import World
from jingxi.org import services
from jingxi.org.choices import CalendarDayKind
from jingxi.org.models import CalendarDay, Jurisdiction
from jingxi.org.services import (
    calendar_cache_clear,
    calendar_day_delete,
    calendar_day_set,
    calendar_get,
    calendar_seed,
    calendar_seed_upcoming,
    calendar_version_bump,
    jurisdiction_working_periods_set,
)
from jingxi.org.tasks import calendar_seed_daily
from jingxi.org.tests.factories import JurisdictionFactory

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> Iterator[None]:
    calendar_cache_clear()
    yield
    calendar_cache_clear()


def version(j: Jurisdiction) -> int:
    return Jurisdiction.objects.get(pk=j.pk).calendar_version


def days(j: Jurisdiction, year: int = 2026) -> dict[dt.date, tuple[str, str]]:
    rows = CalendarDay.objects.filter(jurisdiction=j, date__year=year)
    return {row.date: (row.kind, row.name) for row in rows}


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SH)


# --- Seeding -------------------------------------------------------------------------


def test_seed_creates_2026_holidays_on_weekdays_and_make_up_weekend_days(world: World) -> None:
    j = world.jurisdiction
    assert calendar_seed(jurisdiction=j, year=2026) == 25
    rows = days(j)
    assert len(rows) == 25
    holidays_ = {d for d, (kind, _) in rows.items() if kind == CalendarDayKind.HOLIDAY}
    workdays = {d for d, (kind, _) in rows.items() if kind == CalendarDayKind.WORKDAY}
    assert len(holidays_) == 19
    assert all(d.weekday() < 5 for d in holidays_)
    # Spring Festival: Feb 15 (Sun) – Feb 23 (Mon) off; weekends inside need no row.
    spring = {d for d in holidays_ if d.month == 2}
    assert spring == {dt.date(2026, 2, d) for d in (16, 17, 18, 19, 20, 23)}
    # National Day: Oct 1–7 off.
    october = {d for d in holidays_ if d.month == 10}
    assert october == {dt.date(2026, 10, d) for d in (1, 2, 5, 6, 7)}
    assert workdays == {
        dt.date(2026, 1, 4),
        dt.date(2026, 2, 14),
        dt.date(2026, 2, 28),
        dt.date(2026, 5, 9),
        dt.date(2026, 9, 20),
        dt.date(2026, 10, 10),
    }
    assert rows[dt.date(2026, 2, 16)] == ("holiday", "农历除夕")
    assert rows[dt.date(2026, 2, 17)] == ("holiday", "春节")
    assert rows[dt.date(2026, 2, 14)] == ("workday", "调休上班（2026-02-20 放假）")
    assert rows[dt.date(2026, 9, 20)] == ("workday", "调休上班（2026-10-06 放假）")
    assert version(j) == 1


def test_seed_is_idempotent_and_bumps_the_version_only_when_it_creates(world: World) -> None:
    j = world.jurisdiction
    assert calendar_seed(jurisdiction=j, year=2026) == 25
    assert calendar_seed(jurisdiction=j, year=2026) == 0
    assert CalendarDay.objects.filter(jurisdiction=j).count() == 25
    assert version(j) == 1


def test_seed_never_overwrites_an_edited_day(world: World) -> None:
    j = world.jurisdiction
    # The county keeps Friday Feb 20 as a working day and rests on Thursday Jan 8.
    calendar_day_set(jurisdiction=j, date=dt.date(2026, 2, 20), kind="workday", name="本县安排")
    calendar_day_set(jurisdiction=j, date=dt.date(2026, 1, 8), kind="holiday", name="本县补休")
    assert calendar_seed(jurisdiction=j, year=2026) == 24
    rows = days(j)
    assert rows[dt.date(2026, 2, 20)] == ("workday", "本县安排")
    assert rows[dt.date(2026, 1, 8)] == ("holiday", "本县补休")
    assert rows[dt.date(2026, 2, 19)] == ("holiday", "春节")


def test_seed_touches_only_its_own_jurisdiction(world: World) -> None:
    other = JurisdictionFactory(code="410102", name="中原区")
    calendar_seed(jurisdiction=world.jurisdiction, year=2026)
    assert not CalendarDay.objects.filter(jurisdiction=other).exists()
    assert version(other) == 0
    assert calendar_seed(jurisdiction=other, year=2026) == 25


def test_unpublished_year_stores_only_statutory_days_not_guesses(world: World) -> None:
    j = world.jurisdiction
    assert not services._schedule_published(2027), (
        "the pinned holidays package now carries 2027's schedule: test another year"
    )
    assert calendar_seed(jurisdiction=j, year=2027) == 7
    assert days(j, 2027) == {
        dt.date(2027, 1, 1): ("holiday", "元旦"),
        dt.date(2027, 2, 5): ("holiday", "农历除夕"),
        dt.date(2027, 2, 8): ("holiday", "春节"),
        dt.date(2027, 4, 5): ("holiday", "清明节"),
        dt.date(2027, 6, 9): ("holiday", "端午节"),
        dt.date(2027, 9, 15): ("holiday", "中秋节"),
        dt.date(2027, 10, 1): ("holiday", "国庆节"),
    }
    # The package would guess 2027-02-09 as 春节（补假）; the guess is not stored.
    assert dt.date(2027, 2, 9) in holidays.country_holidays("CN", years=2027)


def test_a_later_schedule_adds_days_around_the_existing_ones(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    j = world.jurisdiction
    calendar_seed(jurisdiction=j, year=2027)
    calendar_day_set(jurisdiction=j, date=dt.date(2027, 2, 8), kind="workday", name="本县安排")
    # As if an upgraded package now carried 2027's schedule (here: its guesses).
    monkeypatch.setattr(services, "_schedule_published", lambda year: True)
    added = calendar_seed(jurisdiction=j, year=2027)
    assert added > 0
    rows = days(j, 2027)
    assert rows[dt.date(2027, 2, 9)] == ("holiday", "春节（补假）")
    assert rows[dt.date(2027, 2, 8)] == ("workday", "本县安排")


def test_the_package_carries_2026_and_not_a_far_year() -> None:
    assert services._schedule_published(2026) is True
    assert services._schedule_published(2099) is False


# --- The cached calendar -----------------------------------------------------------


def test_calendar_get_builds_from_rows_and_counts_across_spring_festival(world: World) -> None:
    j = world.jurisdiction
    calendar_seed(jurisdiction=j, year=2026)
    cal = calendar_get(jurisdiction=j)
    assert cal.time_zone == "Asia/Shanghai"
    # 4 working hours from Friday 16:00 land on Saturday Feb 14, a make-up workday.
    assert cal.add_working_hours(at(2, 13, 16), 4) == at(2, 14, 11)
    # Two working days from Friday Feb 13 cross the whole festival.
    assert cal.add_working_days(at(2, 13, 10), 2) == at(2, 24, 10)
    assert cal.add_working_hours(at(9, 30, 17), 1) == at(10, 8, 9)
    assert cal.add_working_hours(at(9, 18, 17), 1) == at(9, 20, 9)


def test_calendar_get_is_cached_behind_one_query(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    j = world.jurisdiction
    calendar_seed(jurisdiction=j, year=2026)
    first = calendar_get(jurisdiction=j)
    with django_assert_num_queries(1):
        again = calendar_get(jurisdiction=j)
    assert again is first


def test_calendar_get_rebuilds_after_a_version_bump(world: World) -> None:
    j = world.jurisdiction
    calendar_seed(jurisdiction=j, year=2026)
    before = calendar_get(jurisdiction=j)
    # A row written behind the services' back is not seen until the version moves.
    CalendarDay.objects.filter(jurisdiction=j, date=dt.date(2026, 2, 14)).delete()
    assert calendar_get(jurisdiction=j) is before
    calendar_version_bump(jurisdiction=j)
    after = calendar_get(jurisdiction=j)
    assert after is not before
    assert before.is_working_day(dt.date(2026, 2, 14))
    assert not after.is_working_day(dt.date(2026, 2, 14))


def test_calendar_day_set_changes_the_calendar(world: World) -> None:
    j = world.jurisdiction
    assert calendar_get(jurisdiction=j).is_working_day(dt.date(2026, 3, 2))
    calendar_day_set(jurisdiction=j, date=dt.date(2026, 3, 2), kind="holiday", name="临时放假")
    assert version(j) == 1
    assert not calendar_get(jurisdiction=j).is_working_day(dt.date(2026, 3, 2))
    calendar_day_set(jurisdiction=j, date=dt.date(2026, 3, 2), kind="workday", name="")
    assert version(j) == 2
    assert calendar_get(jurisdiction=j).is_working_day(dt.date(2026, 3, 2))
    assert CalendarDay.objects.filter(jurisdiction=j).count() == 1


def test_calendar_day_set_refuses_an_unknown_kind(world: World) -> None:
    with pytest.raises(ValueError, match="日历类型"):
        calendar_day_set(
            jurisdiction=world.jurisdiction, date=dt.date(2026, 3, 2), kind="rest", name=""
        )
    assert version(world.jurisdiction) == 0


def test_deleting_a_local_day_removes_its_row(world: World) -> None:
    j = world.jurisdiction
    calendar_day_set(jurisdiction=j, date=dt.date(2026, 3, 2), kind="holiday", name="临时放假")
    calendar_day_delete(jurisdiction=j, date=dt.date(2026, 3, 2))
    assert not CalendarDay.objects.filter(jurisdiction=j).exists()
    assert version(j) == 2
    assert calendar_get(jurisdiction=j).is_working_day(dt.date(2026, 3, 2))


def test_deleting_a_seeded_day_sticks_through_the_next_seed(world: World) -> None:
    j = world.jurisdiction
    calendar_seed(jurisdiction=j, year=2026)
    calendar_day_delete(jurisdiction=j, date=dt.date(2026, 2, 23))  # Monday off → work
    calendar_day_delete(jurisdiction=j, date=dt.date(2026, 2, 28))  # make-up Saturday → rest
    assert version(j) == 3
    assert calendar_seed(jurisdiction=j, year=2026) == 0
    cal = calendar_get(jurisdiction=j)
    assert cal.is_working_day(dt.date(2026, 2, 23))
    assert not cal.is_working_day(dt.date(2026, 2, 28))
    kind, name = days(j)[dt.date(2026, 2, 23)]
    assert kind == "workday"
    assert "撤销" in name


def test_deleting_a_day_without_a_row_changes_nothing(world: World) -> None:
    calendar_day_delete(jurisdiction=world.jurisdiction, date=dt.date(2026, 3, 2))
    assert version(world.jurisdiction) == 0


def test_working_periods_are_validated_stored_and_used(world: World) -> None:
    j = world.jurisdiction
    jurisdiction_working_periods_set(
        jurisdiction=j, periods=[["09:00", "12:00"], ["13:00:00", "18:00"]]
    )
    j.refresh_from_db()
    assert j.working_periods == [["09:00", "12:00"], ["13:00", "18:00"]]
    assert j.calendar_version == 1
    cal = calendar_get(jurisdiction=j)
    assert cal.working_day_length == dt.timedelta(hours=8)
    assert cal.add_working_hours(at(3, 2, 11), 2) == at(3, 2, 14)


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        ([["08:30", "12:00"], ["11:30", "17:30"]], "第2个工作时段与上一个时段重叠"),
        ([["12:00", "08:30"]], "第1个工作时段的开始时间必须早于结束时间"),
        ([], "至少需要一个工作时段"),
        ([["8点半", "12:00"]], "第1个工作时段格式有误"),
        ("08:30-12:00", "格式有误"),
    ],
)
def test_bad_working_periods_are_refused_with_a_chinese_message(
    world: World, periods: object, message: str
) -> None:
    j = world.jurisdiction
    with pytest.raises(ValueError, match=message):
        jurisdiction_working_periods_set(jurisdiction=j, periods=periods)
    j.refresh_from_db()
    assert j.working_periods == [["08:30", "12:00"], ["14:30", "17:30"]]
    assert j.calendar_version == 0


def test_calendar_get_reports_periods_broken_behind_the_services_back(world: World) -> None:
    Jurisdiction.objects.filter(pk=world.jurisdiction.pk).update(
        working_periods=[["17:30", "08:30"]]
    )
    with pytest.raises(ValueError, match="工作时段设置有误"):
        calendar_get(jurisdiction=world.jurisdiction)


# --- Command and job ---------------------------------------------------------------


def test_command_seeds_one_jurisdiction_and_year_and_prints_the_days(world: World) -> None:
    out = StringIO()
    call_command("calendar_seed", "--jurisdiction", "410122", "--year", "2026", stdout=out)
    text = out.getvalue()
    assert "中牟县（410122） 2026年：新增 25 天" in text
    assert "2026-02-14 调休上班 调休上班（2026-02-20 放假）" in text
    assert "2026-10-07 节假日（休息）" in text
    assert CalendarDay.objects.filter(jurisdiction=world.jurisdiction).count() == 25
    out = StringIO()
    call_command("calendar_seed", "--jurisdiction", "410122", "--year", "2026", stdout=out)
    assert "新增 0 天" in out.getvalue()
    assert "2026-02-14" not in out.getvalue()


def test_command_defaults_to_every_jurisdiction_this_year_and_next(world: World) -> None:
    other = JurisdictionFactory(code="410102", name="中原区")
    out = StringIO()
    call_command("calendar_seed", stdout=out)
    this_year = timezone.localdate().year
    text = out.getvalue()
    for j in (world.jurisdiction, other):
        for year in (this_year, this_year + 1):
            assert f"{j} {year}年：" in text
            assert CalendarDay.objects.filter(jurisdiction=j, date__year=year).exists()


def test_command_refuses_an_unknown_jurisdiction(world: World) -> None:
    with pytest.raises(CommandError, match="找不到行政区划代码为“999999”的辖区。已有：410122"):
        call_command("calendar_seed", "--jurisdiction", "999999", stdout=StringIO())
    assert not CalendarDay.objects.exists()


def test_command_refuses_an_absurd_year(world: World) -> None:
    with pytest.raises(CommandError, match="年份 1900 超出范围"):
        call_command("calendar_seed", "--year", "1900", stdout=StringIO())


def test_seed_upcoming_covers_this_and_next_year_for_everyone(world: World) -> None:
    other = JurisdictionFactory(code="410102", name="中原区")
    created = calendar_seed_upcoming(today=dt.date(2026, 6, 1))
    assert created == CalendarDay.objects.count()
    assert created == 2 * (25 + 7)  # 2027: its 7 statutory weekday holidays so far
    for j in (world.jurisdiction, other):
        assert len(days(j, 2026)) == 25
        assert days(j, 2027)  # at least the statutory days
    assert calendar_seed_upcoming(today=dt.date(2026, 6, 1)) == 0


def test_daily_job_runs_at_three_and_seeds(world: World) -> None:
    task = calendar_seed_daily.task_class()
    assert task.validate_datetime(dt.datetime(2026, 11, 25, 3, 0))  # noqa: DTZ001 huey's crontab reads naive local times
    assert not task.validate_datetime(dt.datetime(2026, 11, 25, 3, 1))  # noqa: DTZ001 as above
    assert not task.validate_datetime(dt.datetime(2026, 11, 25, 15, 0))  # noqa: DTZ001 as above
    calendar_seed_daily()
    this_year = timezone.localdate().year
    assert CalendarDay.objects.filter(
        jurisdiction=world.jurisdiction, date__year=this_year
    ).exists()
    assert version(world.jurisdiction) >= 1
