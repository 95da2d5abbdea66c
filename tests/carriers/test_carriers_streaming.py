"""The JSON importers stream: one record in memory at a time, a break keeps what came before."""

from __future__ import annotations

import io
import json
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import Engine

from quanzi.carriers.importers import READERS
from quanzi.carriers.importers.run import import_stream
from quanzi.errors import InvalidInput

FIXTURES = Path(__file__).parents[1] / "fixtures" / "carriers"


def telegram(count: int) -> dict:
    """A single-chat Telegram export of `count` plain messages."""
    return {"name": "Project Team", "type": "private_supergroup", "id": 1234567890,
            "messages": [{"id": n, "type": "message", "date": "2024-01-02T03:04:05",
                          "date_unixtime": str(1704164645 + n), "from": f"用户{n % 50}",
                          "from_id": f"user{10000 + n % 50}", "text": "葡萄什么时候到？" * 8,
                          "text_entities": [{"type": "plain", "text": "葡萄什么时候到？" * 8}]}
                         for n in range(1, count + 1)]}  # fmt: skip


def test_a_big_export_is_read_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(json.dumps(telegram(60_000), ensure_ascii=False), encoding="utf-8")
    size = path.stat().st_size
    assert size > 30_000_000
    tracemalloc.start()
    try:
        with path.open("rb") as handle:
            count = sum(1 for _ in READERS["telegram-json"](handle, "fruit"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 60_000
    assert peak < size / 20  # loading it whole would take several times its size


def test_a_truncated_export_keeps_the_records_before_the_break(engine: Engine) -> None:
    data = (FIXTURES / "discord.json").read_bytes()
    cut = data[: data.index(b'{"id":"445"') + 30]  # the export ends in the third message
    report = import_stream(engine, "discord-json", io.BytesIO(cut), "fruit").to_dict()
    assert (report["joins"], report["messages"], report["new_events"]) == (1, 1, 2)
    [broken] = report["rejected"]
    assert broken["line"] == 3 and broken["reason"].startswith("第 2 条之后 JSON 损坏")


def test_a_file_broken_before_any_record_is_refused_whole() -> None:
    with pytest.raises(InvalidInput) as caught:
        list(READERS["qce-json"](io.BytesIO(b'{"chatInfo": {"name": "x"}, "messages": [{'), "f"))
    assert caught.value.code == "import_bad_json"
    with pytest.raises(InvalidInput) as shape:
        list(READERS["discord-json"](io.BytesIO(b'{"guild": {}, "channel": {}}'), "f"))
    assert shape.value.code == "import_bad_shape"


@pytest.mark.parametrize("name", ["qce.json", "telegram.json", "discord.json", "chatlog.json"])
def test_utf16_exports_read_the_same(name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    fmt = {"qce.json": "qce-json", "telegram.json": "telegram-json",
           "discord.json": "discord-json", "chatlog.json": "chatlog-json"}[name]  # fmt: skip
    wide = data.decode("utf-8").encode("utf-16")
    assert read(fmt, wide) == read(fmt, data)


def read(fmt: str, data: bytes) -> list[tuple[int, object]]:
    """Every item a reader yields, errors as their messages."""
    return [(place, item if isinstance(item, dict) else str(item))
            for place, item in READERS[fmt](io.BytesIO(data), "f")]  # fmt: skip
