"""Attract benchmark: PageRank and 3-degree reach on a synthetic graph (scipy sparse).

Run:  .venv/bin/python benchmarks/attract.py [--nodes 1000000] [--edges 10000000]
          [--sources 1000] [--seed 1]

The graph: `--edges` directed edges with endpoints drawn from a power law over `--nodes`
people (a few hubs, a long tail — like a community's KOLs and lurkers), weights uniform.
PageRank runs on the whole weighted directed graph; reach counts the people at exactly
1, 2 and 3 hops in the undirected graph from `--sources` random people (every person would
take nodes/sources times longer; the mean is the figure the console shows). Reports wall
time per step and the process's peak resident memory. Results are appended to
benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from quanzi.domain.attract_graph import Graph, pagerank, reach_by_degree

RESULTS = Path(__file__).parent / "results"


def peak_mb() -> float:
    """The process's peak resident set size in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def endpoints(rng: np.random.Generator, nodes: int, count: int) -> np.ndarray:
    """Half the people drawn uniformly, half from a Zipf law (a few hubs draw many edges)."""
    hubs = (rng.zipf(2.0, count) - 1) % nodes
    uniform = rng.integers(0, nodes, count)
    return np.where(rng.random(count) < 0.5, hubs, uniform)


def main() -> None:
    """Build the graph, time PageRank and reach, print and store the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1_000_000)
    parser.add_argument("--edges", type=int, default=10_000_000)
    parser.add_argument("--sources", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    timings: dict[str, float] = {}

    start = time.perf_counter()
    src = rng.integers(0, args.nodes, args.edges)
    dst = endpoints(rng, args.nodes, args.edges)
    graph = Graph.build(args.nodes, src, dst, rng.uniform(0.1, 1.0, args.edges))
    timings["generate_s"] = time.perf_counter() - start

    start = time.perf_counter()
    ranks = pagerank(graph, tol=1e-10)
    timings["pagerank_s"] = time.perf_counter() - start

    start = time.perf_counter()
    adjacency = graph.undirected()
    timings["undirected_s"] = time.perf_counter() - start
    start = time.perf_counter()
    sources = rng.choice(args.nodes, size=min(args.sources, args.nodes), replace=False)
    counts = reach_by_degree(adjacency, sources, batch=16)
    timings["reach_s"] = time.perf_counter() - start

    means = counts.mean(axis=0)
    result = {
        "benchmark": "attract",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "nodes": args.nodes,
        "edges": args.edges,
        "undirected_pairs": int(adjacency.nnz // 2),
        "reach_sources": len(sources),
        "reach_mean": {f"degree{k + 1}": round(float(means[k]), 1) for k in range(3)},
        "reach_per_source_ms": round(timings["reach_s"] / len(sources) * 1000, 2),
        "pagerank_sum": round(float(ranks.sum()), 6),
        "timings_s": {k: round(v, 2) for k, v in timings.items()},
        "peak_rss_mb": round(peak_mb(), 1),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    with (RESULTS / f"attract-{stamp}.json").open("a", encoding="utf-8") as out:
        out.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
