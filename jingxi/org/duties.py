"""Separation of duties (三员分立): no one holds two of the administrator roles.

GB/T 22239-2019 level 3 separates system administration, security administration
and audit. In production (`JINGXI_ENV=production`) every door that saves memberships
(the admin's membership pages, the staff import) refuses a second administrator role
with `separation_error`, and `manage.py check` reports users who already hold two
(`separation_violations`, the check lives in `jingxi.audit.checks`). Development and
the demo allow it, so a developer can try every role with one account.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count
from django.utils.translation import gettext as _

from jingxi.org.choices import Role
from jingxi.org.models import Membership
from jingxi.org.roles import ADMINISTRATOR_ROLES


def separation_enforced() -> bool:
    return getattr(settings, "JINGXI_ENV", "") == "production"


def administrator_roles_among(roles: Iterable[str]) -> frozenset[str]:
    return frozenset(roles) & ADMINISTRATOR_ROLES


def separation_error(*, roles: Iterable[str]) -> str | None:
    """Why a user holding `roles` would break 三员分立 in production, else None (also
    None outside production)."""
    held = administrator_roles_among(roles)
    if not separation_enforced() or len(held) < 2:
        return None
    names = "、".join(str(Role(r).label) for r in sorted(held))
    return _(
        "三员分立：系统管理员、安全管理员、安全审计员须由不同人员担任，同一用户不能同时担任%(roles)s"
    ) % {"roles": names}


@dataclass(frozen=True)
class SeparationViolation:
    user_id: int
    username: str
    roles: frozenset[str]


def separation_violations() -> list[SeparationViolation]:
    """Users who hold two or more administrator roles (in any units). Two queries."""
    user_ids = list(
        Membership.objects.filter(role__in=ADMINISTRATOR_ROLES)
        .values("user_id")
        .annotate(n=Count("role", distinct=True))
        .filter(n__gt=1)
        .values_list("user_id", flat=True)
    )
    if not user_ids:
        return []
    held: dict[int, tuple[str, set[str]]] = {}
    rows = Membership.objects.filter(user_id__in=user_ids, role__in=ADMINISTRATOR_ROLES)
    for user_id, username, role in rows.values_list("user_id", "user__username", "role"):
        held.setdefault(user_id, (username, set()))[1].add(role)
    return [
        SeparationViolation(user_id=uid, username=name, roles=frozenset(roles))
        for uid, (name, roles) in sorted(held.items())
    ]
