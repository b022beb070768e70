"""The rural postman problem on the road network (networkx and heapq, no ORM).

Given the network (`places.network.RoadNetwork.graph`: a MultiGraph whose edges carry
`length`, `line` and `ends`), a set of required edges, a start node and nodes to visit,
`postman_walk` returns closed walks that traverse every required edge and visit every
node, with little repeated walking:

1. the required edges, the start and the visits form components; they are joined along
   a minimum spanning tree of their shortest distances (Frederickson's heuristic);
2. the odd-degree nodes are paired by a minimum-weight perfect matching on their
   shortest *weighted* distances (`nx.min_weight_matching` on the complete graph of
   the odd nodes), each pair joined by its shortest path (`nx.eulerize` would ignore
   the lengths: not used);
3. an Eulerian circuit from the start walks the result.

Parts the network does not join (no path at all) are walked one by one: the start's
first, the others each from its own first node; the caller reports them.

Shortest paths run on a plain adjacency (`Adjacency`, built once per network by the
caller) with a Dijkstra that stops as soon as it has settled what it looks for, so a
walk in one corner of a county never searches the whole county. Each odd node (each
component) first looks for its `NEAREST` nearest others only; a node left unmatched (a
component left apart) then searches for all. `nearest_next_length`
is the simple baseline the bench compares with: always walk to the nearest unwalked
required edge.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import networkx as nx

EdgeRef = tuple[int, int, int]
#: node → [(neighbour, length, the shortest edge between them)]
Adjacency = Mapping[int, Sequence[tuple[int, float, EdgeRef]]]
#: Distances are first searched to this many nearest odd nodes or components only.
NEAREST: Final = 10


@dataclass
class WalkPart:
    """One closed walk: the original edges in order, each with its direction."""

    start: int
    # (from, to, edge, required)
    steps: list[tuple[int, int, EdgeRef, bool]] = field(default_factory=list)


@dataclass
class Walk:
    parts: list[WalkPart]

    def length_m(self, graph: nx.MultiGraph) -> float:
        return sum(float(graph.edges[s[2]]["length"]) for p in self.parts for s in p.steps)


def adjacency_of(graph: nx.MultiGraph) -> dict[int, list[tuple[int, float, EdgeRef]]]:
    """Each node's neighbours, by the shortest edge to each (loops left out)."""
    best: dict[tuple[int, int], tuple[float, EdgeRef]] = {}
    for u, v, k, length in graph.edges(keys=True, data="length"):
        if u == v:
            continue
        key = (min(u, v), max(u, v))
        if key not in best or best[key][0] > length:
            best[key] = (float(length), (u, v, k))
    adj: dict[int, list[tuple[int, float, EdgeRef]]] = {n: [] for n in graph.nodes}
    for (a, b), (length, ref) in best.items():
        adj[a].append((b, length, ref))
        adj[b].append((a, length, ref))
    return adj


@dataclass
class Search:
    """What one Dijkstra found: per goal key, (distance, node); and the tree to walk back."""

    found: dict[Hashable, tuple[float, int]]
    pred: dict[int, tuple[int, EdgeRef] | None]

    def path(self, node: int) -> list[tuple[int, int, EdgeRef]]:
        """The hops (from, to, edge) from a source to `node`."""
        hops: list[tuple[int, int, EdgeRef]] = []
        step = self.pred[node]
        while step is not None:
            prev, ref = step
            hops.append((prev, node, ref))
            node = prev
            step = self.pred[node]
        hops.reverse()
        return hops


def dijkstra(
    adj: Adjacency,
    sources: Sequence[int],
    goals: Mapping[int, Hashable],
    *,
    limit: int = 0,
) -> Search:
    """Shortest paths from `sources` until every goal key (`goals`: node → key) has been
    reached at its nearest node, or only the `limit` nearest keys."""
    keys = set(goals.values())
    wanted = min(limit, len(keys)) if limit else len(keys)
    found: dict[Hashable, tuple[float, int]] = {}
    pred: dict[int, tuple[int, EdgeRef] | None] = {}
    dist: dict[int, float] = {}
    heap: list[tuple[float, int, int, tuple[int, EdgeRef] | None]] = []
    counter = itertools.count()
    for s in sources:
        heapq.heappush(heap, (0.0, next(counter), s, None))
    while heap and len(found) < wanted:
        d, _c, node, via = heapq.heappop(heap)
        if node in dist:
            continue
        dist[node] = d
        pred[node] = via
        key = goals.get(node)
        if key is not None and key not in found:
            found[key] = (d, node)
        for other, length, ref in adj.get(node, ()):
            if other not in dist:
                heapq.heappush(heap, (d + length, next(counter), other, (node, ref)))
    return Search(found, pred)


def _add_hops(aug: nx.MultiGraph, hops: Sequence[tuple[int, int, EdgeRef]]) -> None:
    for a, b, ref in hops:
        aug.add_edge(a, b, ref=ref, required=False)


def _join_components(aug: nx.MultiGraph, adj: Adjacency) -> list[set[int]]:
    """Join the components of `aug` along an MST of their distances; the parts left."""
    comps = [set(c) for c in nx.connected_components(aug)]
    if len(comps) <= 1:
        return comps
    where = {n: i for i, c in enumerate(comps) for n in c}
    between = nx.Graph()
    between.add_nodes_from(range(len(comps)))
    for limit in (NEAREST, 0):  # the nearest few first; all when that left gaps
        for i, comp in enumerate(comps):
            goals = {n: j for n, j in where.items() if j != i}
            search = dijkstra(adj, sorted(comp), goals, limit=limit)
            for j, (d, n) in search.found.items():
                assert isinstance(j, int)
                if not between.has_edge(i, j) or between.edges[i, j]["weight"] > d:
                    between.add_edge(i, j, weight=d, hops=search.path(n))
        if nx.is_connected(between):
            break
    for _i, _j, data in nx.minimum_spanning_edges(between, weight="weight", data=True):
        _add_hops(aug, data["hops"])
    return [set(c) for c in nx.connected_components(aug)]


def _pair_odd(aug: nx.MultiGraph, adj: Adjacency, part: set[int]) -> None:
    """Pair the part's odd nodes by minimum-weight perfect matching of shortest paths."""
    odd = sorted(n for n in part if aug.degree(n) % 2)
    if not odd:
        return
    complete = nx.Graph()
    complete.add_nodes_from(odd)

    def search_from(nodes: Sequence[int], among: Sequence[int], limit: int) -> None:
        for o in nodes:
            search = dijkstra(adj, [o], {t: t for t in among if t != o}, limit=limit)
            for t, (d, _n) in search.found.items():
                assert isinstance(t, int)
                if not complete.has_edge(o, t):
                    complete.add_edge(o, t, weight=d, hops=search.path(t))

    # Pairs among each node's nearest few first; the nodes that left unmatched, among
    # themselves fully (then a perfect matching exists: they lie in one part).
    search_from(odd, odd, NEAREST)
    matching = nx.min_weight_matching(complete, weight="weight")
    unmatched = sorted(set(odd) - {n for pair in matching for n in pair})
    if unmatched:
        search_from(unmatched, unmatched, 0)
        matching = nx.min_weight_matching(complete, weight="weight")
    for a, b in matching:
        _add_hops(aug, complete.edges[a, b]["hops"])


def postman_walk(
    graph: nx.MultiGraph,
    required: Sequence[EdgeRef],
    start: int,
    visits: Sequence[int] = (),
    *,
    adjacency: Adjacency | None = None,
) -> Walk:
    """Closed walks from `start` through every required edge and visit (module docstring).

    `adjacency`: `adjacency_of(graph)`, when the caller keeps one."""
    adj = adjacency if adjacency is not None else adjacency_of(graph)
    aug = nx.MultiGraph()
    aug.add_nodes_from([start, *visits])
    for ref in required:
        aug.add_edge(ref[0], ref[1], ref=ref, required=True)
    parts = _join_components(aug, adj)
    parts.sort(key=lambda p: (start not in p, min(p)))
    walk = Walk([])
    for part in parts:
        _pair_odd(aug, adj, part)
        first = start if start in part else min(part)
        out = WalkPart(first)
        sub = aug.subgraph(nx.node_connected_component(aug, first))
        if sub.number_of_edges():
            for u, v, k in nx.eulerian_circuit(sub, source=first, keys=True):
                data = sub.edges[u, v, k]
                out.steps.append((u, v, data["ref"], bool(data["required"])))
        walk.parts.append(out)
    return walk


def walk_coordinates(graph: nx.MultiGraph, part: WalkPart) -> list[tuple[float, float]]:
    """The metric coordinates of one walk in order, each edge's line in its direction."""
    coords: list[tuple[float, float]] = []
    for a, _b, ref, _req in part.steps:
        data = graph.edges[ref]
        line = list(data["line"].coords)
        if data["ends"][0] != a:
            line.reverse()
        coords.extend(line[1:] if coords else line)
    return coords


def nearest_next_length(
    graph: nx.MultiGraph,
    required: Sequence[EdgeRef],
    start: int,
    *,
    adjacency: Adjacency | None = None,
) -> float:
    """The length of the simple walk: from `start`, always to the nearest end of an
    unwalked required edge, along it, and finally back to the start (the baseline).
    A jump to a part the network does not join is not counted."""
    adj = adjacency if adjacency is not None else adjacency_of(graph)
    remaining = set(required)
    here, total = start, 0.0
    while remaining:
        ends: dict[int, list[EdgeRef]] = {}
        for ref in remaining:
            ends.setdefault(ref[0], []).append(ref)
            ends.setdefault(ref[1], []).append(ref)
        search = dijkstra(adj, [here], {n: n for n in ends}, limit=1)
        if search.found:
            ((d, near),) = search.found.values()
        else:
            d, near = 0.0, min(ends)
        ref = min(ends[near])
        total += d + float(graph.edges[ref]["length"])
        remaining.discard(ref)
        here = ref[1] if ref[0] == near else ref[0]
    back = dijkstra(adj, [here], {start: start}).found.get(start)
    return total + (back[0] if back is not None else 0.0)
