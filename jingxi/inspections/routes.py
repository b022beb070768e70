"""Walking routes: each inspector's plan items as a closed walk over the road network.

`routes_build(plan=...)` makes one `Route` per inspector with items: from and back to
the start (the inspector's own `start`, else the `RouteStart` nearest to their
segments, else their first segment), through every assigned segment and the pending
核实/核查 cases near them (`postman.postman_walk`: the rural postman problem). Points are
moved to the nearest node of the network; that last bit is not counted in the length.

A case waiting for 核实 (status checking) or 核查 (status handled) goes to the route of
the inspector whose assigned segments come nearest to it, within `CASE_REACH_M`.

Routes the network cannot walk in one piece are stored as a MultiLineString (one line
per part) and reported by `routes_build`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import networkx as nx
import numpy as np
from django.db import transaction

from jingxi.cases.choices import Status
from jingxi.cases.models import Case
from jingxi.inspections.choices import DutyStatus, TravelMode
from jingxi.inspections.frequencies import settings_for
from jingxi.inspections.models import Duty, Inspector, Plan, Route, RouteStart
from jingxi.inspections.plans import plan_generate
from jingxi.inspections.postman import (
    Adjacency,
    EdgeRef,
    Walk,
    adjacency_of,
    nearest_next_length,
    postman_walk,
    walk_coordinates,
)
from jingxi.org.models import Jurisdiction, User
from jingxi.places.network import RoadNetwork, road_network_get
from jingxi.places.versioned import VersionedCache

#: A pending check joins a route when an assigned segment's middle is this close (m).
CASE_REACH_M: Final = 1500.0
#: Case statuses an inspector goes to check: 核实 (before filing), 核查 (after handling).
CHECK_STATUSES: Final = (Status.CHECKING, Status.HANDLED)


@dataclass(frozen=True)
class NetworkIndex:
    """Per network: each segment's edges, and the nodes' positions for nearest lookups."""

    edges_of: Mapping[int, tuple[EdgeRef, ...]]
    adjacency: Adjacency
    node_ids: np.ndarray[Any, np.dtype[np.int64]]
    node_xy: np.ndarray[Any, np.dtype[np.float64]]

    def nearest_node(self, x: float, y: float) -> int:
        d = (self.node_xy[:, 0] - x) ** 2 + (self.node_xy[:, 1] - y) ** 2
        return int(self.node_ids[int(np.argmin(d))])


def _index_build(network: RoadNetwork) -> NetworkIndex:
    edges_of: dict[int, list[EdgeRef]] = {}
    for u, v, k, sid in network.graph.edges(keys=True, data="segment_id"):
        edges_of.setdefault(int(sid), []).append((u, v, k))
    ids = np.array(list(network.graph.nodes), dtype=np.int64)
    xy = np.array([network.graph.nodes[n]["xy"] for n in ids], dtype=np.float64).reshape(-1, 2)
    return NetworkIndex(
        {s: tuple(e) for s, e in edges_of.items()}, adjacency_of(network.graph), ids, xy
    )


_indexes: VersionedCache[int, tuple[RoadNetwork, NetworkIndex]] = VersionedCache()


def network_for(jurisdiction: Jurisdiction) -> tuple[RoadNetwork, NetworkIndex]:
    network = road_network_get(jurisdiction=jurisdiction)
    return _indexes.get(
        jurisdiction.pk,
        (network.geo_version, id(network)),
        lambda: (network, _index_build(network)),
    )


@dataclass(frozen=True)
class RouteReport:
    """What routes_build did for one inspector."""

    inspector_id: int
    route_id: int
    required_m: float
    length_m: float
    parts: int


def _start_xy(
    profile: Inspector | None,
    starts: Sequence[RouteStart],
    network: RoadNetwork,
    centre: tuple[float, float],
) -> tuple[RouteStart | None, tuple[float, float] | None]:
    if profile is not None and profile.start is not None:
        s = profile.start
        return s, network.projection.forward_point(s.lng, s.lat)
    best: tuple[float, RouteStart, tuple[float, float]] | None = None
    for s in starts:
        xy = network.projection.forward_point(s.lng, s.lat)
        d = math.hypot(xy[0] - centre[0], xy[1] - centre[1])
        if best is None or d < best[0]:
            best = (d, s, xy)
    return (best[1], best[2]) if best is not None else (None, None)


def _cases_by_inspector(
    plan: Plan, mids: Mapping[int, list[tuple[float, float]]], network: RoadNetwork
) -> dict[int, list[tuple[int, str, float, float]]]:
    """Pending checks per inspector: (case id, number, x, y)."""
    owners = [(uid, x, y) for uid, pts in mids.items() for x, y in pts]
    if not owners:
        return {}
    ox = np.array([o[1] for o in owners])
    oy = np.array([o[2] for o in owners])
    rows = Case.objects.filter(
        jurisdiction_id=plan.jurisdiction_id, status__in=CHECK_STATUSES
    ).values_list("id", "number", "lng", "lat")
    out: dict[int, list[tuple[int, str, float, float]]] = {}
    for cid, number, lng, lat in rows:
        x, y = network.projection.forward_point(lng, lat)
        d2 = (ox - x) ** 2 + (oy - y) ** 2
        i = int(np.argmin(d2))
        if d2[i] <= CASE_REACH_M**2:
            out.setdefault(owners[i][0], []).append((cid, number, x, y))
    return out


def _stops(
    walk: Walk, graph: nx.MultiGraph, case_at: Mapping[int, list[tuple[int, str]]]
) -> list[dict[str, Any]]:
    stops: list[dict[str, Any]] = []
    seen_segments: set[int] = set()
    seen_nodes: set[int] = set()

    def visit(node: int) -> None:
        if node in case_at and node not in seen_nodes:
            seen_nodes.add(node)
            stops.extend({"kind": "case", "id": c, "number": n} for c, n in case_at[node])

    for n, part in enumerate(walk.parts):
        if n:
            stops.append({"kind": "part", "n": n})
        visit(part.start)
        for _a, b, ref, required in part.steps:
            sid = int(graph.edges[ref]["segment_id"])
            if required and sid not in seen_segments:
                seen_segments.add(sid)
                stops.append({"kind": "segment", "id": sid})
            visit(b)
    return stops


def _geometry(walk: Walk, network: RoadNetwork) -> dict[str, Any]:
    lines: list[list[list[float]]] = []
    for part in walk.parts:
        coords = walk_coordinates(network.graph, part)
        if len(coords) < 2:
            continue
        arr = np.asarray(coords)
        lng, lat = network.projection.inverse_xy(arr[:, 0], arr[:, 1])
        lines.append(
            [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lng, lat, strict=True)]
        )
    if len(lines) == 1:
        return {"type": "LineString", "coordinates": lines[0]}
    return {"type": "MultiLineString", "coordinates": lines}


def required_edges(index: NetworkIndex, segment_ids: Iterable[int]) -> list[EdgeRef]:
    return [e for sid in segment_ids for e in index.edges_of.get(sid, ())]


@dataclass
class RouteInput:
    """One inspector's day, ready to walk."""

    inspector_id: int
    required: list[EdgeRef]
    start_node: int
    start: RouteStart | None
    cases: list[tuple[int, str, float, float]]
    speed_kmh: float


def _inputs(plan: Plan, network: RoadNetwork, index: NetworkIndex) -> list[RouteInput]:
    by_user: dict[int, list[int]] = {}
    for sid, uid in plan.items.filter(inspector__isnull=False).values_list(
        "segment_id", "inspector_id"
    ):
        by_user.setdefault(uid, []).append(sid)
    settings = settings_for(jurisdiction=plan.jurisdiction)
    profiles = {
        p.user_id: p
        for p in Inspector.objects.filter(user__in=list(by_user)).select_related("start")
    }
    starts = list(RouteStart.objects.filter(jurisdiction_id=plan.jurisdiction_id))
    mids: dict[int, list[tuple[float, float]]] = {}
    for uid, sids in by_user.items():
        for sid in sids:
            ref = index.edges_of.get(sid, ())
            if ref:
                p = network.graph.edges[ref[0]]["line"].interpolate(0.5, normalized=True)
                mids.setdefault(uid, []).append((float(p.x), float(p.y)))
    cases = _cases_by_inspector(plan, mids, network)
    inputs: list[RouteInput] = []
    for uid in sorted(by_user):
        required = required_edges(index, sorted(by_user[uid]))
        if not required:
            continue
        pts = np.asarray(mids[uid])
        centre = (float(pts[:, 0].mean()), float(pts[:, 1].mean()))
        profile = profiles.get(uid)
        start, xy = _start_xy(profile, starts, network, centre)
        node = index.nearest_node(*xy) if xy is not None else required[0][0]
        mode = profile.travel_mode if profile is not None else TravelMode.FOOT
        speed = settings.speed_ebike_kmh if mode == TravelMode.EBIKE else settings.speed_foot_kmh
        inputs.append(RouteInput(uid, required, node, start, cases.get(uid, []), float(speed)))
    return inputs


def route_walk(
    network: RoadNetwork, index: NetworkIndex, item: RouteInput
) -> tuple[Walk, dict[int, list[tuple[int, str]]]]:
    case_at: dict[int, list[tuple[int, str]]] = {}
    for cid, number, x, y in item.cases:
        case_at.setdefault(index.nearest_node(x, y), []).append((cid, number))
    walk = postman_walk(
        network.graph, item.required, item.start_node, sorted(case_at), adjacency=index.adjacency
    )
    return walk, case_at


@transaction.atomic
def routes_build(*, plan: Plan) -> list[RouteReport]:
    """Replace the plan's routes by one walk per inspector with items."""
    network, index = network_for(plan.jurisdiction)
    plan.routes.all().delete()
    reports: list[RouteReport] = []
    for item in _inputs(plan, network, index):
        walk, case_at = route_walk(network, index, item)
        graph = network.graph
        length = walk.length_m(graph)
        required_m = sum(float(graph.edges[e]["length"]) for e in item.required)
        route = Route.objects.create(
            plan=plan,
            inspector_id=item.inspector_id,
            start=item.start,
            required_m=round(required_m, 1),
            length_m=round(length, 1),
            minutes=round(length / (item.speed_kmh * 1000) * 60) if item.speed_kmh > 0 else 0,
            geometry=_geometry(walk, network),
            stops=_stops(walk, graph, case_at),
        )
        reports.append(
            RouteReport(
                item.inspector_id, route.pk, route.required_m, route.length_m, len(walk.parts)
            )
        )
    return reports


def nearest_next_route_m(*, plan: Plan) -> dict[int, float]:
    """Per inspector, the length of the nearest-next-segment walk (the bench's baseline)."""
    network, index = network_for(plan.jurisdiction)
    return {
        item.inspector_id: nearest_next_length(
            network.graph, item.required, item.start_node, adjacency=index.adjacency
        )
        for item in _inputs(plan, network, index)
    }


def plan_make(*, jurisdiction: Jurisdiction, day: dt.date, by: User | None, reason: str) -> Plan:
    """(Re)generate the day's plan and its routes."""
    with transaction.atomic():
        plan = plan_generate(jurisdiction=jurisdiction, day=day, by=by, reason=reason)
        routes_build(plan=plan)
    return plan


def plan_make_all(*, day: dt.date, reason: str) -> list[Plan]:
    """Plan `day` (with routes) for every jurisdiction with someone on duty that day."""
    ids = (
        Duty.objects.filter(day=day, status=DutyStatus.ON_DUTY)
        .values_list("jurisdiction_id", flat=True)
        .distinct()
    )
    return [
        plan_make(jurisdiction=j, day=day, by=None, reason=reason)
        for j in Jurisdiction.objects.filter(pk__in=list(ids)).order_by("pk")
    ]
