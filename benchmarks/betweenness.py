"""Betweenness benchmark: the array Brandes against the pure-Python one it replaced.

Run:  .venv/bin/python benchmarks/betweenness.py [--nodes 600000] [--edges 10000000]
          [--communities 12] [--inside 0.9] [--samples 150] [--reference-samples 2] [--seed 1]

The graph is shaped like a social one: every person has a power-law activity (a few hubs,
a long tail) and belongs to one of `--communities` communities of uneven size; each of the
`--edges` draws picks one endpoint by activity and the other by activity too, inside the
same community with probability `--inside`, anywhere otherwise. Labels are shuffled so ids
say nothing about communities. Self loops and repeated pairs are dropped by
`Graph.undirected()`, so the undirected edge count printed is a little under `--edges`.

The array version runs with `--samples` sources (the count the influence report uses). The
pure-Python reference would take far too long for that many, so it runs with only
`--reference-samples` sources and its time is extrapolated linearly per source (the work per
source is one BFS and one backward pass over the whole graph, so it scales with the source
count). Both are also compared on those few sources. Prints the figures as JSON, with the
memory the array version allocated at its peak (numpy's buffers, as tracemalloc sees them) and
the process's peak resident memory (graph generation included).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from quanzi.domain.attract_graph import Graph, betweenness

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.attract.betweenness_reference import betweenness as reference_betweenness


def peak_mb() -> float:
    """The process's peak resident set size in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def social_graph(
    rng: np.random.Generator, nodes: int, edges: int, communities: int, inside: float
) -> Graph:
    """Power-law activity, uneven communities, most ties inside a community."""
    activity = np.minimum(rng.pareto(1.5, nodes) + 1.0, nodes**0.5)
    sizes = rng.dirichlet(np.full(communities, 1.5)) * nodes
    member = np.minimum(np.searchsorted(np.cumsum(sizes), np.arange(nodes)), communities - 1)
    # Members of a community are contiguous here, so a community is a slice of the cumsum.
    cum = np.cumsum(activity)
    starts = np.searchsorted(member, np.arange(communities))
    ends = np.append(starts[1:], nodes)
    low = np.where(starts > 0, cum[np.maximum(starts - 1, 0)], 0.0)
    high = cum[ends - 1]
    src = np.minimum(np.searchsorted(cum, rng.random(edges) * cum[-1]), nodes - 1)
    home = member[src]
    spot = low[home] + rng.random(edges) * (high[home] - low[home])
    anywhere = rng.random(edges) * cum[-1]
    dst = np.searchsorted(cum, np.where(rng.random(edges) < inside, spot, anywhere))
    dst = np.minimum(dst, nodes - 1)
    label = rng.permutation(nodes)
    return Graph.build(nodes, label[src], label[dst])


def main() -> None:
    """Build the graph, time both versions, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=600_000)
    parser.add_argument("--edges", type=int, default=10_000_000)
    parser.add_argument("--communities", type=int, default=12)
    parser.add_argument("--inside", type=float, default=0.9)
    parser.add_argument("--samples", type=int, default=150)
    parser.add_argument("--reference-samples", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    timings: dict[str, float] = {}

    start = time.perf_counter()
    graph = social_graph(rng, args.nodes, args.edges, args.communities, args.inside)
    adjacency = graph.undirected()
    timings["generate_s"] = time.perf_counter() - start
    degree = np.diff(adjacency.indptr)

    tracemalloc.start()
    start = time.perf_counter()
    ours = betweenness(adjacency, samples=args.samples)
    timings["array_s"] = time.perf_counter() - start
    array_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    few = args.reference_samples
    start = time.perf_counter()
    ours_few = betweenness(adjacency, samples=few)
    timings["array_few_s"] = time.perf_counter() - start
    start = time.perf_counter()
    theirs_few = reference_betweenness(adjacency, samples=few)
    timings["reference_few_s"] = time.perf_counter() - start

    array_per_source = timings["array_s"] / args.samples
    reference_per_source = timings["reference_few_s"] / few
    result = {
        "benchmark": "betweenness",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "nodes": args.nodes,
        "undirected_edges": int(adjacency.nnz // 2),
        "degree_mean": round(float(degree.mean()), 1),
        "degree_max": int(degree.max()),
        "isolated": int((degree == 0).sum()),
        "samples": args.samples,
        "array_s": round(timings["array_s"], 2),
        "array_per_source_s": round(array_per_source, 3),
        "reference_samples": few,
        "array_on_reference_samples_s": round(timings["array_few_s"], 2),
        "reference_s": round(timings["reference_few_s"], 2),
        "reference_per_source_s": round(reference_per_source, 3),
        "reference_extrapolated_s": round(reference_per_source * args.samples, 1),
        "speedup": round(reference_per_source / array_per_source, 1),
        "agree_on_reference_samples": bool(
            np.allclose(ours_few, theirs_few, rtol=1e-9, atol=1e-12)
        ),
        "max_betweenness": round(float(ours.max()), 6),
        "array_peak_mb": round(array_peak, 1),
        "generate_s": round(timings["generate_s"], 2),
        "peak_rss_mb": round(peak_mb(), 1),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
