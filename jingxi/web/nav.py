"""The navigation menu, built from the user's roles (Membership rows).

Every app adds its pages here, in one list, so the menu stays in one place:
an entry names its URL, its label, and who sees it. An entry whose URL does
not exist yet (an app still being written) is left out rather than failing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from jingxi.org.choices import Role
from jingxi.org.models import User
from jingxi.org.roles import PERMISSIONS, Perm


@dataclass(frozen=True, kw_only=True)
class NavEntry:
    """A menu entry.

    `roles` empty means every user of a jurisdiction; otherwise a user holding
    one of the roles sees it. `staff_only` entries are for Django staff users
    (the admin site) whatever their roles. Superusers see every entry.
    """

    key: str
    label: str | Promise
    url_name: str
    roles: frozenset[str] = frozenset()
    staff_only: bool = False


@dataclass(frozen=True, kw_only=True)
class NavLink:
    key: str
    label: str
    url: str
    active: bool


OFFICE_ROLES = frozenset({Role.DISPATCHER, Role.LEADER, Role.ADMIN})
STAFF_ROLES = frozenset(Role.values)
REPORTER_ROLES = frozenset(
    {Role.INSPECTOR, Role.ROAD_CHIEF, Role.ASSESSOR, Role.DISPATCHER, Role.OPERATOR}
)
HOTLINE_ROLES = frozenset({Role.OPERATOR})
NOTICE_ROLES = frozenset({Role.DISPATCHER, Role.UNIT_HANDLER, Role.UNIT_HEAD, Role.LEADER})
# 三员分立: the admin site by role (jingxi/audit/admin_site.py), the audit trail for the auditor.
ADMIN_SITE_ROLES = PERMISSIONS[Perm.MASTER_DATA] | PERMISSIONS[Perm.SECURITY]
AUDIT_ROLES = PERMISSIONS[Perm.AUDIT]

NAV_ENTRIES: Sequence[NavEntry] = (
    NavEntry(key="home", label=_("工作台"), url_name="web:home"),
    NavEntry(key="cases", label=_("案卷工作台"), url_name="cases:case-list", roles=STAFF_ROLES),
    NavEntry(key="report", label=_("上报问题"), url_name="cases:case-report", roles=REPORTER_ROLES),
    NavEntry(
        key="notices", label=_("整改通知单"), url_name="cases:notice-list", roles=NOTICE_ROLES
    ),
    NavEntry(key="hotline", label=_("热线受理"), url_name="hotline:console", roles=HOTLINE_ROLES),
    NavEntry(
        key="callbacks", label=_("回访"), url_name="hotline:callback-list", roles=HOTLINE_ROLES
    ),
    NavEntry(
        key="feedback",
        label=_("市民反馈"),
        url_name="public:reopen-list",
        roles=frozenset({Role.DISPATCHER}),
    ),
    NavEntry(
        key="disclosure", label=_("信息公开"), url_name="public:staff-home", roles=OFFICE_ROLES
    ),
    NavEntry(key="map", label=_("地图"), url_name="web:map"),
    NavEntry(
        key="quality", label=_("数据质量"), url_name="places:grid-quality", roles=OFFICE_ROLES
    ),
    NavEntry(key="audit", label=_("审计记录"), url_name="audit:entry-list", roles=AUDIT_ROLES),
    NavEntry(key="admin", label=_("管理后台"), url_name="admin:index", roles=ADMIN_SITE_ROLES),
)


def _visible(entry: NavEntry, *, user: User, roles: Collection[str]) -> bool:
    if user.is_superuser:
        return True
    if entry.staff_only:
        return user.is_staff
    if not entry.roles:
        return user.jurisdiction_id is not None or bool(roles)
    return bool(entry.roles.intersection(roles)) or (user.is_staff and Role.ADMIN in entry.roles)


def nav_build(
    *,
    user: User,
    roles: Collection[str],
    current_view: str | None = None,
    entries: Sequence[NavEntry] = NAV_ENTRIES,
) -> list[NavLink]:
    """The links `user` may follow, in menu order, the current one marked active."""
    links: list[NavLink] = []
    for entry in entries:
        if not _visible(entry, user=user, roles=roles):
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
