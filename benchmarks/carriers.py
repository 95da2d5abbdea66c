"""Benchmark: generate a QQ 消息管理器 TXT export of N messages, parse it, then import it."""

from __future__ import annotations

import argparse
import json
import platform
import random
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from quanzi.carriers.importers import READERS
from quanzi.carriers.importers.run import import_stream
from quanzi.store import migrate
from quanzi.store.db import get_engine

WORDS = [
    "葡萄",
    "什么时候到",
    "接龙",
    "团长",
    "好甜",
    "已下单",
    "早上好",
    "发货了吗",
    "谢谢",
    "+1",
    "砂糖橘",
]


def generate(path: Path, messages: int, seed: int = 9) -> None:
    """Write a legacy QQ TXT export: headers in 12-hour form, a few multi-line bodies, joins."""
    rng = random.Random(seed)
    moment = datetime(2019, 1, 1, 8, 0, 0)
    with path.open("w", encoding="utf-8") as out:
        out.write("消息记录（此消息记录为文本格式，不支持重新导入）\n\n" + "=" * 64 + "\n")
        out.write("消息分组:我的群聊\n" + "=" * 64 + "\n消息对象:鲜果会员群\n" + "=" * 64 + "\n\n")
        for n in range(messages):
            moment += timedelta(seconds=rng.randint(1, 40))
            stamp = f"{moment:%Y-%m-%d} {moment:%I}".replace(" 0", " ") + f":{moment:%M:%S %p}"
            if n % 500 == 0:
                out.write(f"{stamp} 系统消息(1000000)\n新人{n}加入本群。\n\n")
            uin = 10000 + rng.randint(0, 2000)
            body = "".join(rng.choices(WORDS, k=rng.randint(1, 6)))
            if n % 50 == 0:
                body += "\n" + "".join(rng.choices(WORDS, k=3))
            out.write(f"{stamp} 群友{uin}({uin})\n{body}\n\n")


def main() -> None:
    """Run the benchmark and write its numbers to benchmarks/results/."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--db", default="", help="数据库地址（默认临时 SQLite 文件）")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="quanzi-carriers-"))
    export = work / "qq.txt"
    started = time.perf_counter()
    generate(export, args.messages)
    generated = time.perf_counter() - started
    size = export.stat().st_size

    started = time.perf_counter()
    with export.open("rb") as handle:
        parsed = sum(1 for _ in READERS["qq-txt"](handle, "bench"))
    parse_seconds = time.perf_counter() - started

    url = args.db or f"sqlite:///{work / 'bench.db'}"
    engine = get_engine(url)
    migrate.upgrade(engine)
    started = time.perf_counter()
    with export.open("rb") as handle:
        report = import_stream(engine, "qq-txt", handle, "bench").to_dict()
    import_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with export.open("rb") as handle:
        again = import_stream(engine, "qq-txt", handle, "bench").to_dict()
    again_seconds = time.perf_counter() - started
    result = {
        "date": f"{datetime.now():%Y-%m-%d}",
        "python": platform.python_version(),
        "database": engine.dialect.name,
        "messages": args.messages,
        "file_mb": round(size / 1e6, 1),
        "generate_s": round(generated, 1),
        "parse_s": round(parse_seconds, 1),
        "parse_per_s": round(parsed / parse_seconds),
        "import_s": round(import_seconds, 1),
        "import_per_s": round((report["new_events"]) / import_seconds),
        "reimport_s": round(again_seconds, 1),
        "report": {k: v for k, v in report.items() if k != "rejected"}
        | {"rejected": len(report["rejected"])},
        "reimport_new_events": again["new_events"],
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))
    out = Path(__file__).parent / "results" / f"carriers-{result['date']}-{args.messages}.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
