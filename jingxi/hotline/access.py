"""Who may work the hotline: operators (热线话务员) and dispatchers (受理/派遣员).

Both services and views check through here, so no door forgets it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from jingxi.cases.services import actor_roles
from jingxi.org.choices import Role
from jingxi.org.models import Jurisdiction, User

HOTLINE_ROLES = frozenset({Role.OPERATOR, Role.DISPATCHER})


class NoJurisdiction(PermissionDenied):
    """The user belongs to no jurisdiction (views answer 404: there is nothing to see)."""


def hotline_jurisdiction_for(*, user: User) -> Jurisdiction:
    """The jurisdiction whose hotline `user` works; PermissionDenied if they may not."""
    jurisdiction = user.jurisdiction if user.is_authenticated else None
    if jurisdiction is None:
        raise NoJurisdiction(_("您的账号尚未关联辖区"))
    roles = actor_roles(actor=user, jurisdiction=jurisdiction)
    if not (HOTLINE_ROLES & set(roles) or user.is_superuser):
        raise PermissionDenied(_("只有热线话务员和受理/派遣员可以使用热线受理"))
    return jurisdiction
