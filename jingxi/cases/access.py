"""Permission-checked reads of cases. Every view and API endpoint fetches through here.

Who sees which cases (the roles are `jingxi.org.roles`'s):
- the roles of `Perm.CASES_ALL` (dispatcher, inspector, assessor, leader, operator,
  system administrator): every case of their jurisdiction;
- unit handlers and unit heads: cases currently at their units;
- road chiefs: cases on the roads they are current chief of;
- any staff member: the cases they reported themselves;
- nobody else sees any case (a citizen follows theirs by number on the public site).
A case that a user may not see does not exist for them: `case_get_for` raises
Case.DoesNotExist, so views answer 404 and ids do not leak.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Final

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from jingxi.cases import workflow
from jingxi.cases.choices import Source
from jingxi.cases.models import Case
from jingxi.lib.geo import haversine_m
from jingxi.org.choices import Role
from jingxi.org.models import User
from jingxi.org.roles import Perm, RoleSet, roles_for
from jingxi.places.selectors import road_ids_chiefed_by


def case_visibility_filter(*, user: User, roles: RoleSet | None = None) -> Q | None:
    """A Q selecting the cases `user` may see, or None when they may see none.

    `roles` is the user's `roles_for`, when the caller read it already.
    """
    if not user.is_authenticated or user.jurisdiction_id is None:
        return None
    roles = roles if roles is not None else roles_for(user=user)
    own = Q(jurisdiction_id=user.jurisdiction_id)
    if roles.may(Perm.CASES_ALL):
        return own
    scope = Q(reporter=user)
    unit_ids = roles.unit_ids()
    if unit_ids:
        scope |= Q(unit_id__in=unit_ids)
    if Role.ROAD_CHIEF in roles:
        scope |= Q(road_id__in=road_ids_chiefed_by(user=user))
    return own & scope


def case_list_for(*, user: User, roles: RoleSet | None = None) -> QuerySet[Case]:
    """Every case `user` may see, with the relations lists show."""
    scope = case_visibility_filter(user=user, roles=roles)
    if scope is None:
        return Case.objects.none()
    # PostgreSQL's planning time grows steeply with each joined relation (3 ms with
    # five, 30 ms and more with seven), so the rarer ones come by separate queries.
    return (
        Case.objects.filter(scope)
        .select_related("category", "unit", "proposed_unit", "township")
        .prefetch_related("road", "reporter", "merged_into")
        .defer("township__geometry")
    )


def case_get_for(*, user: User, case_id: int, roles: RoleSet | None = None) -> Case:
    """The case, if `user` may see it; raises Case.DoesNotExist otherwise."""
    return case_list_for(user=user, roles=roles).get(pk=case_id)


def case_duplicates_for(
    *, case: Case, radius_m: float, window_hours: int, limit: int = 10
) -> list[Case]:
    """Open or recently closed cases of the same subcategory near `case` in time and place.

    A bounding box in SQL narrows the candidates; the exact distance is checked here.
    """
    dlat = radius_m / 111_320.0
    dlng = radius_m / (111_320.0 * max(math.cos(math.radians(case.lat)), 0.01))
    since = case.reported_at - dt.timedelta(hours=window_hours)
    candidates = (
        Case.objects.filter(
            jurisdiction_id=case.jurisdiction_id,
            category_id=case.category_id,
            reported_at__gte=since,
            lng__range=(case.lng - dlng, case.lng + dlng),
            lat__range=(case.lat - dlat, case.lat + dlat),
            status__in=[*workflow.OPEN, *workflow.CLOSED],
        )
        .exclude(pk=case.pk)
        .order_by("reported_at")[: limit * 5]
    )
    near = [c for c in candidates if haversine_m(case.lng, case.lat, c.lng, c.lat) <= radius_m]
    return near[:limit]


# --- who may report, as which source --------------------------------------------------

#: Sources entered at the office's desk for someone else (a caller, a newspaper …).
DESK_SOURCES: Final = (
    Source.HOTLINE,
    Source.CITIZEN_WEB,
    Source.WECHAT,
    Source.MEDIA,
    Source.LEADER,
    Source.TRANSFER,
)
#: The sources each role may claim for a report it makes. A patrol source says who found
#: the problem, so only that role claims it, and only its reports may be filed at once.
SOURCES_BY_ROLE: Final[Mapping[Role, tuple[Source, ...]]] = {
    Role.INSPECTOR: (Source.INSPECTOR,),
    Role.ROAD_CHIEF: (Source.ROAD_CHIEF,),
    Role.ASSESSOR: (Source.ASSESSOR,),
    Role.DISPATCHER: DESK_SOURCES,
    Role.OPERATOR: DESK_SOURCES,
    Role.LEADER: (Source.LEADER,),
}
#: Sources of the staff's own patrols: a report of one may be filed directly (立案) by
#: the role that claims it.
PATROL_SOURCES: Final = frozenset({Source.INSPECTOR, Source.ROAD_CHIEF, Source.ASSESSOR})


def report_sources_for(*, roles: RoleSet) -> list[Source]:
    """The sources `roles` may claim, patrol sources first, each once."""
    claimable: list[Source] = []
    for role, sources in SOURCES_BY_ROLE.items():
        if role in roles:
            claimable.extend(s for s in sources if s not in claimable)
    return sorted(claimable, key=lambda s: (s not in PATROL_SOURCES, list(Source).index(s)))


def report_claim_check(*, roles: RoleSet, source: str, file_directly: bool) -> None:
    """PermissionDenied unless `roles` may report as `source` (and file it directly)."""
    claimable = report_sources_for(roles=roles)
    if not claimable:
        raise PermissionDenied(_("您的角色不能上报问题"))
    if source not in claimable:
        raise PermissionDenied(
            _("您的角色不能以「%(source)s」为来源上报；可用的来源：%(allowed)s")
            % {
                "source": Source(source).label if source in Source.values else source,
                "allowed": "、".join(str(s.label) for s in claimable),
            }
        )
    if file_directly and source not in PATROL_SOURCES:
        raise PermissionDenied(_("只有巡查发现的问题可以直接立案"))
