"""The per-segment checklist the round page shows (issue 12: "a per-segment checklist
from the catalog can be ticked").

A segment's items are the distinct 部件 categories of the components lying along it
(within `NEAR_M` of its line) followed by a short default list of common street 事件
categories (`EVENT_CODES`, codes of the standard catalog, jingxi/catalog/data.py) that
the jurisdiction has. At most `MAX_ITEMS` per segment. Three queries for the whole
route (its segments, the components in the route's box, the categories); the distances
are measured in a local metric projection.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import shapely
from shapely.geometry import shape

from jingxi.catalog.choices import CategoryKind
from jingxi.catalog.models import Category
from jingxi.lib.geo import MetricProjection
from jingxi.org.models import Jurisdiction
from jingxi.places.models import Component, Segment

#: A component this close to a segment's line lies along it.
NEAR_M: Final = 20.0
#: The common street events every segment is checked for: 暴露垃圾, 道路不洁, 无照游商,
#: 占道经营, 非机动车乱停放.
EVENT_CODES: Final = ("0102", "0104", "0501", "0502", "0505")
MAX_ITEMS: Final = 8
#: The box prefilter's margin in degrees: well over NEAR_M at China's latitudes.
_MARGIN_DEG: Final = 0.001


@dataclass(frozen=True, kw_only=True)
class Item:
    """One checklist item: a minor category to tick 正常 or 有问题."""

    category: int
    code: str
    name: str
    kind: str  # CategoryKind


def _near_categories(
    *, jurisdiction: Jurisdiction, segments: Sequence[Segment]
) -> dict[int, list[int]]:
    """Segment id → the category ids of the components within NEAR_M of its line."""
    lines = {s.pk: shape(s.geometry) for s in segments if s.geometry}
    if not lines:
        return {}
    lng0, lat0, lng1, lat1 = shapely.total_bounds(list(lines.values()))
    rows = list(
        Component.objects.filter(
            jurisdiction=jurisdiction,
            lng__range=(lng0 - _MARGIN_DEG, lng1 + _MARGIN_DEG),
            lat__range=(lat0 - _MARGIN_DEG, lat1 + _MARGIN_DEG),
        ).values_list("lng", "lat", "category_id")
    )
    if not rows:
        return {}
    projection = MetricProjection.for_lng((lng0 + lng1) / 2)
    xs, ys = projection.forward_xy([r[0] for r in rows], [r[1] for r in rows])
    points = shapely.points(xs, ys)
    categories = np.asarray([r[2] for r in rows])
    near: dict[int, list[int]] = {}
    for pk, line in lines.items():
        metric = projection.forward(line)
        close = shapely.dwithin(metric, points, NEAR_M)
        near[pk] = sorted({int(c) for c in categories[close]})
    return near


def checklists_for(
    *, jurisdiction: Jurisdiction, segment_ids: Sequence[int]
) -> dict[int, list[Item]]:
    """Segment id → its checklist, for the route's segments of the jurisdiction."""
    segments = list(
        Segment.objects.filter(pk__in=segment_ids, road__jurisdiction=jurisdiction).only(
            "pk", "geometry"
        )
    )
    if not segments:
        return {}
    near = _near_categories(jurisdiction=jurisdiction, segments=segments)
    wanted = {c for ids in near.values() for c in ids}
    found = Category.objects.filter(jurisdiction=jurisdiction, is_active=True).filter(
        pk__in=wanted
    ) | Category.objects.filter(
        jurisdiction=jurisdiction, is_active=True, kind=CategoryKind.EVENT, code__in=EVENT_CODES
    )
    items = {
        c.pk: Item(category=c.pk, code=c.code, name=c.name, kind=c.kind)
        for c in found.only("pk", "code", "name", "kind")
    }
    events = sorted(
        (i for i in items.values() if i.kind == CategoryKind.EVENT and i.code in EVENT_CODES),
        key=lambda i: EVENT_CODES.index(i.code),
    )
    room = max(MAX_ITEMS - len(events), 0)
    lists: dict[int, list[Item]] = {}
    for seg in segments:
        parts = [items[c] for c in near.get(seg.pk, []) if c in items]
        parts.sort(key=lambda i: i.code)
        lists[seg.pk] = parts[:room] + events
    return lists
