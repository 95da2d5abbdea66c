"""Time nonebot-plugin-noadpls's `check_text` on a list of message texts (for filter.py).

Run in a venv holding its matching dependencies only (cleanse-speech, fuzzywuzzy, jieba,
opencc, python-levenshtein): the plugin itself also pulls in NoneBot, PaddleOCR and
PaddlePaddle, which its text matching never touches. The plugin's `config`, `log` and
`constants` modules need a running NoneBot, so they are replaced by stand-ins with its
defaults (the advertisement word list, no custom words).

    python benchmarks/filter_noadpls.py UNPACKED_WHEEL_DIR TEXTS.json
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
import types
from pathlib import Path


def _stub(name: str, **attrs: object) -> None:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module


def load_check_text(wheel_dir: Path) -> object:
    """Import the plugin's ban_judge.py with stand-ins for its NoneBot-bound modules."""
    package = "nonebot_plugin_noadpls"
    _stub(package, __path__=[str(wheel_dir / package)])
    _stub(f"{package}.utils", __path__=[])
    settings = types.SimpleNamespace(
        env=types.SimpleNamespace(ban_pre_text=[]), local=types.SimpleNamespace(ban_text=[])
    )
    _stub(f"{package}.config", config=settings, save_config=lambda *a, **k: None)
    _stub(
        f"{package}.utils.constants",
        PrefixConstants=types.SimpleNamespace(BAN_PRE_TEXT_REGEX="re:"),
    )
    quiet = types.SimpleNamespace(
        **{k: lambda *a, **k2: None for k in ("debug", "info", "warning", "error")}
    )
    _stub(f"{package}.utils.log", log=quiet)
    spec = importlib.util.spec_from_file_location(
        f"{package}.ban_judge", wheel_dir / package / "ban_judge.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.check_text


def main() -> None:
    """Print one JSON line: throughput, p50/p99 and how many texts it flagged."""
    wheel_dir, texts_path = Path(sys.argv[1]), Path(sys.argv[2])
    texts = json.loads(texts_path.read_text(encoding="utf-8"))
    check_text = load_check_text(wheel_dir)
    check_text("预热")  # the word list loads on first use
    timings = []
    flagged: list[tuple[str, list[str]]] = []
    indexes: list[int] = []
    started = time.perf_counter()
    for index, text in enumerate(texts):
        t0 = time.perf_counter_ns()
        words = check_text(text)  # type: ignore[operator]
        timings.append(time.perf_counter_ns() - t0)
        if words:
            flagged.append((text, words))
            indexes.append(index)
    seconds = time.perf_counter() - started
    timings.sort()
    print(
        json.dumps(
            {
                "items": len(texts),
                "seconds": round(seconds, 2),
                "per_second": round(len(texts) / seconds),
                "p50_us": round(timings[len(timings) // 2] / 1000, 1),
                "p99_us": round(
                    timings[min(len(timings) - 1, round(0.99 * (len(timings) - 1)))] / 1000, 1
                ),
                "flagged": len(flagged),
                "flagged_index": indexes,
                "examples": [f"{text[:40]} ← {words[:3]}" for text, words in flagged[:8]],
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
