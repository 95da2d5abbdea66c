"""Filter benchmark: screening N join requests and moderating M messages, per-item latency.

Run:  .venv/bin/python benchmarks/filter.py [--requests 100000] [--messages 1000000]
          [--noadpls-python /path/to/python --noadpls-dir DIR --noadpls-sample 5000]

Screening: join requests shaped like the demo world's (quanzi.sim names, avatars, answers;
about one in twenty from a marketing account), screened in order with their stream history
(rings, bursts, rejected inviters). Moderation: the demo world's messages (SimConfig(seed=1)),
repeated with their times shifted until M are reached, through one Moderator.
For each: throughput and per-item p50/p99 (perf_counter_ns around each call). With
--noadpls-python, the same messages' first --noadpls-sample texts also go through
nonebot-plugin-noadpls's `check_text` (run by benchmarks/filter_noadpls.py in that venv).
Results are appended to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any

from machine import describe

from quanzi.domain.moderation import Message, Moderator, message_from_raw
from quanzi.domain.screening import JoinRequest, Screener
from quanzi.domain.screening_stream import StreamHistory
from quanzi.sim import SimConfig, names, simulate

HERE = Path(__file__).parent


def percentile(sorted_ns: list[int], share: float) -> float:
    """Return a percentile of sorted nanosecond timings, in microseconds."""
    index = min(len(sorted_ns) - 1, round(share * (len(sorted_ns) - 1)))
    return sorted_ns[index] / 1000


def summary(count: int, seconds: float, timings: list[int]) -> dict[str, Any]:
    """Throughput and latency figures of one run."""
    timings.sort()
    return {
        "items": count,
        "seconds": round(seconds, 2),
        "per_second": round(count / seconds),
        "p50_us": round(percentile(timings, 0.5), 1),
        "p99_us": round(percentile(timings, 0.99), 1),
    }


def join_requests(count: int, seed: int) -> list[JoinRequest]:
    """Build `count` requests like the demo's: ordinary people, friends' pulls, spam."""
    rng = Random(seed)
    start = datetime(2026, 5, 1, tzinfo=UTC)
    requests = []
    for n in range(count):
        ts = start + timedelta(seconds=n * 30 + rng.randrange(30))
        if rng.random() < 0.05:
            name, avatar, wxid = names.spam_identity(rng)
            answer = rng.choice(names.SPAM_ANSWERS).format(wx=wxid)
            source, inviter, via = "fission_poster", None, None
        else:
            name = names.nickname(rng, names.region(rng))
            avatar = names.avatar_hash(n, seed)
            source = rng.choice(tuple(names.JOIN_ANSWERS))
            answer = rng.choice(names.JOIN_ANSWERS[source])
            friend = source == "friend"
            inviter = f"qq:{rng.randrange(5000)}" if friend else None
            via = f"YQ-{names.invite_code(rng.randrange(5000), seed)}" if friend else None
        requests.append(
            JoinRequest(
                id=f"r{n}",
                name=name,
                comment=names.JOIN_QUESTION + answer,
                avatar=avatar,
                source=source,
                person=f"qq:{10**8 + n}",
                inviter=inviter,
                via=via,
                ts=ts,
            )
        )
    return requests


def bench_screening(count: int, seed: int) -> dict[str, Any]:
    """Screen `count` requests in order; time each one."""
    requests = join_requests(count, seed)
    screener = Screener()
    history = StreamHistory(screener)
    timings = []
    verdicts: dict[str, int] = {}
    started = time.perf_counter()
    for request in requests:
        t0 = time.perf_counter_ns()
        verdict = screener.screen(request, history.before(request))
        history.record(request, verdict)
        timings.append(time.perf_counter_ns() - t0)
        verdicts[verdict.verdict] = verdicts.get(verdict.verdict, 0) + 1
    result = summary(count, time.perf_counter() - started, timings)
    result["verdicts"] = verdicts
    return result


def demo_messages(seed: int) -> list[Message]:
    """The demo world's messages, with each sender's role in the group."""
    roles: dict[tuple[str, str], str] = {}
    messages = []
    for event in simulate(SimConfig(seed=seed)):
        kind = event["kind"]
        if kind in ("join", "person") and event.get("role") and event.get("community"):
            roles[(event["community"], event["person"])] = event["role"]
        elif kind == "message":
            role = roles.get((event["community"], event["person"]))
            messages.append(message_from_raw({**event, "role": role}))
    return messages


def bench_moderation(count: int, seed: int, sample_path: Path, sample: int) -> dict[str, Any]:
    """Moderate `count` messages (the demo's, repeated 180 days apart); time each one."""
    base = demo_messages(seed)
    shift = timedelta(days=180)
    timings = []
    actions: dict[str, int] = {}
    moderator = Moderator()
    done = 0
    started = time.perf_counter()
    while done < count:
        offset = shift * (done // len(base))
        for message in base[: count - done]:
            shifted = replace(message, ts=message.ts + offset) if offset else message
            t0 = time.perf_counter_ns()
            decision = moderator.moderate(shifted)
            timings.append(time.perf_counter_ns() - t0)
            actions[decision.action] = actions.get(decision.action, 0) + 1
        done = len(timings)
    result = summary(count, time.perf_counter() - started, timings)
    result["actions"] = actions
    # The same texts for the side-by-side run, and quanzi's own time on exactly those.
    texts = [m.text for m in base[:sample]]
    sample_path.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    same = Moderator()
    only_text = []
    flagged = []
    for index, message in enumerate(base[:sample]):
        t0 = time.perf_counter_ns()
        decision = same.moderate(message)
        only_text.append(time.perf_counter_ns() - t0)
        if decision.action != "allow":
            flagged.append(index)
    result["sample"] = summary(len(only_text), sum(only_text) / 1e9, only_text)
    result["sample"]["flagged"] = len(flagged)
    result["sample"]["flagged_index"] = flagged
    result["sample"]["examples"] = [base[i].text for i in flagged[:5]]
    return result


def main() -> None:
    """Run both benchmarks (and noadpls when asked) and record the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--noadpls-python", help="python of a venv with noadpls's matching deps")
    parser.add_argument("--noadpls-dir", help="the unpacked nonebot-plugin-noadpls wheel")
    parser.add_argument("--noadpls-sample", type=int, default=5000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/quanzi-bench"))
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": describe(),
        "python": platform.python_version(),
    }
    results["screening"] = bench_screening(args.requests, args.seed)
    print("screening", json.dumps(results["screening"], ensure_ascii=False))
    sample_path = args.workdir / "noadpls-sample.json"
    results["moderation"] = bench_moderation(
        args.messages, args.seed, sample_path, args.noadpls_sample
    )
    print("moderation", json.dumps(results["moderation"], ensure_ascii=False))
    if args.noadpls_python and args.noadpls_dir:
        script = HERE / "filter_noadpls.py"
        command = [args.noadpls_python, str(script), args.noadpls_dir, str(sample_path)]
        out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        results["noadpls"] = json.loads(out.strip().splitlines()[-1])
        ours = set(results["moderation"]["sample"]["flagged_index"])
        theirs = set(results["noadpls"]["flagged_index"])
        results["noadpls"]["also_flagged_by_quanzi"] = len(ours & theirs)
        results["noadpls"]["missed_of_quanzis"] = len(ours - theirs)
        print("noadpls", json.dumps(results["noadpls"], ensure_ascii=False))
    out_path = HERE / "results" / f"filter-{results['date'][:10]}.json"
    out_path.parent.mkdir(exist_ok=True)
    out_path.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"results → {out_path}")


if __name__ == "__main__":
    main()
