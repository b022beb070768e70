"""The inspector's phone page's reads: today's route as the page draws it, and the open
round the page resumes, and the route's per-segment checklists (checklist.py). Eight
queries (the route, its segments, its cases, the checklists' three, the profile, the open
round), whatever the route's length.

The page embeds what this returns, so that the service worker's cached copy of the page
still shows the route when the phone has no signal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from jingxi.cases.models import Case
from jingxi.inspections.checklist import Item, checklists_for
from jingxi.inspections.models import Inspector, Round
from jingxi.inspections.selectors import round_open_for, route_for, today_for
from jingxi.org.models import Jurisdiction, User
from jingxi.places.models import Segment


@dataclass(frozen=True, kw_only=True)
class Stop:
    """A numbered stop of the route: a segment to walk or a case to check."""

    n: int
    kind: str  # "segment" or "case"
    id: int
    label: str
    lng: float
    lat: float


@dataclass(kw_only=True)
class Today:
    day: dt.date
    length_m: float = 0.0
    minutes: int = 0
    geometry: dict[str, Any] | None = None
    stops: list[Stop] = field(default_factory=list)
    travel_mode: str = ""
    open_round: Round | None = None
    checklists: dict[int, list[Item]] = field(default_factory=dict)

    @property
    def checks(self) -> list[Stop]:
        """The pending 核实/核查 cases the route passes."""
        return [s for s in self.stops if s.kind == "case"]

    @property
    def segment_count(self) -> int:
        return sum(1 for s in self.stops if s.kind == "segment")

    @property
    def checklist_stops(self) -> list[tuple[Stop, list[Item]]]:
        """The route's segments with their checklists, in the route's order."""
        return [
            (s, self.checklists[s.id])
            for s in self.stops
            if s.kind == "segment" and self.checklists.get(s.id)
        ]

    def as_json(self) -> dict[str, Any]:
        """What round.js reads (json_script)."""
        return {
            "geometry": self.geometry,
            "stops": [
                {"n": s.n, "kind": s.kind, "label": s.label, "lng": s.lng, "lat": s.lat}
                for s in self.stops
            ],
            "open_round": str(self.open_round.client_id) if self.open_round else None,
            "open_started_at": self.open_round.started_at.isoformat() if self.open_round else None,
            "travel_mode": self.travel_mode,
        }


def _middle(geometry: dict[str, Any]) -> tuple[float, float]:
    """A point to number a segment at: the middle of its LineString's vertices."""
    coords = geometry.get("coordinates") or [[0.0, 0.0]]
    if geometry.get("type") == "MultiLineString":
        coords = coords[0]
    if len(coords) % 2 == 0 and len(coords) >= 2:
        a, b = coords[len(coords) // 2 - 1], coords[len(coords) // 2]
        return (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    mid = coords[len(coords) // 2]
    return float(mid[0]), float(mid[1])


def _stops(raw: list[dict[str, Any]], *, jurisdiction: Jurisdiction) -> list[Stop]:
    segment_ids = [s["id"] for s in raw if s.get("kind") == "segment"]
    case_ids = [s["id"] for s in raw if s.get("kind") == "case"]
    segments = {
        s.pk: s
        for s in Segment.objects.filter(
            pk__in=segment_ids, road__jurisdiction=jurisdiction
        ).select_related("road")
    }
    cases = {
        c.pk: c
        for c in Case.objects.filter(pk__in=case_ids, jurisdiction=jurisdiction).select_related(
            "category"
        )
    }
    stops: list[Stop] = []
    for item in raw:
        kind, pk = item.get("kind"), item.get("id")
        if kind == "segment" and pk in segments:
            seg = segments[pk]
            lng, lat = _middle(seg.geometry)
            ends = "—".join(p for p in (seg.from_street, seg.to_street) if p)
            label = f"{seg.road.name} {ends}".strip()
        elif kind == "case" and pk in cases:
            case = cases[pk]
            lng, lat = case.lng, case.lat
            label = f"{case.number} {case.category.name}"
        else:
            continue
        stops.append(
            Stop(n=len(stops) + 1, kind=str(kind), id=int(pk), label=label, lng=lng, lat=lat)
        )
    return stops


def round_today_for(*, user: User, now: dt.datetime | None = None) -> Today | None:
    """The inspector's day: today's route (if a plan gave one) and the open round.
    None for a user without a jurisdiction."""
    jurisdiction = user.jurisdiction
    if jurisdiction is None:
        return None
    today = Today(day=today_for(user=user, now=now))
    route = route_for(user=user, day=today.day)
    if route is not None:
        today.length_m, today.minutes = route.length_m, route.minutes
        today.geometry = route.geometry
        today.stops = _stops(list(route.stops or []), jurisdiction=jurisdiction)
        today.checklists = checklists_for(
            jurisdiction=jurisdiction,
            segment_ids=[s.id for s in today.stops if s.kind == "segment"],
        )
    profile = Inspector.objects.filter(user=user).only("travel_mode").first()
    today.travel_mode = profile.travel_mode if profile else ""
    today.open_round = round_open_for(user=user)
    return today
