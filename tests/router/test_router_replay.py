"""Replaying a 接龙 thread: follow the person, not the number; latest version wins."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from quanzi.cli.main import app
from quanzi.domain.jielong import parse
from quanzi.domain.jielong_replay import Post, replay
from quanzi.sim import SimConfig, simulate

T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
HEAD = "#接龙\n【南山】贵州黄牛肉 ¥68/斤\n\n"
V1 = HEAD + "1. 强哥 2斤\n2. 阿珍 1斤"
V2 = HEAD + "1. 强哥 2斤\n2. 阿珍 1斤\n3. 小李 3斤 自提"
# 阿珍 dropped out and everyone below her moved up one number; 强哥 changed his order.
V3 = HEAD + "1. 强哥 3斤\n2. 小李 3斤 自提\n3. 老王 1斤"


def post(n: int, text: str, person: str, minutes: int) -> Post:
    return Post(f"m{n}", T0 + timedelta(minutes=minutes), person, text)


def test_replay_follows_people_through_renumbering() -> None:
    posts = [
        post(3, V3, "wx:laowang", 30),  # out of order on purpose
        post(1, V1, "wx:azhen", 10),
        post(2, V2, "wx:xiaoli", 20),
        post(4, V2, "wx:xiaoli", 25),  # the same text again changes nothing
        post(5, "收到，谢谢团长", "wx:qiangge", 26),  # not a version
    ]
    result = replay(posts)
    assert result.versions == 3
    assert [(e.name, e.qty) for e in result.entries] == [("强哥", 3), ("小李", 3), ("老王", 1)]
    assert [(c.name, c.change, c.by, c.post) for c in result.changes] == [
        ("强哥", "added", "wx:azhen", "m1"),
        ("阿珍", "added", "wx:azhen", "m1"),
        ("小李", "added", "wx:xiaoli", "m2"),
        ("强哥", "edited", "wx:laowang", "m3"),
        ("老王", "added", "wx:laowang", "m3"),
        ("阿珍", "removed", "wx:laowang", "m3"),
    ]


def test_same_name_twice_is_two_lines_and_totals_add_up() -> None:
    text = HEAD + "1. 强哥 2斤\n2. 阿珍 1斤\n3. 强哥 1斤 给他妈"
    result = replay([post(1, text, "wx:qiangge", 0)])
    assert len(result.entries) == 3
    assert {"name": "强哥", "unit": "斤", "qty": 3} in result.totals()


def test_cli_replay_and_parse(tmp_path: Path) -> None:
    events = [
        {"id": f"m{n}", "ts": (T0 + timedelta(minutes=n)).isoformat(), "kind": "message",
         "community": "tuan-nanshan", "person": person, "text": text}
        for n, (text, person) in enumerate([(V1, "wx:azhen"), (V2, "wx:xiaoli")], start=1)
    ]  # fmt: skip
    source = tmp_path / "thread.jsonl"
    source.write_text(
        "\n".join(json.dumps(e, ensure_ascii=False) for e in events) + "\n{broken\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    result = runner.invoke(app, ["jielong", "replay", "--input", str(source), "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [e["name"] for e in body["entries"]] == ["强哥", "阿珍", "小李"]
    assert [c["change"] for c in body["changes"]] == ["added", "added", "added"]

    one = tmp_path / "one.txt"
    one.write_text(V2, encoding="utf-8")
    parsed = json.loads(runner.invoke(app, ["jielong", "parse", str(one), "--json"]).stdout)
    assert parsed["title"] == "【南山】贵州黄牛肉 ¥68/斤"
    assert parsed["entries"][2] == {"seq": 3, "name": "小李", "qty": 3, "unit": "斤",
                                    "note": "自提", "raw": "3. 小李 3斤 自提"}  # fmt: skip
    missing = runner.invoke(app, ["jielong", "parse", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2 and "找不到文件" in missing.output


def test_every_simulated_thread_parses_line_for_line() -> None:
    threads = 0
    for event in simulate(SimConfig(seed=3, days=40, people=400)):
        text = event.get("text") or ""
        if event["kind"] != "message" or not text.startswith("#接龙"):
            continue
        threads += 1
        numbered = [line for line in text.splitlines() if line[:1].isdigit()]
        parsed = parse(text)
        assert len(parsed.entries) == len(numbered), text
        assert all(e.name and e.qty > 0 for e in parsed.entries), text
    assert threads > 20
