"""The array betweenness equals the pure-Python Brandes it replaced, and networkx."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from scipy import sparse

from quanzi.domain import attract_graph
from quanzi.domain.attract_graph import Graph, betweenness
from tests.attract.betweenness_reference import betweenness as reference


def _same(ours: np.ndarray, theirs: np.ndarray) -> None:
    assert ours.shape == theirs.shape
    assert np.allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def _networkx(graph: Graph) -> np.ndarray:
    undirected = nx.Graph()
    undirected.add_nodes_from(range(graph.n))
    undirected.add_edges_from(zip(graph.src.tolist(), graph.dst.tolist(), strict=True))
    undirected.remove_edges_from(nx.selfloop_edges(undirected))
    found = nx.betweenness_centrality(undirected, normalized=True)
    return np.array([found[node] for node in range(graph.n)])


def _path(n: int) -> Graph:
    return Graph.build(n, range(n - 1), range(1, n))


HAND = {
    "path": _path(6),
    "star": Graph.build(7, [0] * 6, range(1, 7)),
    "cycle": Graph.build(7, range(7), [*range(1, 7), 0]),
    "two components": Graph.build(9, [0, 1, 2, 4, 5, 6, 7, 7], [1, 2, 3, 5, 6, 4, 8, 4]),
    "isolated nodes": Graph.build(8, [1, 2, 2, 6], [2, 3, 6, 3]),
    "no edges": Graph.build(4, [], []),
    "empty": Graph.build(0, [], []),
    "single node": Graph.build(1, [], []),
    "single node with a loop": Graph.build(1, [0], [0]),
    "two nodes": Graph.build(2, [0], [1]),
    "clique and tail": Graph.build(7, [0, 0, 0, 1, 1, 2, 3, 4, 5], [1, 2, 3, 2, 3, 3, 4, 5, 6]),
}


@pytest.mark.parametrize("name", HAND)
def test_hand_graphs_match_the_reference_and_networkx(name: str) -> None:
    graph = HAND[name]
    ours = betweenness(graph.undirected())
    _same(ours, reference(graph.undirected()))
    _same(ours, _networkx(graph))


def test_hand_graph_values() -> None:
    path = betweenness(_path(5).undirected())
    _same(path, np.array([0.0, 3.0, 4.0, 3.0, 0.0]) / 6)
    star = betweenness(HAND["star"].undirected())
    _same(star, np.array([1.0, 0, 0, 0, 0, 0, 0]))
    assert betweenness(HAND["empty"].undirected()).shape == (0,)
    _same(betweenness(HAND["single node"].undirected()), np.zeros(1))


def _random_graph(seed: int, n: int, m: int) -> Graph:
    rng = np.random.default_rng(seed)
    hubs = rng.zipf(2.0, m) % n  # a few people with many ties, as in the real graphs
    dst = np.where(rng.random(m) < 0.5, hubs, rng.integers(0, n, m))
    return Graph.build(n, rng.integers(0, n, m), dst)


@pytest.mark.parametrize(
    ("seed", "n", "m"),
    [(1, 40, 60), (2, 90, 90), (3, 150, 400), (4, 200, 1200), (5, 333, 500)],
)
def test_random_graphs_match_the_reference_and_networkx(seed: int, n: int, m: int) -> None:
    graph = _random_graph(seed, n, m)
    ours = betweenness(graph.undirected())
    _same(ours, reference(graph.undirected()))
    _same(ours, _networkx(graph))


@pytest.mark.parametrize(("seed", "samples"), [(6, 1), (7, 17), (8, 64), (9, 299), (10, 300)])
def test_sampled_sources_match_the_reference(seed: int, samples: int) -> None:
    adjacency = _random_graph(seed, 300, 900).undirected()
    for draw in (7, seed):
        _same(
            betweenness(adjacency, samples=samples, seed=draw),
            reference(adjacency, samples=samples, seed=draw),
        )


def test_no_samples_give_zeros() -> None:
    adjacency = _random_graph(11, 50, 100).undirected()
    _same(betweenness(adjacency, samples=0), np.zeros(50))
    _same(betweenness(adjacency, samples=0), reference(adjacency, samples=0))


@pytest.mark.parametrize("nearly_all", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("block_bytes", [1, 1 << 30])
def test_every_block_width_and_node_set_shape_agree(
    monkeypatch: pytest.MonkeyPatch, nearly_all: float, block_bytes: int
) -> None:
    # Forces one source per block, or whole arrays, or gathered rows at every level.
    monkeypatch.setattr(attract_graph, "_NEARLY_ALL", nearly_all)
    monkeypatch.setattr(attract_graph, "_BLOCK_BYTES", block_bytes)
    adjacency = _random_graph(12, 120, 300).undirected()
    _same(betweenness(adjacency), reference(adjacency))
    _same(betweenness(adjacency, samples=45), reference(adjacency, samples=45))


def test_a_long_path_needs_many_levels() -> None:
    adjacency = _path(400).undirected()
    _same(betweenness(adjacency, samples=50), reference(adjacency, samples=50))


@pytest.mark.parametrize("seed", [13, 14])
def test_raw_matrices_are_read_as_the_reference_reads_them(seed: int) -> None:
    # Directed, repeated entries, explicit zeros and self loops: each stored entry is one edge.
    rng = np.random.default_rng(seed)
    n, m = 80, 320
    src, dst = np.sort(rng.integers(0, n, m)), rng.integers(0, n, m)
    values = rng.integers(0, 3, m).astype(np.float64)
    adjacency = sparse.csr_matrix((values, dst, np.searchsorted(src, np.arange(n + 1))), (n, n))
    assert adjacency.nnz == m
    _same(betweenness(adjacency), reference(adjacency))
    _same(betweenness(adjacency, samples=30), reference(adjacency, samples=30))
