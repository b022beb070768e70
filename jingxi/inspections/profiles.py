"""Writes of inspectors' field profiles and route starts (the office's set-up rows).

The admin and the demo write through here, so a profile is always in its user's
jurisdiction and a start has a name unique within its jurisdiction."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from jingxi.inspections.choices import TravelMode
from jingxi.inspections.models import Inspector, RouteStart
from jingxi.org.models import Jurisdiction, User


class ProfileError(ValueError):
    pass


def route_start_set(
    *, jurisdiction: Jurisdiction, name: str, lng: float, lat: float, township_id: int | None = None
) -> RouteStart:
    """Create or move the jurisdiction's route start of this name."""
    if not name.strip():
        raise ProfileError(_("请填写起点名称"))
    start, _created = RouteStart.objects.update_or_create(
        jurisdiction=jurisdiction,
        name=name.strip(),
        defaults={"lng": lng, "lat": lat, "township_id": township_id},
    )
    return start


def inspector_profile_set(
    *,
    user: User,
    travel_mode: str = TravelMode.FOOT,
    capacity_km: Decimal | None = None,
    start: RouteStart | None = None,
) -> Inspector:
    """Create or change the user's field profile, in the user's jurisdiction."""
    if user.jurisdiction_id is None:
        raise ProfileError(_("该人员没有所属辖区"))
    if travel_mode not in TravelMode.values:
        raise ProfileError(_("未知的出行方式：%(mode)s") % {"mode": travel_mode})
    if start is not None and start.jurisdiction_id != user.jurisdiction_id:
        raise ProfileError(_("起点不在该人员的辖区内"))
    profile, _created = Inspector.objects.update_or_create(
        user=user,
        defaults={
            "jurisdiction_id": user.jurisdiction_id,
            "travel_mode": travel_mode,
            "capacity_km": capacity_km,
            "start": start,
        },
    )
    return profile
