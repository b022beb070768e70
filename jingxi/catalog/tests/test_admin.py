from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from jingxi.catalog.choices import CategoryKind
from jingxi.catalog.models import Category, TimeLimit
from jingxi.catalog.services import catalog_export_xlsx
from jingxi.catalog.tests.conftest import workbook_edit
from jingxi.lib.tabular import xlsx_read
from jingxi.org.models import Jurisdiction, User
from jingxi.org.tests.factories import UserFactory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def admin_client_for(county: Jurisdiction) -> Client:
    user = UserFactory(
        username="catalog_admin", jurisdiction=county, is_staff=True, is_superuser=True
    )
    client = Client()
    client.force_login(user)
    return client


def _upload(data: bytes, name: str = "catalog.xlsx") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=XLSX)


def test_changelist_lists_categories_with_import_and_export_links(
    admin_client_for: Client, county: Jurisdiction
) -> None:
    url = reverse("admin:catalog_category_changelist")
    response = admin_client_for.get(
        url, {"jurisdiction__id__exact": str(county.pk), "q": "暴露垃圾"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "暴露垃圾" in body
    assert reverse("admin:catalog_category_import") in body
    assert f"{reverse('admin:catalog_category_export')}?jurisdiction={county.pk}" in body


def test_changelist_filters_by_kind_and_governance(
    admin_client_for: Client, county: Jurisdiction
) -> None:
    url = reverse("admin:catalog_category_changelist")
    response = admin_client_for.get(
        url, {"kind__exact": "component", "governance_area__exact": "dirt"}
    )
    assert response.status_code == 200
    assert "建筑外观及附属设施" in response.content.decode()


def test_change_page_shows_time_limits_and_limits_parents(
    admin_client_for: Client, county: Jurisdiction, other_county: Jurisdiction
) -> None:
    garbage = Category.objects.get(jurisdiction=county, kind=CategoryKind.EVENT, code="0102")
    response = admin_client_for.get(reverse("admin:catalog_category_change", args=[garbage.pk]))
    assert response.status_code == 200
    parents = response.context["adminform"].form.fields["parent"].queryset
    assert set(parents.values_list("kind", "level", "jurisdiction")) == {
        ("event", "major", county.pk)
    }
    assert "time_limits-TOTAL_FORMS" in response.content.decode()


def test_change_page_saves_through_the_services(
    admin_client_for: Client, county: Jurisdiction
) -> None:
    garbage = Category.objects.get(jurisdiction=county, kind=CategoryKind.EVENT, code="0102")
    limits = list(garbage.time_limits.order_by("urgency"))
    data: dict[str, Any] = {
        "jurisdiction": county.pk,
        "kind": garbage.kind,
        "level": garbage.level,
        "parent": garbage.parent_id,
        "code": garbage.code,
        "name": "暴露垃圾",
        "is_active": "on",
        "filing_condition": "体积大于0.2立方米",
        "closing_condition": garbage.closing_condition,
        "responsibility": garbage.responsibility,
        "default_unit": garbage.default_unit_id,
        "governance_area": garbage.governance_area,
        "focus_area": garbage.focus_area,
        "keywords": garbage.keywords,
        "time_limits-TOTAL_FORMS": len(limits) + 1,
        "time_limits-INITIAL_FORMS": len(limits),
        "time_limits-MIN_NUM_FORMS": 0,
        "time_limits-MAX_NUM_FORMS": 1000,
    }
    for i, limit in enumerate(limits):
        data |= {
            f"time_limits-{i}-id": limit.pk,
            f"time_limits-{i}-category": garbage.pk,
            f"time_limits-{i}-urgency": limit.urgency,
            f"time_limits-{i}-condition": limit.condition,
            f"time_limits-{i}-amount": limit.amount,
            f"time_limits-{i}-unit": limit.unit,
        }
    data[f"time_limits-{len(limits) - 1}-DELETE"] = "on"
    n = len(limits)
    data |= {
        f"time_limits-{n}-category": garbage.pk,
        f"time_limits-{n}-urgency": "critical",
        f"time_limits-{n}-condition": "",
        f"time_limits-{n}-amount": "1",
        f"time_limits-{n}-unit": "working_hours",
    }
    response = admin_client_for.post(
        reverse("admin:catalog_category_change", args=[garbage.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    garbage.refresh_from_db()
    assert garbage.filing_condition == "体积大于0.2立方米"
    assert sorted(garbage.time_limits.values_list("urgency", flat=True)) == ["critical", "normal"]


def test_import_page_shows_the_form(admin_client_for: Client, county: Jurisdiction) -> None:
    response = admin_client_for.get(reverse("admin:catalog_category_import"))
    assert response.status_code == 200
    assert response.context["form"].initial["jurisdiction"] == county
    assert 'enctype="multipart/form-data"' in response.content.decode()


def test_import_page_imports_a_good_file(
    admin_client_for: Client, county: Jurisdiction, other_county: Jurisdiction
) -> None:
    data = catalog_export_xlsx(jurisdiction=county)
    response = admin_client_for.post(
        reverse("admin:catalog_category_import"),
        {"jurisdiction": other_county.pk, "file": _upload(data)},
    )
    assert response.status_code == 302
    total = Category.objects.filter(jurisdiction=county).count()
    assert Category.objects.filter(jurisdiction=other_county).count() == total
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert f"新增 {total} 个" in message


def test_import_page_shows_every_row_error_and_writes_nothing(
    admin_client_for: Client, county: Jurisdiction
) -> None:
    def edit(rows: list[list[object]]) -> None:
        rows[3][rows[0].index("部件/事件")] = "未知"
        rows[5][rows[0].index("处置时限")] = "很快"

    data = workbook_edit(catalog_export_xlsx(jurisdiction=county), edit)
    before = list(TimeLimit.objects.values_list("pk", "amount"))
    response = admin_client_for.post(
        reverse("admin:catalog_category_import"),
        {"jurisdiction": county.pk, "file": _upload(data)},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "第4行「部件/事件」" in body
    assert "第6行「处置时限」" in body
    assert "没有写入任何数据" in body
    assert list(TimeLimit.objects.values_list("pk", "amount")) == before


def test_import_page_rejects_a_non_xlsx_upload(
    admin_client_for: Client, county: Jurisdiction
) -> None:
    response = admin_client_for.post(
        reverse("admin:catalog_category_import"),
        {"jurisdiction": county.pk, "file": _upload(b"a,b\n1,2\n", "x.csv")},
    )
    assert response.status_code == 200
    assert "不是有效的 Excel" in response.content.decode()


def test_export_view_downloads_the_jurisdiction(
    admin_client_for: Client, county: Jurisdiction
) -> None:
    response = admin_client_for.get(
        reverse("admin:catalog_category_export"), {"jurisdiction": county.pk}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "catalog-410122.xlsx" in response["Content-Disposition"]
    rows = xlsx_read(response.content, sheet="类别")
    assert len(rows) == Category.objects.filter(jurisdiction=county).count()


def test_export_view_asks_which_jurisdiction_when_there_are_several(
    county: Jurisdiction, other_county: Jurisdiction
) -> None:
    user = UserFactory(username="root", jurisdiction=None, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    response = client.get(reverse("admin:catalog_category_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "jurisdiction" in response.context["form"].fields


def test_export_action_downloads_the_selection_jurisdiction(
    admin_client_for: Client, county: Jurisdiction
) -> None:
    ids = list(Category.objects.filter(jurisdiction=county).values_list("pk", flat=True)[:3])
    response = admin_client_for.post(
        reverse("admin:catalog_category_changelist"),
        {"action": "export_xlsx", "_selected_action": ids},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX


def test_staff_without_an_administrator_role_find_no_admin(county: Jurisdiction) -> None:
    user: User = UserFactory(username="plain_staff", jurisdiction=county, is_staff=True)
    client = Client()
    client.force_login(user)
    assert client.get(reverse("admin:catalog_category_import")).status_code == 404
    assert client.get(reverse("admin:catalog_category_export")).status_code == 404


def test_adding_a_major_with_time_limits_is_a_form_error(
    admin_client_for: Client, county: Jurisdiction
) -> None:
    data = {
        "jurisdiction": county.pk,
        "kind": "event",
        "level": "major",
        "code": "08",
        "name": "本县扩展",
        "is_active": "on",
        "responsibility": "township",
        "focus_area": "none",
        "time_limits-TOTAL_FORMS": 1,
        "time_limits-INITIAL_FORMS": 0,
        "time_limits-MIN_NUM_FORMS": 0,
        "time_limits-MAX_NUM_FORMS": 1000,
        "time_limits-0-urgency": "normal",
        "time_limits-0-condition": "",
        "time_limits-0-amount": "4",
        "time_limits-0-unit": "working_hours",
    }
    response = admin_client_for.post(reverse("admin:catalog_category_add"), data)
    assert response.status_code == 200
    assert "只有小类可以设置处置时限" in response.content.decode()
    assert not Category.objects.filter(jurisdiction=county, kind="event", code="08").exists()
    del data["time_limits-0-amount"]
    data["time_limits-TOTAL_FORMS"] = 0
    response = admin_client_for.post(reverse("admin:catalog_category_add"), data)
    assert response.status_code == 302
    assert Category.objects.filter(jurisdiction=county, kind="event", code="08").exists()


def test_changelist_queries_do_not_grow_with_rows(
    admin_client_for: Client,
    county: Jurisdiction,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    admin_client_for.get(reverse("admin:catalog_category_changelist"))  # warm the session
    with django_assert_max_num_queries(12):
        response = admin_client_for.get(reverse("admin:catalog_category_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count > 150


def test_change_page_shows_which_limit_applies(
    admin_client_for: Client, county: Jurisdiction
) -> None:
    """The table comes from catalog.timelimits: a critical demolition falls back to the
    normal demolition row, not to a plain urgent limit."""
    building = Category.objects.get(jurisdiction=county, kind=CategoryKind.EVENT, name="私搭乱建")
    response = admin_client_for.get(reverse("admin:catalog_category_change", args=[building.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="limits-applied"' in body
    assert (
        "<tr><td>拆除</td><td>特急</td><td>处置时限：20 工作日（沿用 一般 · 拆除）</td></tr>"
        in body
    )
    assert "<tr><td>（无）</td><td>一般</td><td>处置时限：4 工作时</td></tr>" in body
