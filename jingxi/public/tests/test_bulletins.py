"""Bulletins (通报 / 公告): drafting, PDFs checked by content, publishing and withdrawing;
public pages show published ones only, with no staff names; office pages for the office."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import Cast, World
from jingxi.bulletins import services
from jingxi.bulletins.choices import BulletinStatus
from jingxi.bulletins.models import Bulletin
from jingxi.bulletins.selectors import bulletin_list_public, bulletin_years_public
from jingxi.bulletins.services import BulletinInputError
from jingxi.org.choices import Role
from jingxi.org.models import Membership, Unit
from jingxi.org.tests.factories import JurisdictionFactory, UserFactory

TZ = ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SPECIAL = services.BulletinText(kind="special", title="专项通报", body="正文")


pytestmark = pytest.mark.usefixtures("public_site")


def stored_pdfs(settings: Any) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "bulletins"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


Draft = Callable[..., Bulletin]


@pytest.fixture
def draft(world: World, cast: Cast) -> Draft:
    def make(*, pdf: services.Pdf | None = None, actor: Any = None, **text: Any) -> Bulletin:
        fields: dict[str, Any] = {
            "kind": "monthly",
            "title": "2026年10月城市精细化管理问题整改通报",
            "body": "一、总体情况\n本月共受理问题120件。\n\n二、下步工作\n继续加强巡查。",
        }
        return services.bulletin_create(
            jurisdiction=world.jurisdiction,
            actor=actor or cast.dispatcher,
            text=services.BulletinText(**(fields | text)),
            pdf=pdf,
        )

    return make


def published(draft: Draft, cast: Cast, *, at: dt.datetime | None = None, **kw: Any) -> Bulletin:
    b = draft(**kw)
    return services.bulletin_publish(bulletin_id=b.pk, actor=cast.dispatcher, now=at)


def pdf_upload(data: bytes = PDF, name: str = "通报.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


# --- services ---------------------------------------------------------------------------


def test_draft_keeps_its_pdf_under_its_content_hash(draft: Draft, settings: Any) -> None:
    b = draft(number="中牟精细办通〔2026〕1号", pdf=services.pdf_check(data=PDF))
    assert b.status == BulletinStatus.DRAFT and b.published_at is None
    assert b.pdf.name.startswith("bulletins/") and b.pdf.name.endswith(".pdf")
    assert services.pdf_check(data=PDF).sha256 in b.pdf.name
    assert b.pdf_size == len(PDF)
    assert [p.read_bytes() for p in stored_pdfs(settings)] == [PDF]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (PNG, "不是 PDF"),
        (b"", "空的"),
        (PDF[:-8], "不完整"),
        (b"<html>%PDF-1.4 %%EOF", "不是 PDF"),
    ],
)
def test_pdf_is_judged_by_its_content(data: bytes, words: str) -> None:
    with pytest.raises(BulletinInputError, match=words):
        services.pdf_check(data=data)


def test_oversized_pdf_is_refused_before_reading_it_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "MAX_PDF_BYTES", 1024)
    big = PDF[:-6] + b" " * 2000 + b"%%EOF\n"
    with pytest.raises(BulletinInputError, match="过大"):
        services.pdf_check(data=big)
    with pytest.raises(BulletinInputError, match="过大"):
        services.pdf_read(file=io.BytesIO(big), size=None)


def test_missing_title_stores_nothing(draft: Draft, settings: Any) -> None:
    with pytest.raises(BulletinInputError, match="标题"):
        draft(title="  ", pdf=services.pdf_check(data=PDF))
    assert not Bulletin.objects.exists()
    assert stored_pdfs(settings) == []


def test_number_is_unique_in_the_county(draft: Draft) -> None:
    draft(number="通〔2026〕1号")
    with pytest.raises(BulletinInputError, match="已被使用"):
        draft(number="通〔2026〕1号")
    draft(number="")
    draft(number="")  # no number is no clash
    assert Bulletin.objects.count() == 3


def test_period_must_not_end_before_it_starts(draft: Draft) -> None:
    with pytest.raises(BulletinInputError, match="结束日期"):
        draft(period_start=dt.date(2026, 10, 31), period_end=dt.date(2026, 10, 1))


def test_only_office_writers_draft_and_publish(draft: Draft, world: World, cast: Cast) -> None:
    for user in (cast.leader, cast.handler_a, cast.inspector, cast.outsider):
        with pytest.raises(PermissionDenied):
            draft(actor=user)
    b = draft()
    with pytest.raises(PermissionDenied):
        services.bulletin_publish(bulletin_id=b.pk, actor=cast.leader)
    assert Bulletin.objects.get(pk=b.pk).status == BulletinStatus.DRAFT


def test_draft_then_published_then_withdrawn(draft: Draft, cast: Cast) -> None:
    b = draft()
    with pytest.raises(BulletinInputError, match="只有已发布"):
        services.bulletin_withdraw(bulletin_id=b.pk, actor=cast.dispatcher)
    b = services.bulletin_publish(bulletin_id=b.pk, actor=cast.dispatcher)
    assert (b.status, b.published_by) == (BulletinStatus.PUBLISHED, cast.dispatcher)
    with pytest.raises(BulletinInputError, match="只有草稿可以发布"):
        services.bulletin_publish(bulletin_id=b.pk, actor=cast.dispatcher)
    with pytest.raises(BulletinInputError, match="只有草稿可以修改"):
        services.bulletin_update(
            bulletin_id=b.pk,
            actor=cast.dispatcher,
            text=services.BulletinText(kind="monthly", title="改", body="改"),
        )
    b = services.bulletin_withdraw(bulletin_id=b.pk, actor=cast.dispatcher, reason="数据有误")
    assert (b.status, b.withdraw_reason) == (BulletinStatus.WITHDRAWN, "数据有误")
    assert b.withdrawn_at is not None and b.published_at is not None
    with pytest.raises(BulletinInputError):
        services.bulletin_publish(bulletin_id=b.pk, actor=cast.dispatcher)


def test_editing_a_draft_replaces_and_releases_its_pdf(
    draft: Draft, cast: Cast, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    b = draft(pdf=services.pdf_check(data=PDF))
    newer = PDF.replace(b"Catalog", b"Catalog /Lang (zh)")
    with django_capture_on_commit_callbacks(execute=True):
        b = services.bulletin_update(
            bulletin_id=b.pk,
            actor=cast.dispatcher,
            text=SPECIAL,
            pdf=services.pdf_check(data=newer),
        )
    assert (b.kind, b.title, b.pdf_size) == ("special", "专项通报", len(newer))
    assert [p.read_bytes() for p in stored_pdfs(settings)] == [newer]
    with django_capture_on_commit_callbacks(execute=True):
        b = services.bulletin_update(
            bulletin_id=b.pk,
            actor=cast.dispatcher,
            text=SPECIAL,
            remove_pdf=True,
        )
    assert not b.pdf and b.pdf_size == 0
    assert stored_pdfs(settings) == []


def test_public_list_is_published_only_newest_first_by_year_and_kind(
    draft: Draft, world: World, cast: Cast
) -> None:
    old = published(draft, cast, at=dt.datetime(2025, 12, 31, 23, 30, tzinfo=TZ), title="旧")
    new = published(
        draft, cast, at=dt.datetime(2026, 1, 1, 0, 30, tzinfo=TZ), title="新", kind="announcement"
    )
    draft(title="草稿")
    gone = published(draft, cast, title="撤回的")
    services.bulletin_withdraw(bulletin_id=gone.pk, actor=cast.dispatcher)
    j = world.jurisdiction
    assert list(bulletin_list_public(jurisdiction=j)) == [new, old]
    assert list(bulletin_list_public(jurisdiction=j, year=2025)) == [old]
    assert list(bulletin_list_public(jurisdiction=j, kind="announcement")) == [new]
    assert bulletin_years_public(jurisdiction=j) == [2026, 2025]


# --- public pages -----------------------------------------------------------------------


@pytest.fixture
def shelf(draft: Draft, cast: Cast) -> dict[str, Bulletin]:
    """A published bulletin with a PDF, a draft and a withdrawn one (both with PDFs)."""
    pdf = services.pdf_check(data=PDF)
    shown = published(draft, cast, title="十月整改通报", number="通〔2026〕10号", pdf=pdf)
    hidden = draft(title="尚未发布的草稿", pdf=pdf)
    gone = published(draft, cast, title="已撤回的通报", pdf=pdf)
    gone = services.bulletin_withdraw(
        bulletin_id=gone.pk, actor=cast.dispatcher, reason="内部原因：数字有误"
    )
    return {"shown": shown, "draft": hidden, "withdrawn": gone}


def test_public_pages_show_published_bulletins_only(
    client: Client, shelf: dict[str, Bulletin]
) -> None:
    for url in (reverse("public:bulletin-list"), reverse("public:portal")):
        body = client.get(url).content.decode()
        assert "十月整改通报" in body, url
        assert "尚未发布的草稿" not in body and "已撤回的通报" not in body, url
    shown = client.get(reverse("public:bulletin-detail", args=[shelf["shown"].pk]))
    text = shown.content.decode()
    assert shown.status_code == 200
    assert "通〔2026〕10号" in text
    assert "<p>一、总体情况<br>本月共受理问题120件。</p>" in text
    assert reverse("public:bulletin-pdf", args=[shelf["shown"].pk]) in text


def test_draft_and_withdrawn_bulletins_answer_404(
    client: Client, shelf: dict[str, Bulletin]
) -> None:
    for key in ("draft", "withdrawn"):
        pk = shelf[key].pk
        assert client.get(reverse("public:bulletin-detail", args=[pk])).status_code == 404
        assert client.get(reverse("public:bulletin-pdf", args=[pk])).status_code == 404


def test_published_pdf_is_downloaded_as_pdf(client: Client, shelf: dict[str, Bulletin]) -> None:
    response = client.get(reverse("public:bulletin-pdf", args=[shelf["shown"].pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]


def test_bulletin_without_pdf_has_no_download(client: Client, draft: Draft, cast: Cast) -> None:
    b = published(draft, cast)
    assert client.get(reverse("public:bulletin-pdf", args=[b.pk])).status_code == 404
    detail = client.get(reverse("public:bulletin-detail", args=[b.pk])).content.decode()
    assert reverse("public:bulletin-pdf", args=[b.pk]) not in detail


def test_another_countys_bulletin_is_not_public_here(client: Client, cast: Cast) -> None:
    other = JurisdictionFactory(code="410183", name="新密市")
    office = Unit.objects.create(jurisdiction=other, code="X", name="市精细办", kind="office")
    writer = UserFactory(username="xinmi", full_name="新密派遣员", jurisdiction=other)
    Membership.objects.create(user=writer, unit=office, role=Role.DISPATCHER)
    text = services.BulletinText(kind="announcement", title="新密公告", body="x")
    b = services.bulletin_create(jurisdiction=other, actor=writer, text=text)
    services.bulletin_publish(bulletin_id=b.pk, actor=writer)
    assert client.get(reverse("public:bulletin-detail", args=[b.pk])).status_code == 404
    assert "新密公告" not in client.get(reverse("public:bulletin-list")).content.decode()


def test_public_pages_name_no_staff(client: Client, cast: Cast, shelf: dict[str, Bulletin]) -> None:
    secrets = [cast.dispatcher.full_name, cast.dispatcher.username, "数字有误"]
    urls = [
        reverse("public:portal"),
        reverse("public:bulletin-list"),
        reverse("public:bulletin-detail", args=[shelf["shown"].pk]),
    ]
    for url in urls:
        body = client.get(url).content.decode()
        for secret in secrets:
            assert secret not in body, (url, secret)
    # The office sees who did what.
    client.force_login(cast.leader)
    staff = reverse("public:staff-bulletin-detail", args=[shelf["withdrawn"].pk])
    body = client.get(staff).content.decode()
    assert cast.dispatcher.full_name in body and "数字有误" in body


def test_list_filters_and_pages(client: Client, draft: Draft, cast: Cast) -> None:
    for i in range(22):
        published(draft, cast, at=dt.datetime(2026, 3, 1, 9, i, tzinfo=TZ), title=f"月报{i:02d}")
    published(
        draft, cast, at=dt.datetime(2025, 5, 1, 9, tzinfo=TZ), title="去年公告", kind="announcement"
    )
    first = client.get(reverse("public:bulletin-list")).content.decode()
    assert first.index("月报21") < first.index("月报20")  # newest first
    assert "月报01" not in first and "page=2" in first
    second = client.get(reverse("public:bulletin-list") + "?page=2").content.decode()
    assert "月报01" in second and "去年公告" in second
    year = client.get(reverse("public:bulletin-list") + "?year=2025").content.decode()
    assert "去年公告" in year and "月报" not in year
    kind = client.get(reverse("public:bulletin-list") + "?kind=announcement").content.decode()
    assert "去年公告" in kind and "月报21" not in kind
    paged = client.get(reverse("public:bulletin-list") + "?year=2026").content.decode()
    assert "year=2026&amp;page=2" in paged


def test_public_list_takes_few_queries(
    client: Client, draft: Draft, cast: Cast, django_assert_max_num_queries: Any
) -> None:
    for i in range(5):
        published(draft, cast, title=f"通报{i}")
    with django_assert_max_num_queries(5):
        assert client.get(reverse("public:bulletin-list")).status_code == 200


# --- office pages -------------------------------------------------------------------------


def staff_get_urls(b: Bulletin) -> list[str]:
    return [
        reverse("public:staff-bulletin-list"),
        reverse("public:staff-bulletin-new"),
        reverse("public:staff-bulletin-detail", args=[b.pk]),
        reverse("public:staff-bulletin-edit", args=[b.pk]),
        reverse("public:staff-bulletin-pdf", args=[b.pk]),
    ]


def test_anonymous_is_sent_to_login(client: Client, shelf: dict[str, Bulletin]) -> None:
    for url in staff_get_urls(shelf["draft"]):
        response = client.get(url)
        assert response.status_code == 302, url
        assert reverse("login") in response["Location"]
    act = reverse("public:staff-bulletin-act", args=[shelf["draft"].pk])
    assert client.post(act, {"action": "publish"}).status_code == 302
    assert Bulletin.objects.get(pk=shelf["draft"].pk).status == BulletinStatus.DRAFT


@pytest.mark.parametrize("who", ["handler_a", "unit_head_a", "inspector", "operator", "outsider"])
def test_others_get_404(client: Client, cast: Cast, shelf: dict[str, Bulletin], who: str) -> None:
    client.force_login(getattr(cast, who))
    for url in staff_get_urls(shelf["draft"]):
        assert client.get(url).status_code == 404, url
    act = reverse("public:staff-bulletin-act", args=[shelf["draft"].pk])
    assert client.post(act, {"action": "publish"}).status_code == 404
    assert Bulletin.objects.get(pk=shelf["draft"].pk).status == BulletinStatus.DRAFT


def test_another_countys_office_gets_404(client: Client, shelf: dict[str, Bulletin]) -> None:
    other = JurisdictionFactory(code="410183", name="新密市")
    office = Unit.objects.create(jurisdiction=other, code="X", name="市精细办", kind="office")
    stranger = UserFactory(username="xinmi", full_name="新密派遣员", jurisdiction=other)
    Membership.objects.create(user=stranger, unit=office, role=Role.DISPATCHER)
    client.force_login(stranger)
    assert (
        "尚未发布的草稿" not in client.get(reverse("public:staff-bulletin-list")).content.decode()
    )
    b = shelf["draft"]
    for url in staff_get_urls(b)[2:]:
        assert client.get(url).status_code == 404, url
    act = reverse("public:staff-bulletin-act", args=[b.pk])
    assert client.post(act, {"action": "publish"}).status_code == 404
    assert Bulletin.objects.get(pk=b.pk).status == BulletinStatus.DRAFT


def test_leader_reads_but_does_not_write(
    client: Client, cast: Cast, shelf: dict[str, Bulletin]
) -> None:
    client.force_login(cast.leader)
    b = shelf["draft"]
    listing = client.get(reverse("public:staff-bulletin-list")).content.decode()
    assert "尚未发布的草稿" in listing and "已撤回的通报" in listing
    assert client.get(reverse("public:staff-bulletin-detail", args=[b.pk])).status_code == 200
    assert client.get(reverse("public:staff-bulletin-pdf", args=[b.pk])).status_code == 200
    assert client.get(reverse("public:staff-bulletin-new")).status_code == 403
    assert client.get(reverse("public:staff-bulletin-edit", args=[b.pk])).status_code == 403
    act = reverse("public:staff-bulletin-act", args=[b.pk])
    assert client.post(act, {"action": "publish"}).status_code == 403
    assert Bulletin.objects.get(pk=b.pk).status == BulletinStatus.DRAFT


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "special",
        "number": "通〔2026〕11号",
        "title": "关于占道经营专项整治情况的通报",
        "period_start": "2026-10-01",
        "period_end": "2026-10-31",
        "body": "各乡镇（街道）：\n现将情况通报如下。",
    }
    data.update(overrides)
    return data


def test_dispatcher_drafts_publishes_and_withdraws_by_form(
    client: Client, cast: Cast, settings: Any
) -> None:
    client.force_login(cast.dispatcher)
    response = client.post(reverse("public:staff-bulletin-new"), form_data(pdf=pdf_upload()))
    b = Bulletin.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("public:staff-bulletin-detail", args=[b.pk])
    assert (b.status, b.created_by, b.period_end) == (
        "draft",
        cast.dispatcher,
        dt.date(2026, 10, 31),
    )
    assert [p.read_bytes() for p in stored_pdfs(settings)] == [PDF]
    public = reverse("public:bulletin-detail", args=[b.pk])
    assert client.get(public).status_code == 404

    edit = reverse("public:staff-bulletin-edit", args=[b.pk])
    assert client.post(edit, form_data(title="关于占道经营整治的通报")).status_code == 302
    b.refresh_from_db()
    assert b.title == "关于占道经营整治的通报" and b.pdf  # no new file keeps the old one

    act = reverse("public:staff-bulletin-act", args=[b.pk])
    assert client.post(act, {"action": "publish"}).status_code == 302
    assert Client().get(public).status_code == 200
    assert client.get(edit).status_code == 302  # a published bulletin is not edited

    assert client.post(act, {"action": "withdraw", "reason": "数据需核实"}).status_code == 302
    b.refresh_from_db()
    assert (b.status, b.withdrawn_by, b.withdraw_reason) == (
        "withdrawn",
        cast.dispatcher,
        "数据需核实",
    )
    assert Client().get(public).status_code == 404
    archive = client.get(reverse("public:staff-bulletin-list") + "?status=withdrawn")
    assert "关于占道经营整治的通报" in archive.content.decode()


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"title": ""}, "标题"),
        ({"pdf": pdf_upload(PNG, "fake.pdf")}, "不是 PDF"),
        ({"pdf": pdf_upload(b"", "empty.pdf")}, "空"),
        ({"period_end": "2026-09-01"}, "结束日期"),
        ({"kind": "weekly"}, "类型"),
    ],
)
def test_bad_input_is_a_form_error_and_stores_nothing(
    client: Client, cast: Cast, settings: Any, overrides: dict[str, Any], words: str
) -> None:
    client.force_login(cast.dispatcher)
    response = client.post(reverse("public:staff-bulletin-new"), form_data(**overrides))
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not Bulletin.objects.exists()
    assert stored_pdfs(settings) == []


def test_oversized_pdf_is_a_form_error(
    client: Client, cast: Cast, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "MAX_PDF_BYTES", 1024)
    big = PDF[:-6] + b" " * 4096 + b"%%EOF\n"
    client.force_login(cast.dispatcher)
    response = client.post(reverse("public:staff-bulletin-new"), form_data(pdf=pdf_upload(big)))
    assert response.status_code == 400
    assert "PDF 文件过大：不能超过 1 KB" in response.content.decode()
    assert not Bulletin.objects.exists()
    assert stored_pdfs(settings) == []


def test_duplicate_number_is_a_form_error(client: Client, cast: Cast, draft: Draft) -> None:
    draft(number="通〔2026〕11号")
    client.force_login(cast.dispatcher)
    response = client.post(reverse("public:staff-bulletin-new"), form_data())
    assert response.status_code == 400
    assert "已被使用" in response.content.decode()
    assert Bulletin.objects.count() == 1


def test_staff_home_counts_drafts(client: Client, cast: Cast, shelf: dict[str, Bulletin]) -> None:
    client.force_login(cast.dispatcher)
    body = client.get(reverse("public:staff-home")).content.decode()
    assert reverse("public:staff-bulletin-list") + "?status=draft" in body
    assert reverse("public:staff-bulletin-new") in body


def test_bulletin_pages_are_in_english_too(
    client: Client, cast: Cast, shelf: dict[str, Bulletin]
) -> None:
    client.post(reverse("set_language"), {"language": "en"})
    home = client.get(reverse("public:portal")).content.decode()
    assert "Latest bulletins" in home and "最新通报" not in home
    detail = client.get(reverse("public:bulletin-detail", args=[shelf["shown"].pk]))
    assert "Download the PDF" in detail.content.decode()
    client.force_login(cast.dispatcher)
    client.post(reverse("set_language"), {"language": "en"})
    response = client.post(reverse("public:staff-bulletin-new"), form_data(number="通〔2026〕10号"))
    assert "Document number 通〔2026〕10号 is already in use" in response.content.decode()
