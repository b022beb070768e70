"""Rectification notices and supervision orders: numbers, signing, access, search, PDF."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from conftest import Cast, World
from jingxi.cases.choices import Action, Source
from jingxi.cases.documents import (
    DocumentError,
    notice_issue,
    notice_pdf,
    notice_sign,
    supervision_order_issue,
    supervision_order_pdf,
    supervision_order_sign,
)
from jingxi.cases.models import Case, Notice, SupervisionOrder
from jingxi.cases.selectors import notice_list_for, notice_search
from jingxi.cases.services import case_report, case_transition
from jingxi.documents.numbering import number_next
from jingxi.documents.pdf import EMBEDDED_FONT, pdf_font

TZ = ZoneInfo("Asia/Shanghai")
MONDAY_9 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ)
FRIDAY_17 = dt.datetime(2026, 11, 27, 17, 0, tzinfo=TZ)


def case_at(world: World, cast: Cast, unit: Any = None, *, lng: float = 113.955) -> Case:
    case = case_report(
        jurisdiction=world.jurisdiction,
        category=world.exposed_garbage,
        lng=lng,
        lat=34.7102,
        description="青年路路边有一堆暴露垃圾",
        source=Source.INSPECTOR,
        actor=cast.inspector,
        file_directly=True,
        now=MONDAY_9 - dt.timedelta(hours=1),
    )
    return case_transition(
        case_id=case.pk,
        action=Action.DISPATCH,
        actor=cast.dispatcher,
        unit=unit or world.sanitation,
        now=MONDAY_9 - dt.timedelta(minutes=50),
    )


def issue(world: World, cast: Cast, cases: list[Case], **kwargs: Any) -> Notice:
    args: dict[str, Any] = {
        "jurisdiction": world.jurisdiction,
        "unit": world.sanitation,
        "cases": cases,
        "content": "请立即清运青年路沿线暴露垃圾，并建立日常保洁巡查制度。",
        "deadline": FRIDAY_17,
        "actor": cast.dispatcher,
        "now": MONDAY_9,
    }
    args.update(kwargs)
    return notice_issue(**args)


@pytest.fixture
def zhongmou(world: World) -> World:
    world.office.short_name = "中牟精细办"
    world.office.save()
    return world


# --- numbering -----------------------------------------------------------------------


def test_notices_are_numbered_in_sequence_per_year(zhongmou: World, cast: Cast) -> None:
    case = case_at(zhongmou, cast)
    first = issue(zhongmou, cast, [case])
    second = issue(zhongmou, cast, [case])
    assert first.number == "中牟精细办〔2026〕第0001号"
    assert (second.serial, second.number) == (2, "中牟精细办〔2026〕第0002号")
    next_year = issue(
        zhongmou,
        cast,
        [case],
        now=dt.datetime(2027, 1, 4, 9, 0, tzinfo=TZ),
        deadline=dt.datetime(2027, 1, 8, 17, 0, tzinfo=TZ),
    )
    assert next_year.number == "中牟精细办〔2027〕第0001号"
    assert len(set(Notice.objects.values_list("number", flat=True))) == 3


def test_number_prefix_falls_back_to_jurisdiction_name(world: World) -> None:
    ((serial, number),) = number_next(
        jurisdiction=world.jurisdiction, kind="supervision", year=2026
    )
    assert (serial, number) == (1, f"{world.jurisdiction.name}精细办督〔2026〕第0001号")


def test_supervision_orders_have_their_own_sequence(zhongmou: World, cast: Cast) -> None:
    case = case_at(zhongmou, cast)
    issue(zhongmou, cast, [case])
    order = supervision_order_issue(
        case=case,
        reason="leader",
        content="县领导批示：限期清理。",
        deadline=FRIDAY_17,
        actor=cast.leader,
        now=MONDAY_9,
    )
    assert order.number == "中牟精细办督〔2026〕第0001号"


def test_refused_notice_uses_no_number(zhongmou: World, cast: Cast) -> None:
    case = case_at(zhongmou, cast)
    with pytest.raises(DocumentError):
        issue(zhongmou, cast, [case], unit=zhongmou.traffic)
    assert issue(zhongmou, cast, [case]).serial == 1


# --- issuing --------------------------------------------------------------------------


def test_notice_lists_cases_and_records_issuer(world: World, cast: Cast) -> None:
    cases = [case_at(world, cast), case_at(world, cast)]
    notice = issue(world, cast, cases)
    assert set(notice.cases.all()) == set(cases)
    assert (notice.issued_by, notice.issued_at, notice.deadline) == (
        cast.dispatcher,
        MONDAY_9,
        FRIDAY_17,
    )
    assert notice.signed_at is None


@pytest.mark.parametrize("who", ["inspector", "handler_a", "leader", "outsider"])
def test_only_dispatchers_issue_notices(world: World, cast: Cast, who: str) -> None:
    case = case_at(world, cast)
    with pytest.raises(PermissionDenied):
        issue(world, cast, [case], actor=getattr(cast, who))
    assert not Notice.objects.exists()


def test_notice_refuses_case_at_another_unit(world: World, cast: Cast) -> None:
    ours = case_at(world, cast)
    theirs = case_at(world, cast, world.traffic)
    with pytest.raises(DocumentError, match=theirs.number):
        issue(world, cast, [ours, theirs])
    assert not Notice.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cases": []}, "至少"),
        ({"content": "  "}, "整改要求"),
        ({"deadline": MONDAY_9 - dt.timedelta(hours=1)}, "时限"),
    ],
)
def test_bad_notice_is_refused(world: World, cast: Cast, kwargs: Any, message: str) -> None:
    case = case_at(world, cast)
    with pytest.raises(DocumentError, match=message):
        issue(world, cast, kwargs.pop("cases", [case]), **kwargs)


# --- signing --------------------------------------------------------------------------


def test_unit_handler_signs_once(world: World, cast: Cast) -> None:
    notice = issue(world, cast, [case_at(world, cast)])
    signed = notice_sign(notice_id=notice.pk, actor=cast.handler_a, now=MONDAY_9)
    assert (signed.signed_by, signed.signed_at) == (cast.handler_a, MONDAY_9)
    with pytest.raises(DocumentError, match="已于"):
        notice_sign(notice_id=notice.pk, actor=cast.unit_head_a)
    notice.refresh_from_db()
    assert notice.signed_by == cast.handler_a


@pytest.mark.parametrize("who", ["handler_b", "dispatcher", "leader"])
def test_only_the_units_staff_sign(world: World, cast: Cast, who: str) -> None:
    notice = issue(world, cast, [case_at(world, cast)])
    with pytest.raises(PermissionDenied):
        notice_sign(notice_id=notice.pk, actor=getattr(cast, who))


# --- search ---------------------------------------------------------------------------


def test_archive_search_by_number_unit_case_and_state(zhongmou: World, cast: Cast) -> None:
    a = case_at(zhongmou, cast)
    b = case_at(zhongmou, cast, zhongmou.traffic)
    n1 = issue(zhongmou, cast, [a])
    n2 = issue(zhongmou, cast, [b], unit=zhongmou.traffic)
    notice_sign(notice_id=n2.pk, actor=cast.handler_b, now=MONDAY_9)
    j = zhongmou.jurisdiction

    assert list(notice_search(jurisdiction=j)) == [n2, n1]
    assert list(notice_search(jurisdiction=j, q="第0001号")) == [n1]
    assert list(notice_search(jurisdiction=j, q="交警")) == [n2]
    assert list(notice_search(jurisdiction=j, q=a.number)) == [n1]
    assert list(notice_search(jurisdiction=j, unit=zhongmou.sanitation)) == [n1]
    assert list(notice_search(jurisdiction=j, signed=True)) == [n2]
    assert list(notice_search(jurisdiction=j, signed=False)) == [n1]
    assert list(notice_search(jurisdiction=j, year=2025)) == []
    assert list(notice_list_for(user=cast.handler_a)) == [n1]
    assert list(notice_list_for(user=cast.outsider)) == []


# --- supervision orders ---------------------------------------------------------------


def test_leader_flag_marks_case_supervised(world: World, cast: Cast) -> None:
    case = case_at(world, cast)
    order = supervision_order_issue(
        case=case,
        reason="leader",
        content="请加快处置",
        deadline=FRIDAY_17,
        actor=cast.dispatcher,
        now=MONDAY_9,
    )
    assert order.unit == world.sanitation
    case.refresh_from_db()
    assert case.is_supervised


def test_system_issues_overdue_order_only_for_overdue_case(world: World, cast: Cast) -> None:
    case = case_at(world, cast)
    with pytest.raises(DocumentError, match="没有超期"):
        supervision_order_issue(
            case=case, reason="overdue", content="", deadline=FRIDAY_17, actor=None, now=MONDAY_9
        )
    Case.objects.filter(pk=case.pk).update(is_overdue=True)
    order = supervision_order_issue(
        case=case, reason="overdue", content="", deadline=FRIDAY_17, actor=None, now=MONDAY_9
    )
    assert order.issued_by is None
    assert "超过处置时限" in order.content
    with pytest.raises(DocumentError):
        supervision_order_issue(
            case=case, reason="leader", content="x", deadline=FRIDAY_17, actor=None, now=MONDAY_9
        )


@pytest.mark.parametrize("who", ["inspector", "handler_a"])
def test_others_cannot_flag_for_supervision(world: World, cast: Cast, who: str) -> None:
    case = case_at(world, cast)
    with pytest.raises(PermissionDenied):
        supervision_order_issue(
            case=case,
            reason="leader",
            content="x",
            deadline=FRIDAY_17,
            actor=getattr(cast, who),
            now=MONDAY_9,
        )
    assert not SupervisionOrder.objects.exists()


def test_supervision_order_signed_once_by_unit(world: World, cast: Cast) -> None:
    order = supervision_order_issue(
        case=case_at(world, cast),
        reason="leader",
        content="x",
        deadline=FRIDAY_17,
        actor=cast.leader,
        now=MONDAY_9,
    )
    with pytest.raises(PermissionDenied):
        supervision_order_sign(order_id=order.pk, actor=cast.handler_b)
    supervision_order_sign(order_id=order.pk, actor=cast.unit_head_a, now=MONDAY_9)
    with pytest.raises(DocumentError):
        supervision_order_sign(order_id=order.pk, actor=cast.handler_a)


# --- PDF ------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_notice_pdf_text_extracts_in_chinese(zhongmou: World, cast: Cast) -> None:
    case = case_at(zhongmou, cast)
    Case.objects.filter(pk=case.pk).update(address="青年路128号（县第一实验小学东侧）")
    notice = issue(zhongmou, cast, [case])
    url = "https://jingxi.example/cases/notices/1/"
    data = notice_pdf(notice=notice, url=url)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for expected in (
        "整改通知单",
        "中牟精细办〔2026〕第0001号",
        "县环卫中心",
        "青年路128号（县第一实验小学东侧）",
        case.number,
        "暴露垃圾",
        "2026年11月27日 17:00",
        "派遣员小李",
        "签收人",
        url,
    ):
        assert expected in text, expected
    # The QR code is drawn (vector squares) and the page links to the URL.
    assert url.encode() in data


def test_pdf_embeds_a_cjk_truetype_font(zhongmou: World, cast: Cast) -> None:
    if pdf_font() != EMBEDDED_FONT:
        pytest.skip("no CJK TrueType font installed (Debian fonts-wqy-microhei)")
    notice = issue(zhongmou, cast, [case_at(zhongmou, cast)])
    data = notice_pdf(notice=notice, url="https://jingxi.example/n/1/")
    fonts = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        resources: Any = page["/Resources"]
        for font in resources["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is not None and "/FontFile2" in descriptor.get_object():
                fonts.add(str(font["/BaseFont"]))
    assert fonts, "no embedded TrueType font"


def test_supervision_order_pdf_text_extracts_in_chinese(zhongmou: World, cast: Cast) -> None:
    case = case_at(zhongmou, cast)
    order = supervision_order_issue(
        case=case,
        reason="leader",
        content="县领导批示：限期清理到位。",
        deadline=FRIDAY_17,
        actor=cast.leader,
        now=MONDAY_9,
    )
    text = pdf_text(supervision_order_pdf(order=order, url="https://jingxi.example/s/1/"))
    for expected in (
        "督办单",
        "中牟精细办督〔2026〕第0001号",
        "县环卫中心",
        "领导督办",
        case.number,
    ):
        assert expected in text, expected


# --- views ----------------------------------------------------------------------------


def test_notice_pages_for_dispatcher_and_unit(zhongmou: World, cast: Cast, client: Client) -> None:
    notice = issue(zhongmou, cast, [case_at(zhongmou, cast)])
    detail = reverse("cases:notice-detail", args=[notice.pk])
    pdf = reverse("cases:notice-pdf", args=[notice.pk])

    client.force_login(cast.dispatcher)
    response = client.get(detail)
    assert response.status_code == 200
    assert notice.number in response.content.decode()
    response = client.get(pdf)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"http://testserver{detail}" in pdf_text(response.content)
    assert client.get(reverse("cases:notice-list")).status_code == 200

    client.force_login(cast.handler_a)
    assert client.get(detail).status_code == 200
    response = client.post(reverse("cases:notice-sign", args=[notice.pk]))
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.signed_by == cast.handler_a


@pytest.mark.parametrize("who", ["handler_b", "outsider", "citizen"])
def test_other_units_handler_gets_404(
    zhongmou: World, cast: Cast, client: Client, who: str
) -> None:
    notice = issue(zhongmou, cast, [case_at(zhongmou, cast)])
    client.force_login(getattr(cast, who))
    for name in ("notice-detail", "notice-pdf"):
        assert client.get(reverse(f"cases:{name}", args=[notice.pk])).status_code == 404
    assert client.post(reverse("cases:notice-sign", args=[notice.pk])).status_code == 404
    notice.refresh_from_db()
    assert notice.signed_at is None


def test_archive_list_filters_and_answers_htmx_with_rows(
    zhongmou: World, cast: Cast, client: Client
) -> None:
    a = case_at(zhongmou, cast)
    n1 = issue(zhongmou, cast, [a])
    n2 = issue(zhongmou, cast, [case_at(zhongmou, cast, zhongmou.traffic)], unit=zhongmou.traffic)
    client.force_login(cast.dispatcher)
    url = reverse("cases:notice-list")
    page = client.get(url).content.decode()
    assert n1.number in page and n2.number in page
    rows = client.get(url, {"q": a.number}, headers={"HX-Request": "true"}).content.decode()
    assert n1.number in rows and n2.number not in rows
    assert "<html" not in rows

    client.force_login(cast.handler_b)
    page = client.get(url).content.decode()
    assert n2.number in page and n1.number not in page


def test_issue_form_lists_units_cases_and_issues(world: World, cast: Cast, client: Client) -> None:
    case = case_at(world, cast)
    other = case_at(world, cast, world.traffic)
    client.force_login(cast.dispatcher)
    url = reverse("cases:notice-issue")
    choices = client.get(
        url, {"unit": str(world.sanitation.pk), "partial": "cases"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert case.number in choices and other.number not in choices

    response = client.post(
        url,
        {
            "unit": world.sanitation.pk,
            "cases": [case.pk],
            "content": "请限期整改",
            "deadline": "2099-01-01T17:00",
        },
    )
    assert response.status_code == 302
    notice = Notice.objects.get()
    assert response["Location"] == reverse("cases:notice-detail", args=[notice.pk])
    assert list(notice.cases.all()) == [case]

    response = client.post(
        url, {"unit": world.sanitation.pk, "content": "x", "deadline": "2099-01-01T17:00"}
    )
    assert response.status_code == 400
    assert "请至少选择一件案卷" in response.content.decode()


def test_issue_form_is_for_dispatchers(world: World, cast: Cast, client: Client) -> None:
    client.force_login(cast.handler_a)
    assert client.get(reverse("cases:notice-issue")).status_code == 404


def test_supervision_pages(world: World, cast: Cast, client: Client) -> None:
    order = supervision_order_issue(
        case=case_at(world, cast),
        reason="leader",
        content="请加快处置",
        deadline=FRIDAY_17,
        actor=cast.leader,
        now=MONDAY_9,
    )
    client.force_login(cast.leader)
    assert client.get(reverse("cases:supervision-list")).status_code == 200
    assert client.get(reverse("cases:supervision-detail", args=[order.pk])).status_code == 200
    response = client.get(reverse("cases:supervision-pdf", args=[order.pk]))
    assert response.status_code == 200
    assert "督办单" in pdf_text(response.content)

    client.force_login(cast.handler_b)
    assert client.get(reverse("cases:supervision-detail", args=[order.pk])).status_code == 404
    client.force_login(cast.handler_a)
    assert client.post(reverse("cases:supervision-sign", args=[order.pk])).status_code == 302
    order.refresh_from_db()
    assert order.signed_by == cast.handler_a
