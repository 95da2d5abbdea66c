"""PageRank, reach and betweenness agree with networkx on random graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from quanzi.domain.attract_graph import Graph, betweenness, pagerank, reach_by_degree


def _random_graph(seed: int, n: int, m: int) -> tuple[Graph, nx.DiGraph]:
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    weight = rng.uniform(0.1, 3.0, m)
    reference = nx.DiGraph()
    reference.add_nodes_from(range(n))
    for s, d, w in zip(src.tolist(), dst.tolist(), weight.tolist(), strict=True):
        old = reference.get_edge_data(s, d, {"weight": 0.0})["weight"]
        reference.add_edge(s, d, weight=old + w)
    return Graph.build(n, src, dst, weight), reference


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_pagerank_matches_networkx(seed: int) -> None:
    graph, reference = _random_graph(seed, 60 + seed * 20, 150 + seed * 90)
    expected = nx.pagerank(reference, alpha=0.85, tol=1e-12, weight="weight", max_iter=500)
    ours = pagerank(graph)
    assert ours.sum() == pytest.approx(1.0)
    for node, value in expected.items():
        assert ours[node] == pytest.approx(value, abs=1e-8)


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_reach_matches_networkx_shortest_paths(seed: int) -> None:
    graph, reference = _random_graph(seed, 150, 200 + 40 * seed)
    undirected = reference.to_undirected()
    undirected.remove_edges_from(nx.selfloop_edges(undirected))
    sources = np.arange(graph.n)
    ours = reach_by_degree(graph.undirected(), sources, batch=17)
    for node in range(graph.n):
        lengths = nx.single_source_shortest_path_length(undirected, node, cutoff=3)
        expected = [sum(1 for d in lengths.values() if d == k) for k in (1, 2, 3)]
        assert ours[node].tolist() == expected


@pytest.mark.parametrize("seed", [8, 9])
def test_betweenness_matches_networkx(seed: int) -> None:
    graph, reference = _random_graph(seed, 70, 160)
    undirected = nx.Graph(reference.to_undirected())
    undirected.remove_edges_from(nx.selfloop_edges(undirected))
    expected = nx.betweenness_centrality(undirected, normalized=True)
    ours = betweenness(graph.undirected())
    assert max(expected.values()) > 0
    for node, value in expected.items():
        assert ours[node] == pytest.approx(value, abs=1e-9)


def test_pagerank_of_a_star_ranks_the_centre_first() -> None:
    graph = Graph.build(5, [1, 2, 3, 4], [0, 0, 0, 0])
    ranks = pagerank(graph)
    assert int(np.argmax(ranks)) == 0
    assert ranks[1] == pytest.approx(ranks[4])
