"""Benchmark: parse a Telegram Desktop `result.json` of N messages as a stream; time and memory.

Run:  .venv/bin/python benchmarks/carriers_json.py --messages 1000000

The JSON importers read with ijson, so memory should stay flat however large the export is;
this writes an export in tdesktop's shape, parses it, and reports the parse rate and the
process's peak resident memory beside the file's size.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from machine import describe

from quanzi.carriers.importers import READERS

WORDS = ["葡萄", "什么时候到", "接龙", "团长", "好甜", "已下单", "早上好", "发货了吗", "+1"]


def generate(path: Path, messages: int, seed: int = 9) -> None:
    """Write a tdesktop export: one supergroup, messages, a join by link every 500."""
    rng = random.Random(seed)
    moment = datetime(2024, 1, 1, 8, 0, 0)
    with path.open("w", encoding="utf-8") as out:
        head = {"name": "鲜果会员群", "type": "private_supergroup", "id": 1234567890}
        out.write(json.dumps(head, ensure_ascii=False)[:-1] + ',"messages":[\n')
        for n in range(messages):
            moment += timedelta(seconds=rng.randint(1, 40))
            user = 10000 + rng.randint(0, 2000)
            record: dict[str, object] = {
                "id": n + 1, "date": moment.isoformat(),
                "date_unixtime": str(int(moment.timestamp())),
            }  # fmt: skip
            if n % 500 == 0:
                record |= {"type": "service", "actor": f"新人{n}", "actor_id": f"user{n}",
                           "action": "join_group_by_link", "text": ""}  # fmt: skip
            else:
                text = "".join(rng.choices(WORDS, k=rng.randint(1, 6)))
                entities = [{"type": "plain", "text": text}]
                record |= {"type": "message", "from": f"群友{user}", "from_id": f"user{user}",
                           "text": text, "text_entities": entities}  # fmt: skip
            out.write(("," if n else "") + json.dumps(record, ensure_ascii=False) + "\n")
        out.write("]}\n")


def main() -> None:
    """Generate, parse, and write the numbers to benchmarks/results/."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    args = parser.parse_args()
    export = Path(tempfile.mkdtemp(prefix="quanzi-tg-")) / "result.json"
    generate(export, args.messages)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with export.open("rb") as handle:
        parsed = sum(1 for _ in READERS["telegram-json"](handle, "bench"))
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {
        "date": f"{datetime.now():%Y-%m-%d}",
        "machine": describe(),
        "python": platform.python_version(),
        "messages": args.messages,
        "events": parsed,
        "file_mb": round(export.stat().st_size / 1e6, 1),
        "parse_s": round(seconds, 1),
        "parse_per_s": round(parsed / seconds),
        "peak_rss_mb_before_parse": round(before / 1024, 1),
        "peak_rss_mb_after_parse": round(peak / 1024, 1),
    }
    export.unlink()
    print(json.dumps(result, ensure_ascii=False, indent=1))
    out = Path(__file__).parent / "results" / f"carriers-json-{result['date']}-{args.messages}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
