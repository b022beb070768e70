"""Who may work the hotline: `Perm.HOTLINE` (operators 热线话务员, dispatchers 受理/派遣员).

Both services and views check through here, so no door forgets it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from jingxi.org.models import Jurisdiction, User
from jingxi.org.roles import Perm, roles_for


class NoJurisdiction(PermissionDenied):
    """The user belongs to no jurisdiction (views answer 404: there is nothing to see)."""


def hotline_jurisdiction_for(*, user: User) -> Jurisdiction:
    """The jurisdiction whose hotline `user` works; PermissionDenied if they may not."""
    jurisdiction = user.jurisdiction if user.is_authenticated else None
    if jurisdiction is None:
        raise NoJurisdiction(_("您的账号尚未关联辖区"))
    if not roles_for(user=user).may(Perm.HOTLINE):
        raise PermissionDenied(_("只有热线话务员和受理/派遣员可以使用热线受理"))
    return jurisdiction
