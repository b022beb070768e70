"""The rural postman on small handmade graphs (no database)."""

from __future__ import annotations

import networkx as nx
from shapely.geometry import LineString

from jingxi.inspections.postman import EdgeRef, Walk, nearest_next_length, postman_walk


def _graph(
    nodes: dict[str, tuple[float, float]], edges: list[tuple[str, str, float]]
) -> tuple[nx.MultiGraph, dict[str, int]]:
    ids = {name: i for i, name in enumerate(nodes)}
    g = nx.MultiGraph()
    for name, xy in nodes.items():
        g.add_node(ids[name], xy=xy)
    for a, b, length in edges:
        u, v = ids[a], ids[b]
        g.add_edge(
            u,
            v,
            length=length,
            line=LineString([nodes[a], nodes[b]]),
            ends=(u, v),
            segment_id=len(g.edges) + 1,
        )
    return g, ids


def _assert_closed_walk_through(walk: Walk, required: list[EdgeRef], start: int) -> None:
    (part,) = walk.parts
    assert part.start == start
    here = start
    for a, b, _ref, _req in part.steps:
        assert a == here
        here = b
    assert here == start
    assert set(required) <= {ref for _a, _b, ref, _req in part.steps}


def _diamond() -> tuple[nx.MultiGraph, dict[str, int]]:
    """Four odd nodes a, b, c, d: the pairing by fewest edges (a-b, c-d: 10 m each)
    costs 20 m; the pairing by length (a-m1-c, b-m2-d: 2 m each) costs 4 m."""
    nodes = {
        "a": (0.0, 0.0),
        "b": (10.0, 0.0),
        "c": (0.0, 10.0),
        "d": (10.0, 10.0),
        "m1": (0.0, 5.0),
        "m2": (10.0, 5.0),
    }
    edges = [
        ("a", "b", 10.0),
        ("c", "d", 10.0),
        ("a", "d", 10.0),
        ("b", "c", 10.0),
        ("a", "m1", 1.0),
        ("m1", "c", 1.0),
        ("b", "m2", 1.0),
        ("m2", "d", 1.0),
    ]
    return _graph(nodes, edges)


def test_postman_pairs_odd_nodes_by_length_not_by_edge_count() -> None:
    g, ids = _diamond()
    required = list(g.edges(keys=True))
    walk = postman_walk(g, required, ids["a"])
    _assert_closed_walk_through(walk, required, ids["a"])
    assert walk.length_m(g) == 48.0  # 44 m of edges + the two 2 m paths
    # The case tells the two apart: eulerize's walk is longer.
    eulerized = nx.eulerize(nx.MultiGraph(g))
    shortest = {frozenset((u, v)): min(d["length"] for d in g[u][v].values()) for u, v in g.edges()}
    eulerize_m = sum(shortest[frozenset((u, v))] for u, v in eulerized.edges())
    assert eulerize_m > 48.0


def test_postman_joins_scattered_required_edges_by_shortest_paths() -> None:
    nodes = {str(i): (i * 100.0, 0.0) for i in range(5)}
    nodes["x"] = (200.0, 500.0)
    edges = [(str(i), str(i + 1), 100.0) for i in range(4)]
    edges += [("0", "x", 900.0), ("x", "4", 900.0)]
    g, ids = _graph(nodes, edges)
    required = [e for e in g.edges(keys=True) if {e[0], e[1]} in ({0, 1}, {3, 4})]
    walk = postman_walk(g, required, ids["0"])
    _assert_closed_walk_through(walk, required, ids["0"])
    assert walk.length_m(g) == 800.0
    assert nearest_next_length(g, required, ids["0"]) == 800.0


def test_postman_visits_extra_nodes_and_returns() -> None:
    nodes = {str(i): (i * 100.0, 0.0) for i in range(4)}
    g, ids = _graph(nodes, [(str(i), str(i + 1), 100.0) for i in range(3)])
    required = [e for e in g.edges(keys=True) if {e[0], e[1]} == {0, 1}]
    walk = postman_walk(g, required, ids["0"], [ids["3"]])
    assert walk.length_m(g) == 600.0
    visited = {b for _a, b, _r, _q in walk.parts[0].steps}
    assert ids["3"] in visited


def test_postman_walks_parts_the_network_does_not_join_one_by_one() -> None:
    nodes = {"a": (0.0, 0.0), "b": (100.0, 0.0), "c": (5000.0, 0.0), "d": (5100.0, 0.0)}
    g, ids = _graph(nodes, [("a", "b", 100.0), ("c", "d", 100.0)])
    required = list(g.edges(keys=True))
    walk = postman_walk(g, required, ids["a"])
    assert len(walk.parts) == 2
    assert walk.parts[0].start == ids["a"]
    assert walk.length_m(g) == 400.0
