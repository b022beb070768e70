"""The admin of org and places master data: every page renders, search, imports, exports."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse

from conftest import Cast, World
from jingxi.catalog.models import Category
from jingxi.lib.tabular import xlsx_read, xlsx_write
from jingxi.org.choices import CalendarDayKind, Role
from jingxi.org.imports import STAFF_COLUMNS, UNIT_COLUMNS
from jingxi.org.models import CalendarDay, Jurisdiction, Membership, Unit, User
from jingxi.places.models import Component, ResponsibilityRule

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def full_world(world: World, cast: Cast) -> World:
    """The world plus one row of every model the shared fixtures leave out."""
    CalendarDay.objects.create(
        jurisdiction=world.jurisdiction,
        date=dt.date(2026, 10, 1),
        kind=CalendarDayKind.HOLIDAY,
        name="国庆节",
    )
    Component.objects.create(
        jurisdiction=world.jurisdiction,
        object_id="4101220101000001",
        category=world.manhole_cover,
        name="上水井盖",
        grid=world.grids["A-north-1"],
        lng=113.955,
        lat=34.715,
    )
    ResponsibilityRule.objects.create(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        township=world.township_a,
        unit=world.sanitation,
    )
    return world


def admin_models() -> list[type[models.Model]]:
    return sorted(
        (m for m in admin.site._registry if m._meta.app_label in {"org", "places"}),
        key=lambda m: m._meta.label,
    )


def url(model: type[models.Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_master_data_kind_is_in_the_admin() -> None:
    names = {m._meta.model_name for m in admin_models()}
    assert names >= {
        "jurisdiction",
        "calendarday",
        "unit",
        "user",
        "membership",
        "township",
        "community",
        "grid",
        "road",
        "segment",
        "component",
        "landmark",
        "roadchief",
        "responsibilityrule",
    }


@pytest.mark.parametrize("model", admin_models(), ids=lambda m: m._meta.label)
def test_every_admin_page_renders(
    admin_client: Client, full_world: World, model: type[models.Model]
) -> None:
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None

    changelist = admin_client.get(url(model, "changelist"))
    add = admin_client.get(url(model, "add"))
    change = admin_client.get(url(model, "change", obj.pk))
    searched = admin_client.get(url(model, "changelist"), {"q": "青年"})

    assert changelist.status_code == 200
    assert add.status_code == 200
    assert change.status_code == 200
    assert searched.status_code == 200


def test_admin_site_is_titled_in_chinese(admin_client: Client, world: World) -> None:
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "精细化管理平台 管理后台" in page


def test_unit_search_finds_by_code_and_name(admin_client: Client, world: World) -> None:
    by_code = admin_client.get(url(Unit, "changelist"), {"q": "HW"})
    by_name = admin_client.get(url(Unit, "changelist"), {"q": "交警"})
    assert by_code.context["cl"].result_count == 1
    assert list(by_name.context["cl"].result_list) == [world.traffic]


def test_user_search_finds_by_full_name_and_phone(
    admin_client: Client, world: World, cast: Cast
) -> None:
    cast.inspector.phone = "13912345678"
    cast.inspector.save()
    by_name = admin_client.get(url(User, "changelist"), {"q": "督导员小张"})
    by_phone = admin_client.get(url(User, "changelist"), {"q": "1391234"})
    assert list(by_name.context["cl"].result_list) == [cast.inspector]
    assert list(by_phone.context["cl"].result_list) == [cast.inspector]


def test_user_change_page_shows_memberships_inline(
    admin_client: Client, world: World, cast: Cast
) -> None:
    page = admin_client.get(url(User, "change", cast.dispatcher.pk)).content.decode()
    assert "memberships-TOTAL_FORMS" in page
    assert "full_name" in page


def test_changelists_show_import_and_export_buttons(admin_client: Client, world: World) -> None:
    page = admin_client.get(url(Unit, "changelist")).content.decode()
    assert url(Unit, "import") in page
    assert url(Unit, "export") in page
    calendar = admin_client.get(url(CalendarDay, "changelist")).content.decode()
    assert url(CalendarDay, "import") in calendar
    memberships = admin_client.get(url(Membership, "changelist")).content.decode()
    assert "导入" not in memberships


# --- import views -----------------------------------------------------------


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX)


def test_unit_import_page_renders_with_the_jurisdiction_chosen(
    admin_client: Client, world: World
) -> None:
    response = admin_client.get(url(Unit, "import"))
    assert response.status_code == 200
    assert response.context["form"].initial["jurisdiction"] == world.jurisdiction


def test_unit_import_writes_and_reports_counts(admin_client: Client, world: World) -> None:
    data = xlsx_write(
        [("单位", UNIT_COLUMNS, [("GJ", "县公交公司", "", "作业单位", "", "", "", "", "", "", "")])]
    )

    response = admin_client.post(
        url(Unit, "import"),
        {"jurisdiction": world.jurisdiction.pk, "file": upload("units.xlsx", data)},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == url(Unit, "changelist")
    assert "新建1条" in response.content.decode()
    assert Unit.objects.filter(code="GJ").exists()


def test_rejected_staff_import_shows_every_error_and_writes_nothing(
    admin_client: Client, world: World
) -> None:
    data = xlsx_write(
        [
            (
                "人员",
                STAFF_COLUMNS,
                [
                    ("new1", "新人一", "", "JXB", "督导员", "", ""),
                    ("new2", "新人二", "", "NOPE", "督导员", "", ""),
                    ("new3", "新人三", "", "JXB", "厨师", "", ""),
                ],
            )
        ]
    )

    response = admin_client.post(
        url(User, "import"),
        {"jurisdiction": world.jurisdiction.pk, "file": upload("staff.xlsx", data)},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "第3行「单位编码」" in page
    assert "第4行「角色」" in page
    assert not User.objects.filter(username__startswith="new").exists()


def test_import_view_requires_a_file(admin_client: Client, world: World) -> None:
    response = admin_client.post(url(Unit, "import"), {"jurisdiction": world.jurisdiction.pk})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]


def test_staff_without_an_administrator_role_find_no_admin(
    client: Client, world: World, cast: Cast
) -> None:
    cast.dispatcher.is_staff = True  # Django's flag opens nothing: roles do (三员分立)
    cast.dispatcher.save()
    client.force_login(cast.dispatcher)
    assert client.get(url(Unit, "import")).status_code == 404
    assert client.get(url(Unit, "export")).status_code == 404


def test_the_security_administrator_cannot_import_master_data(
    client: Client, world: World, cast: Cast
) -> None:
    secadmin = User.objects.create_user(username="secadmin", jurisdiction=world.jurisdiction)
    Membership.objects.create(user=secadmin, unit=world.office, role=Role.SECURITY_ADMIN)
    client.force_login(secadmin)
    assert client.get(url(Unit, "import")).status_code == 403
    assert client.get(url(Unit, "export")).status_code == 403


# --- exports ----------------------------------------------------------------


def test_unit_export_downloads_the_filtered_rows(admin_client: Client, world: World) -> None:
    response = admin_client.get(url(Unit, "export"), {"kind__exact": "township"})

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert 'filename="units-410122.xlsx"' in response["Content-Disposition"]
    codes = [row.get("单位编码") for row in xlsx_read(response.content)]
    assert codes == ["T001", "T002"]


def test_export_selected_action_exports_the_selection(
    admin_client: Client, world: World, cast: Cast
) -> None:
    response = admin_client.post(
        url(User, "changelist"),
        {"action": "export_selected", "_selected_action": [cast.inspector.pk, cast.leader.pk]},
    )
    assert response.status_code == 200
    rows = xlsx_read(response.content)
    assert {row.get("账号") for row in rows} == {"inspector", "leader"}


def test_export_of_several_jurisdictions_asks_for_a_filter(
    admin_client: Client, world: World, cast: Cast
) -> None:
    response = admin_client.get(url(User, "export"), follow=True)
    assert "多个辖区" in response.content.decode()


# --- writes through the calendar services -------------------------------------------


def calendar_version() -> int:
    return Jurisdiction.objects.get(code="410122").calendar_version


def test_calendar_day_added_in_admin_bumps_the_calendar_version(
    admin_client: Client, world: World
) -> None:
    before = calendar_version()
    response = admin_client.post(
        url(CalendarDay, "add"),
        {
            "jurisdiction": world.jurisdiction.pk,
            "date": "2026-10-08",
            "kind": "workday",
            "name": "调休",
        },
    )
    assert response.status_code == 302
    assert CalendarDay.objects.get(date=dt.date(2026, 10, 8)).kind == "workday"
    assert calendar_version() > before


def test_calendar_day_deleted_in_admin_bumps_the_calendar_version(
    admin_client: Client, world: World
) -> None:
    day = CalendarDay.objects.create(
        jurisdiction=world.jurisdiction, date=dt.date(2031, 3, 4), kind="holiday", name="X"
    )
    before = calendar_version()
    response = admin_client.post(url(CalendarDay, "delete", day.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not CalendarDay.objects.filter(pk=day.pk).exists()
    assert calendar_version() > before


def test_calendar_filters_by_year_and_kind(admin_client: Client, world: World) -> None:
    for date, kind in ((dt.date(2025, 1, 1), "holiday"), (dt.date(2026, 2, 14), "workday")):
        CalendarDay.objects.create(jurisdiction=world.jurisdiction, date=date, kind=kind)
    response = admin_client.get(url(CalendarDay, "changelist"), {"year": "2026"})
    assert [d.date for d in response.context["cl"].result_list] == [dt.date(2026, 2, 14)]
    response = admin_client.get(url(CalendarDay, "changelist"), {"kind__exact": "holiday"})
    assert [d.date for d in response.context["cl"].result_list] == [dt.date(2025, 1, 1)]


def jurisdiction_form(world: World, periods: str) -> dict[str, Any]:
    j = world.jurisdiction
    return {
        "code": j.code,
        "name": j.name,
        "parent": "",
        "time_zone": j.time_zone,
        "open311_id": j.open311_id,
        "working_periods": periods,
        "center_lng": j.center_lng,
        "center_lat": j.center_lat,
    }


def test_working_periods_edited_in_admin_go_through_the_service(
    admin_client: Client, world: World
) -> None:
    before = calendar_version()
    response = admin_client.post(
        url(Jurisdiction, "change", world.jurisdiction.pk),
        jurisdiction_form(world, '[["09:00", "12:00"], ["13:30", "18:00"]]'),
    )
    assert response.status_code == 302
    world.jurisdiction.refresh_from_db()
    assert world.jurisdiction.working_periods == [["09:00", "12:00"], ["13:30", "18:00"]]
    assert calendar_version() > before


def test_overlapping_working_periods_are_refused(admin_client: Client, world: World) -> None:
    response = admin_client.post(
        url(Jurisdiction, "change", world.jurisdiction.pk),
        jurisdiction_form(world, '[["09:00", "12:00"], ["11:00", "18:00"]]'),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["working_periods"]


def test_membership_admin_lists_roles(admin_client: Client, world: World, cast: Cast) -> None:
    response = admin_client.get(url(Membership, "changelist"), {"role__exact": Role.ASSESSOR})
    assert [m.user for m in response.context["cl"].result_list] == [cast.assessor]
    assert Category.objects.exists()
