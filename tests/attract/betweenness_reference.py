"""The pure-Python Brandes betweenness that the array version replaced, kept as its oracle."""

from __future__ import annotations

import random
from collections import deque

import numpy as np
from scipy import sparse


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
