"""Each importer on sample exports in the real shape, through the ingest service, twice."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from quanzi.carriers.importers import READERS, detect
from quanzi.carriers.importers.run import import_stream
from quanzi.cli.main import app
from quanzi.store import models as m
from quanzi.store.db import reading

FIXTURES = Path(__file__).parents[1] / "fixtures" / "carriers"

# file, format, messages, joins, leaves, people, rejected places
EXPECTED = [
    ("qq.txt", "qq-txt", 6, 1, 1, 7, [31]),
    ("qce.json", "qce-json", 2, 1, 0, 3, [5]),
    ("wechatmsg_v1.csv", "wechatmsg-csv", 3, 1, 1, 5, [7]),
    ("wechatmsg_v2.csv", "wechatmsg-csv", 3, 1, 0, 2, [8]),
    ("chatlog.json", "chatlog-json", 3, 1, 0, 3, [5]),
    ("telegram.json", "telegram-json", 2, 3, 2, 5, [8]),
    ("discord.json", "discord-json", 2, 1, 0, 2, [5]),
]


def events_of(path: Path) -> list[dict]:
    """Return the valid events an importer reads from a fixture."""
    data = path.read_bytes()
    return [e for _, e in READERS[detect(data)](io.BytesIO(data), "fruit") if isinstance(e, dict)]


@pytest.mark.parametrize(("name", "fmt", "messages", "joins", "leaves", "people", "bad"), EXPECTED)
def test_import_counts_and_reimport_adds_nothing(
    engine: Engine,
    name: str,
    fmt: str,
    messages: int,
    joins: int,
    leaves: int,
    people: int,
    bad: list[int],
) -> None:
    path = FIXTURES / name
    with path.open("rb") as handle:
        first = import_stream(engine, "auto", handle, "fruit").to_dict()
    assert first["format"] == fmt
    assert (first["messages"], first["joins"], first["leaves"], first["people"]) == (
        messages,
        joins,
        leaves,
        people,
    )
    assert first["new_events"] == messages + joins + leaves
    assert [r["line"] for r in first["rejected"]] == bad
    with path.open("rb") as handle:
        again = import_stream(engine, fmt, handle, "fruit").to_dict()
    assert again["new_events"] == 0
    assert again["duplicates"] == messages + joins + leaves
    with reading(engine) as session:
        assert (
            session.scalar(select(func.count()).select_from(m.Event)) == messages + joins + leaves
        )


def test_qq_txt_details() -> None:
    events = events_of(FIXTURES / "qq.txt")
    first = events[0]
    assert first["person"] == "qq:87200175"
    assert first["name"] == "果园小助手"  # 【管理员】 is a title, not part of the name
    assert first["ts"] == "2024-01-02T20:43:38+08:00"  # 8:43:38 PM
    assert first["text"].splitlines()[1:] == ["1. 阳光玫瑰 两斤装", "2. 砂糖橘 五斤装"]
    assert events[1]["kind"] == "join" and events[1]["name"] == "小李"
    mail = events[3]
    assert (mail["person"], mail["ts"], mail["msg_type"]) == (
        "qq:indo@qq.com",
        "2024-01-03T00:13:41+08:00",
        "image",
    )
    twins = [e for e in events if e.get("text") == "早上好\n今天的葡萄很甜"]
    assert len({e["id"] for e in twins}) == 2  # two identical lines stay two messages
    assert events[-1]["kind"] == "leave" and events[-1]["reason"] == "leave"


def test_wechatmsg_v1_members_and_multiline() -> None:
    events = events_of(FIXTURES / "wechatmsg_v1.csv")
    join = next(e for e in events if e["kind"] == "join")
    assert (join["name"], join["inviter"]) == ("小李", "ext:wx-name:王五")
    assert events[2]["text"] == "欢迎欢迎\n明天发货" and events[2]["person"] == "wx:self"
    kick = next(e for e in events if e["kind"] == "leave")
    assert (kick["name"], kick["reason"]) == ("小黑", "kick")


def test_telegram_self_removal_is_a_leave_and_other_removal_a_kick() -> None:
    events = events_of(FIXTURES / "telegram.json")
    leaves = [(e["person"], e["reason"]) for e in events if e["kind"] == "leave"]
    assert leaves == [("tg:10004", "leave"), ("ext:tg-name:Eve", "kick")]
    invited = [e for e in events if e["kind"] == "join" and e.get("inviter") == "tg:10002"]
    assert [e["name"] for e in invited] == ["Carol", "Eve"]
    message = next(e for e in events if e["kind"] == "message")
    assert message["text"] == "看这个 https://example.com"
    assert message["reply_to"] == "tg:1234567890:2"


def test_discord_join_and_reply() -> None:
    events = events_of(FIXTURES / "discord.json")
    assert events[0]["kind"] == "join" and events[0]["person"] == "dc:555"
    assert events[1]["mentions"] == ["dc:556"]
    assert events[2]["reply_to"] == "dc:222:444"


def test_chatlog_ids_are_the_carriers_own() -> None:
    events = events_of(FIXTURES / "chatlog.json")
    assert events[0]["id"] == "chatlog:12345678@chatroom:1704164645000"
    assert events[1]["kind"] == "join" and events[1]["inviter"] == "ext:wx-name:王五"


def test_unknown_content_is_refused_cleanly(tmp_path: Path, db_url: str) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_text("hello world\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["import", "auto", str(junk), "--community", "fruit", "--db", db_url]
    )
    assert result.exit_code == 2
    assert "import_unknown_format" in result.output


def test_cli_json_contract(db_url: str) -> None:
    args = [
        "import",
        "qq-txt",
        str(FIXTURES / "qq.txt"),
        "--community",
        "fruit",
        "--db",
        db_url,
        "--json",
    ]
    first = json.loads(CliRunner().invoke(app, args).stdout)
    assert set(first) == {
        "format",
        "messages",
        "joins",
        "leaves",
        "people",
        "new_events",
        "duplicates",
        "rejected",
    }
    assert first["new_events"] == 8
    again = json.loads(CliRunner().invoke(app, args).stdout)
    assert (again["new_events"], again["duplicates"]) == (0, 8)
    assert again["rejected"] == [{"line": 31, "reason": "时间无效：2024-13-45 09:01:00"}]


def test_broken_json_is_a_clean_error(tmp_path: Path, db_url: str) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"guild": {"id": "1"}, "channel": {', encoding="utf-8")
    result = CliRunner().invoke(
        app, ["import", "auto", str(broken), "--community", "fruit", "--db", db_url]
    )
    assert result.exit_code == 2
    assert "import_bad_json" in result.output


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16"])
def test_qq_txt_in_old_windows_encodings(encoding: str) -> None:
    text = (FIXTURES / "qq.txt").read_text(encoding="utf-8")
    data = text.encode(encoding)
    assert detect(data) == "qq-txt"
    items = list(READERS["qq-txt"](io.BytesIO(data), "fruit"))
    assert [e for _, e in items if isinstance(e, dict)] == events_of(FIXTURES / "qq.txt")
