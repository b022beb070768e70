"""The rural postman problem on the road network (pure networkx, no ORM).

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

Distances are searched on the network within a margin around the walk's nodes (a
detour further out would not be taken); when that cuts something off, on the whole
network. `nearest_next_length` is the simple baseline the bench compares with: always
walk to the nearest unwalked required edge.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import networkx as nx
import numpy as np

EdgeRef = tuple[int, int, int]
#: Distances are searched within this margin around the walk's nodes (metres).
BOX_MARGIN_M: Final = 600.0


@dataclass
class WalkPart:
    """One closed walk: the original edges in order, each with its direction."""

    start: int
    steps: list[tuple[int, int, EdgeRef, bool]] = field(
        default_factory=list
    )  # (from, to, ref, required)


@dataclass
class Walk:
    parts: list[WalkPart]

    def length_m(self, graph: nx.MultiGraph) -> float:
        return sum(float(graph.edges[s[2]]["length"]) for p in self.parts for s in p.steps)


def simple_graph(graph: nx.MultiGraph, nodes: Iterable[int] | None = None) -> nx.Graph:
    """A simple graph of `graph` (on `nodes`): each pair joined by its shortest edge."""
    sub = graph if nodes is None else graph.subgraph(nodes)
    simple = nx.Graph()
    simple.add_nodes_from(sub.nodes)
    for u, v, k, length in sub.edges(keys=True, data="length"):
        if u == v:
            continue
        if not simple.has_edge(u, v) or simple.edges[u, v]["weight"] > length:
            simple.add_edge(u, v, weight=float(length), ref=(u, v, k))
    return simple


def box_nodes(graph: nx.MultiGraph, nodes: Iterable[int], margin_m: float) -> list[int]:
    """The graph's nodes within `margin_m` of the bounding box of `nodes`."""
    xy = np.array([graph.nodes[n]["xy"] for n in nodes], dtype=np.float64).reshape(-1, 2)
    if not len(xy):
        return []
    west, south = xy.min(axis=0) - margin_m
    east, north = xy.max(axis=0) + margin_m
    return [n for n, (x, y) in graph.nodes(data="xy") if west <= x <= east and south <= y <= north]


def _add_path(aug: nx.MultiGraph, simple: nx.Graph, path: Sequence[int]) -> None:
    for a, b in itertools.pairwise(path):
        aug.add_edge(a, b, ref=simple.edges[a, b]["ref"], required=False)


def _join_components(aug: nx.MultiGraph, simple: nx.Graph) -> list[set[int]]:
    """Join the components of `aug` along an MST of their distances; the parts left."""
    comps = [set(c) for c in nx.connected_components(aug)]
    if len(comps) <= 1:
        return comps
    where = {n: i for i, c in enumerate(comps) for n in c}
    between = nx.Graph()
    between.add_nodes_from(range(len(comps)))
    for i, comp in enumerate(comps):
        dist = nx.multi_source_dijkstra_path_length(simple, comp, weight="weight")
        best: dict[int, tuple[float, int]] = {}
        for n, d in dist.items():
            j = where.get(n)
            if j is not None and j != i and (j not in best or d < best[j][0]):
                best[j] = (float(d), n)
        for j, (d, n) in best.items():
            if not between.has_edge(i, j) or between.edges[i, j]["weight"] > d:
                between.add_edge(i, j, weight=d, target=n, source=i)
    for _i, _j, data in nx.minimum_spanning_edges(between, weight="weight", data=True):
        src = comps[data["source"]]
        _d, path = nx.multi_source_dijkstra(simple, src, target=data["target"], weight="weight")
        _add_path(aug, simple, path)
    return [set(c) for c in nx.connected_components(aug)]


def _pair_odd(aug: nx.MultiGraph, simple: nx.Graph, part: set[int]) -> None:
    """Pair the part's odd nodes by minimum-weight perfect matching of shortest paths."""
    odd = [n for n in part if aug.degree(n) % 2]
    if not odd:
        return
    complete = nx.Graph()
    paths: dict[tuple[int, int], list[int]] = {}
    for i, o in enumerate(odd):
        dist, found = nx.single_source_dijkstra(simple, o, weight="weight")
        for t in odd[i + 1 :]:
            if t in dist:
                complete.add_edge(o, t, weight=float(dist[t]))
                paths[(o, t)] = found[t]
    for a, b in nx.min_weight_matching(complete, weight="weight"):
        _add_path(aug, simple, paths[(a, b)] if (a, b) in paths else paths[(b, a)])


def _walk_on(
    graph: nx.MultiGraph,
    simple: nx.Graph,
    required: Sequence[EdgeRef],
    start: int,
    visits: Sequence[int],
) -> Walk:
    aug = nx.MultiGraph()
    aug.add_nodes_from([start, *visits])
    for ref in required:
        aug.add_edge(ref[0], ref[1], ref=ref, required=True)
    parts = _join_components(aug, simple)
    parts.sort(key=lambda p: (start not in p, min(p)))
    walk = Walk([])
    for part in parts:
        _pair_odd(aug, simple, part)
        first = start if start in part else min(part)
        out = WalkPart(first)
        sub = aug.subgraph(nx.node_connected_component(aug, first))
        if sub.number_of_edges():
            for u, v, k in nx.eulerian_circuit(sub, source=first, keys=True):
                data = sub.edges[u, v, k]
                out.steps.append((u, v, data["ref"], bool(data["required"])))
        walk.parts.append(out)
    return walk


def postman_walk(
    graph: nx.MultiGraph,
    required: Sequence[EdgeRef],
    start: int,
    visits: Sequence[int] = (),
    *,
    full: nx.Graph | None = None,
) -> Walk:
    """Closed walks from `start` through every required edge and visit (module docstring).

    `full`: the simple graph of the whole network, when the caller keeps one."""
    nodes = {start, *visits, *(n for ref in required for n in ref[:2])}
    simple = simple_graph(graph, box_nodes(graph, nodes, BOX_MARGIN_M))
    walk = _walk_on(graph, simple, required, start, visits)
    if len(walk.parts) > 1:
        wider = full if full is not None else simple_graph(graph)
        walk = _walk_on(graph, wider, required, start, visits)
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


def nearest_next_length(graph: nx.MultiGraph, required: Sequence[EdgeRef], start: int) -> float:
    """The length of the simple walk: from `start`, always to the nearest end of an
    unwalked required edge, along it, and finally back to the start (the baseline)."""
    nodes = {start, *(n for ref in required for n in ref[:2])}
    simple = simple_graph(graph, box_nodes(graph, nodes, BOX_MARGIN_M))
    remaining = set(required)
    here, total = start, 0.0
    while remaining:
        dist: Any = nx.single_source_dijkstra_path_length(simple, here, weight="weight")
        best: tuple[float, EdgeRef, int] | None = None
        for ref in remaining:
            for near, far in ((ref[0], ref[1]), (ref[1], ref[0])):
                d = dist.get(near)
                if d is not None and (best is None or d < best[0]):
                    best = (float(d), ref, far)
        if best is None:  # the rest lies in another part: jump there (not counted)
            ref = min(remaining)
            best = (0.0, ref, ref[1])
        d, ref, far = best
        total += d + float(graph.edges[ref]["length"])
        remaining.discard(ref)
        here = far
    back = nx.single_source_dijkstra_path_length(simple, here, weight="weight").get(start)
    return total + (float(back) if back is not None else 0.0)
