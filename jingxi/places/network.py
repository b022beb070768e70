"""The road network: segments joined where their ends meet.

`Segment` rows carry no topology, only their line. The network is built from them:

- ends closer than the snap tolerance (`JINGXI_NETWORK_SNAP_M`, default 5 m) become
  one node (clusters are joined transitively, so a chain of close ends is one node);
- an end lying within the tolerance of another segment's interior (a T-junction)
  splits that segment there, and the two pieces and the end share a node;
- lines that cross without a shared end (a bridge over a road, or a missing node)
  are not joined.

Reported for data quality: the connected parts, the dangling ends (nodes of degree
one) and the near misses (two ends, at least one of them dangling, further apart
than the tolerance but within three times it: probably meant to join). Measured in
the local metric projection; positions are given back in WGS84.

Built once per jurisdiction and geo_version and kept per process, like the
responsibility index; `geo_cache_clear` forgets it.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import networkx as nx
import numpy as np
import numpy.typing as npt
import shapely
from django.conf import settings
from shapely import STRtree
from shapely.geometry import LineString, Point
from shapely.ops import substring

from jingxi.lib.geo import MetricProjection
from jingxi.org.models import Jurisdiction
from jingxi.places.models import Segment
from jingxi.places.selectors import geo_version_get
from jingxi.places.versioned import VersionedCache

# Near misses are ends further apart than the tolerance but within this many times it.
NEAR_MISS_FACTOR: Final = 3.0


@dataclass(frozen=True, slots=True)
class NetworkPart:
    """A connected part of the network, with one of its nodes to find it on the map."""

    node_count: int
    edge_count: int
    length_m: float
    lng: float
    lat: float


@dataclass(frozen=True, slots=True)
class DanglingEnd:
    segment_id: int
    road_name: str
    seq: int
    lng: float
    lat: float


@dataclass(frozen=True, slots=True)
class NearMiss:
    segment_a: int
    road_a: str
    segment_b: int
    road_b: str
    distance_m: float
    # Halfway between the two ends (WGS84).
    lng: float
    lat: float


@dataclass(frozen=True, slots=True)
class _Piece:
    """One LineString of a segment, in metres."""

    segment_id: int
    road_name: str
    seq: int
    line: LineString


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class RoadNetwork:
    """The graph of one jurisdiction's segments (nodes in metres, edges weighted by length).

    Each edge carries the segment id and its piece of line, so a point on the
    network can be placed on an edge for `path_length_m`.
    """

    def __init__(
        self,
        *,
        jurisdiction_id: int,
        geo_version: int,
        tolerance_m: float,
        projection: MetricProjection,
        graph: nx.MultiGraph,
        dangling: Sequence[DanglingEnd],
        near_misses: Sequence[NearMiss],
    ) -> None:
        self.jurisdiction_id = jurisdiction_id
        self.geo_version = geo_version
        self.tolerance_m = tolerance_m
        self.projection = projection
        self.graph = graph
        self.dangling = tuple(dangling)
        self.near_misses = tuple(near_misses)
        self.parts = self._parts()
        self._edges: list[tuple[int, int, int]] = list(graph.edges(keys=True))
        self._edge_tree = STRtree([graph.edges[e]["line"] for e in self._edges])

    @property
    def node_count(self) -> int:
        return int(self.graph.number_of_nodes())

    @property
    def edge_count(self) -> int:
        return int(self.graph.number_of_edges())

    @property
    def ok(self) -> bool:
        return len(self.parts) <= 1 and not self.dangling and not self.near_misses

    def _parts(self) -> tuple[NetworkPart, ...]:
        parts: list[NetworkPart] = []
        for nodes in nx.connected_components(self.graph):
            sub = self.graph.subgraph(nodes)
            first = min(nodes)
            lng, lat = self.projection.inverse_point(*self.graph.nodes[first]["xy"])
            parts.append(
                NetworkPart(
                    node_count=len(nodes),
                    edge_count=int(sub.number_of_edges()),
                    length_m=round(float(sub.size(weight="length")), 1),
                    lng=lng,
                    lat=lat,
                )
            )
        return tuple(sorted(parts, key=lambda p: (-p.node_count, -p.length_m, p.lng, p.lat)))

    def _place(self, lng: float, lat: float) -> tuple[tuple[int, int, int], float, float]:
        """(the nearest edge, the distance along it from its first node, off the network m)."""
        point = Point(self.projection.forward_point(lng, lat))
        index = int(self._edge_tree.nearest(point))
        edge = self._edges[index]
        line = self.graph.edges[edge]["line"]
        return edge, float(line.project(point)), float(line.distance(point))

    def path_length_m(self, start: tuple[float, float], end: tuple[float, float]) -> float | None:
        """The shortest length along the network between two WGS84 points, None if the
        parts they lie on are not connected.

        Each point is first moved to the nearest place on the network; the distance
        it had to move is not counted.
        """
        if not self._edges:
            return None
        (a_u, a_v, a_k), a_at, _off_a = self._place(*start)
        (b_u, b_v, b_k), b_at, _off_b = self._place(*end)
        a_len = float(self.graph.edges[a_u, a_v, a_k]["length"])
        b_len = float(self.graph.edges[b_u, b_v, b_k]["length"])
        # Edge lines run from the edge's "from" node to its "to" node.
        a_from, a_to = self.graph.edges[a_u, a_v, a_k]["ends"]
        b_from, b_to = self.graph.edges[b_u, b_v, b_k]["ends"]
        best: float | None = None
        if (a_u, a_v, a_k) == (b_u, b_v, b_k):
            best = abs(a_at - b_at)
        for a_node, a_off in ((a_from, a_at), (a_to, a_len - a_at)):
            lengths = nx.single_source_dijkstra_path_length(self.graph, a_node, weight="length")
            for b_node, b_off in ((b_from, b_at), (b_to, b_len - b_at)):
                between = lengths.get(b_node)
                if between is None:
                    continue
                total = a_off + float(between) + b_off
                if best is None or total < best:
                    best = total
        return None if best is None else round(best, 1)


def _lines(geometry: Any) -> Iterable[list[list[float]]]:
    if isinstance(geometry, str):
        geometry = json.loads(geometry)
    if geometry.get("type") == "LineString":
        yield geometry["coordinates"]
    elif geometry.get("type") == "MultiLineString":
        yield from geometry["coordinates"]


def _pieces(jurisdiction: Jurisdiction, projection: MetricProjection) -> list[_Piece]:
    rows = (
        Segment.objects.filter(road__jurisdiction_id=jurisdiction.pk)
        .order_by("id")
        .values_list("id", "road__name", "seq", "geometry")
    )
    pieces: list[_Piece] = []
    for segment_id, road_name, seq, geometry in rows:
        for coords in _lines(geometry):
            if len(coords) < 2:
                continue
            arr = np.asarray(coords, dtype=np.float64)[:, :2]
            xs, ys = projection.forward_xy(arr[:, 0], arr[:, 1])
            line = LineString(np.column_stack((xs, ys)))
            if line.length > 0:
                pieces.append(_Piece(segment_id, road_name, seq, line))
    return pieces


@dataclass(frozen=True)
class _Ends:
    """The pieces' end points (2i: piece i's start, 2i+1: its end) and the node each joined."""

    xy: npt.NDArray[np.float64]
    points: npt.NDArray[np.object_]
    tree: STRtree
    node: list[int]  # node of each end
    node_xy: npt.NDArray[np.float64]  # mean position of each node's ends


def _ends_snapped(pieces: Sequence[_Piece], tol: float) -> _Ends:
    """Ends within `tol` of each other are one node (transitively)."""
    xy = np.array(
        [c for p in pieces for c in (p.line.coords[0], p.line.coords[-1])], dtype=np.float64
    ).reshape(-1, 2)
    points = np.asarray(shapely.points(xy) if len(xy) else [], dtype=np.object_)
    tree = STRtree(points)
    clusters = _UnionFind(len(xy))
    if len(xy):
        a, b = tree.query(points, predicate="dwithin", distance=tol)
        for i, k in zip(a.tolist(), b.tolist(), strict=True):
            if i < k:
                clusters.union(i, k)
    roots = sorted({clusters.find(i) for i in range(len(xy))})
    node_of_root = {r: n for n, r in enumerate(roots)}
    node = [node_of_root[clusters.find(i)] for i in range(len(xy))]
    node_xy = np.zeros((len(roots), 2))
    counts = np.zeros(len(roots))
    for i, n in enumerate(node):
        node_xy[n] += xy[i]
        counts[n] += 1
    if len(roots):
        node_xy /= counts[:, None]
    return _Ends(xy, points, tree, node, node_xy)


def _t_junctions(
    pieces: Sequence[_Piece], ends: _Ends, tol: float
) -> list[list[tuple[float, int]]]:
    """Per piece, (distance along it, node) where a node within `tol` of its interior splits it."""
    splits: list[list[tuple[float, int]]] = [[] for _ in pieces]
    if not len(ends.node_xy) or not pieces:
        return splits
    line_tree = STRtree([p.line for p in pieces])
    node_points = np.asarray(shapely.points(ends.node_xy), dtype=np.object_)
    n_idx, p_idx = line_tree.query(node_points, predicate="dwithin", distance=tol)
    for n, p in zip(n_idx.tolist(), p_idx.tolist(), strict=True):
        if n in (ends.node[2 * p], ends.node[2 * p + 1]):
            continue
        at = float(pieces[p].line.project(node_points[n]))
        if 0.0 < at < pieces[p].line.length:
            splits[p].append((at, n))
    return splits


def _graph(
    pieces: Sequence[_Piece], ends: _Ends, splits: Sequence[list[tuple[float, int]]]
) -> nx.MultiGraph:
    """Nodes with their position, an edge per piece between consecutive stops."""
    graph = nx.MultiGraph()
    for n, (x, y) in enumerate(ends.node_xy.tolist()):
        graph.add_node(n, xy=(float(x), float(y)))
    for i, piece in enumerate(pieces):
        stops = [(0.0, ends.node[2 * i]), *sorted(splits[i])]
        stops.append((piece.line.length, ends.node[2 * i + 1]))
        for (at0, n0), (at1, n1) in itertools.pairwise(stops):
            if at1 <= at0:
                continue
            part = substring(piece.line, at0, at1)
            graph.add_edge(
                n0,
                n1,
                length=float(part.length),
                line=part,
                ends=(n0, n1),
                segment_id=piece.segment_id,
                road_name=piece.road_name,
                seq=piece.seq,
            )
    return graph


def _dangling(graph: nx.MultiGraph, projection: MetricProjection) -> list[DanglingEnd]:
    dangling: list[DanglingEnd] = []
    for n in sorted(graph.nodes):
        if graph.degree(n) != 1:
            continue
        ((_u, _v, data),) = graph.edges(n, data=True)
        lng, lat = projection.inverse_point(*graph.nodes[n]["xy"])
        dangling.append(DanglingEnd(data["segment_id"], data["road_name"], data["seq"], lng, lat))
    return dangling


def _near_misses(
    pieces: Sequence[_Piece],
    ends: _Ends,
    graph: nx.MultiGraph,
    tol: float,
    projection: MetricProjection,
) -> list[NearMiss]:
    """The closest pair of ends of two unjoined nodes, one of them dangling, per node pair."""
    near: dict[tuple[int, int], NearMiss] = {}
    if not len(ends.xy):
        return []
    a, b = ends.tree.query(ends.points, predicate="dwithin", distance=tol * NEAR_MISS_FACTOR)
    for i, k in zip(a.tolist(), b.tolist(), strict=True):
        na, nb = ends.node[i], ends.node[k]
        if i >= k or na == nb or graph.has_edge(na, nb):
            continue
        if graph.degree(na) != 1 and graph.degree(nb) != 1:
            continue
        distance = round(float(np.hypot(*(ends.xy[i] - ends.xy[k]))), 1)
        key = (min(na, nb), max(na, nb))
        if distance <= tol or (key in near and near[key].distance_m <= distance):
            continue
        pa, pb = pieces[i // 2], pieces[k // 2]
        mid = (ends.xy[i] + ends.xy[k]) / 2
        lng, lat = projection.inverse_point(float(mid[0]), float(mid[1]))
        near[key] = NearMiss(
            pa.segment_id, pa.road_name, pb.segment_id, pb.road_name, distance, lng, lat
        )
    return sorted(near.values(), key=lambda m: (m.distance_m, m.segment_a))


def road_network_build(
    *, jurisdiction: Jurisdiction, tolerance_m: float | None = None, geo_version: int | None = None
) -> RoadNetwork:
    """Build the network of the jurisdiction's segments (see the module docstring).
    `geo_version`: the version the caller just read, saving the query."""
    tol = float(settings.JINGXI_NETWORK_SNAP_M if tolerance_m is None else tolerance_m)
    version = (
        geo_version_get(jurisdiction_id=jurisdiction.pk) if geo_version is None else geo_version
    )
    center_lng = Jurisdiction.objects.values_list("center_lng", flat=True).get(pk=jurisdiction.pk)
    projection = MetricProjection.for_lng(float(center_lng))
    pieces = _pieces(jurisdiction, projection)
    ends = _ends_snapped(pieces, tol)
    graph = _graph(pieces, ends, _t_junctions(pieces, ends, tol))
    return RoadNetwork(
        jurisdiction_id=jurisdiction.pk,
        geo_version=version,
        tolerance_m=tol,
        projection=projection,
        graph=graph,
        dangling=_dangling(graph, projection),
        near_misses=_near_misses(pieces, ends, graph, tol, projection),
    )


def road_network_get(*, jurisdiction: Jurisdiction) -> RoadNetwork:
    """The jurisdiction's network, kept per process until its geo_version moves."""
    version = geo_version_get(jurisdiction_id=jurisdiction.pk)
    tol = float(settings.JINGXI_NETWORK_SNAP_M)
    return _networks.get(
        jurisdiction.pk,
        (version, tol),
        lambda: road_network_build(jurisdiction=jurisdiction, tolerance_m=tol, geo_version=version),
    )


_networks: VersionedCache[int, RoadNetwork] = VersionedCache()
