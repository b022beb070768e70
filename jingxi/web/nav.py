"""The navigation menu, built from what the user's roles permit (`jingxi.org.roles`).

Every app adds its pages here, in one list, so the menu stays in one place: an entry
names its URL, its label, and the permission its page checks (the same `Perm` the view
asks for, so the menu never offers a page that answers 404). An entry whose URL does
not exist yet (an app still being written) is left out rather than failing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jingxi.org.roles import Perm, RoleSet


@dataclass(frozen=True, kw_only=True)
class NavEntry:
    """A menu entry, shown to a user whose roles grant one of `perms` (empty: every
    logged-in user)."""

    key: str
    label: str | Promise
    url_name: str
    perms: tuple[Perm, ...] = ()


@dataclass(frozen=True, kw_only=True)
class NavLink:
    key: str
    label: str
    url: str
    active: bool


NAV_ENTRIES: Sequence[NavEntry] = (
    NavEntry(key="home", label=_("工作台"), url_name="web:home"),
    NavEntry(key="cases", label=_("案卷工作台"), url_name="cases:case-list", perms=(Perm.CASES,)),
    NavEntry(key="report", label=_("上报问题"), url_name="cases:case-report", perms=(Perm.REPORT,)),
    NavEntry(key="round", label=_("今日巡查"), url_name="inspections:round", perms=(Perm.ROUND,)),
    NavEntry(
        key="notices", label=_("整改通知单"), url_name="cases:notice-list", perms=(Perm.DOCUMENTS,)
    ),
    NavEntry(
        key="supervision",
        label=_("督办单"),
        url_name="cases:supervision-list",
        perms=(Perm.DOCUMENTS,),
    ),
    NavEntry(key="hotline", label=_("热线受理"), url_name="hotline:console", perms=(Perm.HOTLINE,)),
    NavEntry(
        key="callbacks", label=_("回访"), url_name="hotline:callback-list", perms=(Perm.HOTLINE,)
    ),
    NavEntry(
        key="feedback",
        label=_("市民反馈"),
        url_name="public:reopen-list",
        perms=(Perm.REOPEN_DECIDE,),
    ),
    NavEntry(
        key="disclosure",
        label=_("信息公开"),
        url_name="public:staff-home",
        perms=(Perm.DISCLOSURE_READ,),
    ),
    NavEntry(key="map", label=_("地图"), url_name="web:map", perms=(Perm.MAP,)),
    NavEntry(
        key="inspections",
        label=_("巡查督导"),
        url_name="inspections:overview",
        perms=(Perm.INSPECTION_READ,),
    ),
    NavEntry(
        key="quality", label=_("数据质量"), url_name="places:grid-quality", perms=(Perm.QUALITY,)
    ),
    NavEntry(
        key="admin",
        label=_("管理后台"),
        url_name="admin:index",
        perms=(Perm.MASTER_DATA, Perm.SECURITY),
    ),
    NavEntry(key="audit", label=_("审计记录"), url_name="audit:entry-list", perms=(Perm.AUDIT,)),
)


def _visible(entry: NavEntry, *, roles: RoleSet) -> bool:
    return not entry.perms or any(roles.may(perm) for perm in entry.perms)


def nav_build(
    *,
    roles: RoleSet,
    current_view: str | None = None,
    entries: Sequence[NavEntry] = NAV_ENTRIES,
) -> list[NavLink]:
    """The links a user with `roles` may follow, in menu order, the current one marked."""
    links: list[NavLink] = []
    for entry in entries:
        if not _visible(entry, roles=roles):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        links.append(
            NavLink(
                key=entry.key,
                label=str(entry.label),
                url=url,
                active=current_view == entry.url_name,
            )
        )
    return links
