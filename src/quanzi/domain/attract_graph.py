"""Word-of-mouth graph figures on scipy sparse matrices: reach, PageRank, betweenness."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse

IDEAL = {"degree1": 30, "degree2": 900, "degree3": 27000, "total": 27930}


@dataclass(frozen=True)
class Graph:
    """A weighted directed graph over nodes 0..n-1 (duplicate edges summed)."""

    n: int
    src: np.ndarray
    dst: np.ndarray
    weight: np.ndarray

    @classmethod
    def build(
        cls,
        n: int,
        src: Sequence[int] | np.ndarray,
        dst: Sequence[int] | np.ndarray,
        weight: Sequence[float] | np.ndarray | None = None,
    ) -> Graph:
        """Make a graph from edge lists; weights default to 1."""
        s = np.asarray(src, dtype=np.int64)
        d = np.asarray(dst, dtype=np.int64)
        w = np.ones(len(s)) if weight is None else np.asarray(weight, dtype=np.float64)
        return cls(n, s, d, w)

    def matrix(self) -> sparse.csr_matrix:
        """The weighted adjacency matrix, row = source."""
        return sparse.csr_matrix((self.weight, (self.src, self.dst)), shape=(self.n, self.n))

    def undirected(self) -> sparse.csr_matrix:
        """The 0/1 symmetric adjacency matrix without self loops."""
        keep = self.src != self.dst
        s, d = self.src[keep], self.dst[keep]
        data = np.ones(2 * len(s), dtype=np.int8)
        a = sparse.csr_matrix(
            (data, (np.concatenate([s, d]), np.concatenate([d, s]))), shape=(self.n, self.n)
        )
        a.data[:] = 1
        return a


def pagerank(
    graph: Graph, alpha: float = 0.85, tol: float = 1e-12, max_iter: int = 200
) -> np.ndarray:
    """Weighted PageRank by power iteration; dangling nodes spread their rank evenly."""
    n = graph.n
    if n == 0:
        return np.zeros(0)
    m = graph.matrix()
    out = np.asarray(m.sum(axis=1)).ravel()
    dangling = out == 0
    inv = np.divide(1.0, out, out=np.zeros(n), where=~dangling)
    transition = sparse.diags(inv) @ m  # row-stochastic except dangling rows
    t = transition.T.tocsr()
    rank = np.full(n, 1.0 / n)
    for _ in range(max_iter):
        spread = alpha * rank[dangling].sum() / n + (1 - alpha) / n
        new = alpha * (t @ rank) + spread
        if np.abs(new - rank).sum() < tol * n:
            return new
        rank = new
    return rank


def reach_by_degree(
    adjacency: sparse.csr_matrix, sources: np.ndarray, depth: int = 3, batch: int = 64
) -> np.ndarray:
    """People at exactly 1..depth hops from each source: an array of shape (len(sources), depth)."""
    n = adjacency.shape[0]
    a = adjacency.astype(np.float32)
    result = np.zeros((len(sources), depth), dtype=np.int64)
    for start in range(0, len(sources), batch):
        chunk = sources[start : start + batch]
        b = len(chunk)
        rows = np.arange(b)
        frontier = sparse.csr_matrix((np.ones(b, dtype=np.float32), (rows, chunk)), shape=(b, n))
        seen = np.zeros((b, n), dtype=bool)
        seen[rows, chunk] = True
        for hop in range(depth):
            step = (frontier @ a).tocoo()
            fresh = ~seen[step.row, step.col]
            r, c = step.row[fresh], step.col[fresh]
            seen[r, c] = True
            result[start : start + b, hop] = np.bincount(r, minlength=b)
            frontier = sparse.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=(b, n))
    return result


def betweenness(
    adjacency: sparse.csr_matrix, samples: int | None = None, seed: int = 7
) -> np.ndarray:
    """Brandes betweenness on the undirected graph, normalised as networkx does.

    With `samples` below n, only that many random sources are used and the sum is scaled up.
    """
    n = adjacency.shape[0]
    sources: Sequence[int] = range(n)
    if samples is not None and samples < n:
        sources = random.Random(seed).sample(range(n), samples)
    score = np.zeros(n)
    if n and len(sources):
        # Every stored entry is one edge, whatever its value, as in a walk over the indices.
        pattern = sparse.csr_matrix(
            (np.ones(adjacency.nnz), adjacency.indices[: adjacency.nnz], adjacency.indptr),
            shape=(n, n),
        )
        order = np.asarray(sources, dtype=np.int64)
        blocks = -(-len(order) // _block_width(n))
        width = -(-len(order) // blocks)  # even blocks: the last one costs as many levels
        for start in range(0, len(order), width):
            _brandes_block(pattern, order[start : start + width], score)
    scale = n / len(sources) if sources else 0.0
    if n > 2:
        score *= scale / ((n - 1) * (n - 2))  # undirected pairs counted twice, normalised
    return score


_BLOCK_BYTES = 1 << 30
_BYTES_PER_PAIR = 32  # sigma, dist and two (node, source) float operands at the widest level
_MAX_WIDTH = 32  # wider blocks stop paying: level unions grow and rows fall out of cache
_NEARLY_ALL = 0.875  # past this share of nodes, whole arrays beat gathers and sliced matrices

Nodes = np.ndarray | None  # sorted node ids, or None for every node


def _block_width(n: int) -> int:
    """How many sources to run side by side within _BLOCK_BYTES."""
    return max(1, min(_MAX_WIDTH, _BLOCK_BYTES // (_BYTES_PER_PAIR * n)))


def _nodes(n: int, mask: ArrayLike, within: Nodes = None) -> Nodes:
    """The nodes where `mask` holds, `mask` running over `within`; None when nearly all."""
    found = np.flatnonzero(mask)
    if within is not None:
        found = within[found]
    return None if len(found) > _NEARLY_ALL * n else found


def _rows(values: np.ndarray, nodes: Nodes) -> np.ndarray:
    """The rows of a (node, source) array for `nodes`: a view when that is every node."""
    return values if nodes is None else values[nodes]


def _edges(pattern: sparse.csr_matrix, tails: Nodes, heads: Nodes) -> sparse.csr_matrix:
    """The edges from `tails` to `heads`, rows and columns renumbered in that order."""
    sub = pattern if tails is None else pattern[tails]
    return sub if heads is None else sub[:, heads]


def _brandes_block(pattern: sparse.csr_matrix, block: np.ndarray, score: np.ndarray) -> None:
    """Add the dependencies of a block of sources to `score`, one BFS level at a time."""
    n = pattern.shape[0]
    width = len(block)
    # (node, source) arrays, node-major: a node's row is contiguous for the sparse products.
    sigma = np.zeros((n, width))
    dist = np.full((n, width), -1, dtype=np.int32)
    sigma[block, np.arange(width)] = 1.0
    dist[block, np.arange(width)] = 0
    fronts: list[Nodes] = [np.sort(block)]
    unreached: Nodes = None
    while unreached is None or len(unreached):
        depth, front = len(fronts) - 1, fronts[-1]
        pushed = _rows(sigma, front) * (_rows(dist, front) == depth)
        # Only edges from the frontier to nodes some source still lacks can extend a path.
        reached = _edges(pattern, front, unreached).T @ pushed
        del pushed
        grown = _rows(dist, unreached) < 0
        grown &= reached > 0
        if not grown.any():
            break
        if unreached is None:
            np.copyto(sigma, reached, where=grown)
            dist[grown] = depth + 1
        else:
            paths, levels = sigma[unreached], dist[unreached]
            np.copyto(paths, reached, where=grown)
            levels[grown] = depth + 1
            sigma[unreached], dist[unreached] = paths, levels
            del paths, levels
        fronts.append(_nodes(n, grown.any(axis=1), unreached))
        del reached, grown
        unreached = _nodes(n, (dist < 0).any(axis=1))
    # Brandes' dependency: delta(v) = sigma(v) * sum over successors w of (1 + delta(w)) / sigma(w).
    deepest = len(fronts) - 1
    last = fronts[deepest]
    coeff = np.zeros(dist.shape if last is None else (len(last), width))
    np.divide(1.0, _rows(sigma, last), out=coeff, where=_rows(dist, last) == deepest)
    for depth in range(deepest - 1, 0, -1):
        below = fronts[depth]
        # One buffer per level: the successors' sum, then delta, then the next coefficients.
        coeff = _edges(pattern, below, fronts[depth + 1]) @ coeff
        paths, here = _rows(sigma, below), _rows(dist, below) == depth
        coeff *= paths
        coeff *= here
        if below is None:
            score += coeff.sum(axis=1)
        else:
            score[below] += coeff.sum(axis=1)
        if depth == 1:
            break  # the sources' own dependency is not counted
        coeff += 1.0
        np.divide(coeff, paths, out=coeff, where=here)
        coeff *= here
        del paths, here
