import datetime as dt

import pytest
from django.contrib.admin.sites import site
from django.test import Client
from django.urls import reverse

from conftest import World
from jingxi.lib.tabular import ImportRejected, xlsx_read, xlsx_write
from jingxi.org.imports import (
    CALENDAR_COLUMNS,
    calendar_days_export_xlsx,
    calendar_days_import_xlsx,
)
from jingxi.org.models import CalendarDay, Jurisdiction
from jingxi.org.tests.factories import UserFactory


def workbook(*rows: tuple[str, str, str]) -> bytes:
    return xlsx_write([("工作日历", CALENDAR_COLUMNS, list(rows))])


def test_calendar_days_round_trip_and_bump_the_version(world: World) -> None:
    before = Jurisdiction.objects.get(pk=world.jurisdiction.pk).calendar_version
    summary = calendar_days_import_xlsx(
        jurisdiction=world.jurisdiction,
        source=workbook(
            ("2027-02-06", "节假日（休息）", "春节"), ("2027-02-07", "workday", "调休")
        ),
    )
    assert (summary.created, summary.updated) == (2, 0)
    assert Jurisdiction.objects.get(pk=world.jurisdiction.pk).calendar_version > before
    exported = calendar_days_export_xlsx(jurisdiction=world.jurisdiction)
    again = calendar_days_import_xlsx(jurisdiction=world.jurisdiction, source=exported)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    rows = xlsx_read(exported)
    assert [r.get("日期") for r in rows] == ["2027-02-06", "2027-02-07"]


def test_a_bad_row_rejects_the_whole_calendar_file(world: World) -> None:
    with pytest.raises(ImportRejected) as caught:
        calendar_days_import_xlsx(
            jurisdiction=world.jurisdiction,
            source=workbook(("2027-02-06", "holiday", "春节"), ("二月七日", "holiday", "")),
        )
    assert "第3行「日期」" in str(caught.value)
    assert not CalendarDay.objects.filter(date=dt.date(2027, 2, 6)).exists()


def test_calendar_admin_has_import_and_export(world: World) -> None:
    assert CalendarDay in site._registry
    admin_user = UserFactory(is_staff=True, is_superuser=True, jurisdiction=world.jurisdiction)
    client = Client()
    client.force_login(admin_user)
    assert client.get(reverse("admin:org_calendarday_import")).status_code == 200
    response = client.get(reverse("admin:org_calendarday_export"))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
