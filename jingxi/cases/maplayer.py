"""The staff map's layer of open cases: GeoJSON points of the cases a user may see.

The shell's map view (web) composes it with the geographic layers of `places.layers`,
which know nothing of cases. Rows come from `access.case_list_for`, so the layer shows a
user exactly the open cases their queues do; points are filtered by bounding box in SQL
on the `lng`/`lat` columns, like the components layer.
"""

from __future__ import annotations

from typing import Any, Final

from django.urls import reverse

from jingxi.cases import workflow
from jingxi.cases.access import case_list_for
from jingxi.org.models import User
from jingxi.org.roles import RoleSet
from jingxi.places.layers import BBox

LAYER: Final = "cases"
#: How many points one answer may carry; more are cut and flagged `truncated`.
CAP: Final = 2_000


def case_layer_for(*, user: User, roles: RoleSet, bbox: BBox | None) -> dict[str, Any]:
    """A FeatureCollection of the open cases `user` sees (in `bbox`), most urgent first.
    One query."""
    qs = case_list_for(user=user, roles=roles).filter(status__in=workflow.OPEN)
    if bbox is not None:
        qs = qs.filter(
            lng__gte=bbox.west, lng__lte=bbox.east, lat__gte=bbox.south, lat__lte=bbox.north
        )
    rows = list(
        qs.select_related(None)
        .select_related("category")
        .prefetch_related(None)
        .only("pk", "number", "status", "is_overdue", "address", "lng", "lat", "category__name")
        .order_by("-is_overdue", "stage_deadline", "pk")[: CAP + 1]
    )
    sentinel = 987654321  # reverse once, then put each id in its place
    detail = reverse("cases:case-detail", args=[sentinel])
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [c.lng, c.lat]},
            "properties": {
                "id": c.pk,
                "number": c.number,
                "category": c.category.name,
                "status": c.status,
                "status_label": str(c.get_status_display()),
                "overdue": c.is_overdue,
                "address": c.address,
                "url": detail.replace(str(sentinel), str(c.pk)),
            },
        }
        for c in rows[:CAP]
    ]
    return {
        "type": "FeatureCollection",
        "layer": LAYER,
        "truncated": len(rows) > CAP,
        "features": features,
    }
