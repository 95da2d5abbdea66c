"""Word-of-mouth graph figures on scipy sparse matrices: reach, PageRank, betweenness."""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
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
    indptr, indices = adjacency.indptr, adjacency.indices
    sources = list(range(n))
    if samples is not None and samples < n:
        sources = random.Random(seed).sample(sources, samples)
    score = np.zeros(n)
    for s in sources:
        order: list[int] = []
        sigma = {s: 1.0}
        dist = {s: 0}
        preds_of: dict[int, list[int]] = {s: []}
        queue = deque([s])
        while queue:
            v = queue.popleft()
            order.append(v)
            for w in indices[indptr[v] : indptr[v + 1]].tolist():
                if w not in dist:
                    dist[w] = dist[v] + 1
                    sigma[w] = 0.0
                    preds_of[w] = []
                    queue.append(w)
                if dist[w] == dist[v] + 1:
                    sigma[w] += sigma[v]
                    preds_of[w].append(v)
        delta = dict.fromkeys(order, 0.0)
        for w in reversed(order):
            for v in preds_of[w]:
                delta[v] += sigma[v] / sigma[w] * (1 + delta[w])
            if w != s:
                score[w] += delta[w]
    scale = n / len(sources) if sources else 0.0
    if n > 2:
        score *= scale / ((n - 1) * (n - 2))  # undirected pairs counted twice, normalised
    return score
