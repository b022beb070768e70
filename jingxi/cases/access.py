"""Permission-checked reads of cases. Every view and API endpoint fetches through here.

Who sees which cases:
- office roles (dispatcher, inspector, assessor, leader, operator, admin): every case of
  their jurisdiction;
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

from django.db.models import Q, QuerySet
from django.utils import timezone

from jingxi.cases import workflow
from jingxi.cases.models import Case
from jingxi.lib.geo import haversine_m
from jingxi.org.choices import Role
from jingxi.org.models import Membership, User
from jingxi.places.models import RoadChief

OFFICE_ROLES = frozenset(
    {
        Role.DISPATCHER,
        Role.INSPECTOR,
        Role.ASSESSOR,
        Role.LEADER,
        Role.OPERATOR,
        Role.ADMIN,
    }
)
UNIT_ROLES = frozenset({Role.UNIT_HANDLER, Role.UNIT_HEAD})


def case_visibility_filter(*, user: User) -> Q | None:
    """A Q selecting the cases `user` may see, or None when they may see none."""
    if not user.is_authenticated or user.jurisdiction_id is None:
        return None
    own = Q(jurisdiction_id=user.jurisdiction_id)
    rows = list(
        Membership.objects.filter(
            user=user, unit__jurisdiction_id=user.jurisdiction_id
        ).values_list("role", "unit_id")
    )
    roles = {role for role, _ in rows}
    if roles & OFFICE_ROLES or user.is_superuser:
        return own
    scope = Q(reporter=user)
    unit_ids = {unit_id for role, unit_id in rows if role in UNIT_ROLES}
    if unit_ids:
        scope |= Q(unit_id__in=unit_ids)
    if Role.ROAD_CHIEF in roles:
        today = timezone.localdate()
        road_ids = (
            RoadChief.objects.filter(user=user, start_date__lte=today)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
            .values("road_id")
        )
        scope |= Q(road_id__in=road_ids)
    return own & scope


def case_list_for(*, user: User) -> QuerySet[Case]:
    """Every case `user` may see, with the relations lists show."""
    scope = case_visibility_filter(user=user)
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


def case_get_for(*, user: User, case_id: int) -> Case:
    """The case, if `user` may see it; raises Case.DoesNotExist otherwise."""
    return case_list_for(user=user).get(pk=case_id)


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
