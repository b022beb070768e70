"""Reads for the WeChat channel: which jurisdiction, which category, a case's public status."""

from __future__ import annotations

from typing import Final
from urllib.parse import urlencode

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from jingxi.cases import workflow
from jingxi.cases.models import Case
from jingxi.catalog.choices import CategoryKind, CategoryLevel
from jingxi.catalog.models import Category
from jingxi.catalog.selectors import category_suggest
from jingxi.org.models import Jurisdiction
from jingxi.wechat.protocol import AesKeyInvalid, aes_key_decode

# Names the public tracking page may have; the path is the contract when none exists yet.
TRACKING_URL_NAMES = ("public:case-track", "public:track")
AES_KEY_SETTINGS: Final = (
    "JINGXI_WECHAT_ENCODING_AES_KEY",
    "JINGXI_WECHAT_ENCODING_AES_KEY_PREVIOUS",
)


class NotConfigured(RuntimeError):
    """The WeChat channel's settings do not name one jurisdiction."""


def wechat_setting(name: str) -> str:
    """A string setting of the WeChat channel, stripped; empty when unset."""
    return str(getattr(settings, name, "") or "").strip()


def aes_keys() -> tuple[bytes, ...]:
    """The current AESKey, then the previous one if set; () in plaintext mode.

    Raises AesKeyInvalid, naming the setting, when a configured EncodingAESKey is malformed.
    """
    if not wechat_setting(AES_KEY_SETTINGS[0]):
        return ()
    decoded: list[bytes] = []
    for name in AES_KEY_SETTINGS:
        value = wechat_setting(name)
        if not value:
            continue
        try:
            decoded.append(aes_key_decode(value))
        except AesKeyInvalid as exc:
            raise AesKeyInvalid(f"{name}: {exc}") from exc
    return tuple(decoded)


def jurisdiction_for_wechat() -> Jurisdiction:
    """The jurisdiction named by JINGXI_WECHAT_JURISDICTION, or the only one."""
    code = wechat_setting("JINGXI_WECHAT_JURISDICTION")
    if code:
        found = Jurisdiction.objects.filter(code=code).first()
        if found is None:
            raise NotConfigured(f"JINGXI_WECHAT_JURISDICTION={code}: no such jurisdiction")
        return found
    only = list(Jurisdiction.objects.all()[:2])
    if len(only) != 1:
        raise NotConfigured("JINGXI_WECHAT_JURISDICTION is empty and there is not exactly one")
    return only[0]


def category_general(*, jurisdiction: Jurisdiction) -> Category | None:
    """The category for a description no category fits.

    JINGXI_WECHAT_GENERAL_CATEGORY names it by code (an event category before a
    component one); without it, an active minor category whose name starts with 其他
    (events first, then by code). None when neither exists.
    """
    minors = Category.objects.filter(
        jurisdiction=jurisdiction, level=CategoryLevel.MINOR, is_active=True
    )
    code = str(getattr(settings, "JINGXI_WECHAT_GENERAL_CATEGORY", "") or "")
    found = minors.filter(code=code) if code else minors.filter(name__startswith="其他")
    ordered = sorted(found, key=lambda c: (c.kind != CategoryKind.EVENT, c.code))
    return ordered[0] if ordered else None


def category_for_description(*, jurisdiction: Jurisdiction, text: str) -> Category | None:
    """The best suggested category for the description, else the general one."""
    suggestions = category_suggest(jurisdiction=jurisdiction, text=text, limit=1)
    if suggestions:
        return suggestions[0].category
    return category_general(jurisdiction=jurisdiction)


def tracking_url(*, base_url: str, number: str, token: str = "") -> str:
    """The public tracking page of a case, absolute from the address WeChat called.

    With the case's tracking token (`?t=`, given only to the reporter) the page also
    lets its holder rate the result or say it is not fixed.
    """
    path = f"/public/track/{number}/"
    for name in TRACKING_URL_NAMES:
        try:
            path = reverse(name, kwargs={"number": number})
            break
        except NoReverseMatch:
            continue
    url = base_url.rstrip("/") + path
    return f"{url}?{urlencode({'t': token})}" if token else url


def case_public_status(*, jurisdiction: Jurisdiction, number: str) -> str | None:
    """What anyone may know of a case by its number (no people, no description)."""
    case = (
        Case.objects.filter(jurisdiction=jurisdiction, number=number)
        .select_related("category")
        .first()
    )
    if case is None:
        return None
    if case.status in workflow.CLOSED:
        stage = "已办结"
    elif case.status in workflow.ENDED_WITHOUT_CASE:
        stage = "已终止"
    else:
        stage = "办理中"
    lines = [
        f"案卷编号：{case.number}",
        f"问题类别：{case.category.name}",
        f"当前状态：{stage}（{case.get_status_display()}）",
        f"上报时间：{timezone.localtime(case.reported_at):%Y-%m-%d %H:%M}",
    ]
    if case.closed_at is not None:
        lines.append(f"办结时间：{timezone.localtime(case.closed_at):%Y-%m-%d %H:%M}")
    return "\n".join(lines)
