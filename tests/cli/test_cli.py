"""The command line: the --json contracts, accounts, PIPL export/forget, clean errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from quanzi.cli.main import app
from quanzi.store import migrate
from quanzi.store import models as m
from quanzi.store.db import reading

runner = CliRunner()

EVENTS = [
    {
        "id": "c1",
        "ts": "2026-03-01T09:00:00+08:00",
        "kind": "community",
        "community": "grape",
        "name": "葡萄团购群",
        "purpose": "retain",
        "model": "router",
        "carrier": "wechat",
    },
    {
        "id": "p1",
        "ts": "2026-03-01T09:30:00+08:00",
        "kind": "person",
        "person": "wx:li",
        "name": "小李",
        "region": "广州",
        "tags": ["宝妈"],
        "consent": True,
    },
    {
        "id": "j1",
        "ts": "2026-03-01T10:00:00+08:00",
        "kind": "join",
        "community": "grape",
        "person": "wx:li",
        "name": "小李",
        "source": "friend",
        "inviter": "wx:wang",
    },
    {
        "id": "m1",
        "ts": "2026-03-01T10:05:00+08:00",
        "kind": "message",
        "community": "grape",
        "person": "wx:li",
        "name": "小李",
        "text": "我住3栋502，葡萄什么时候到？",
    },
    {
        "id": "m2",
        "ts": "2026-03-01T10:06:00+08:00",
        "kind": "message",
        "community": "grape",
        "person": "wx:wang",
        "name": "老王",
        "text": "明天到",
        "mentions": ["wx:li"],
    },
    {
        "id": "o1",
        "ts": "2026-03-01T11:00:00+08:00",
        "kind": "purchase",
        "community": "grape",
        "person": "wx:li",
        "item": "grape-shine-muscat",
        "qty": 2,
        "amount": 98,
        "order": "A1",
    },
]


def write_events(path: Path, events: list[dict], extra_lines: tuple[str, ...] = ()) -> Path:
    lines = [json.dumps(e, ensure_ascii=False) for e in events] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_ingest_json_contract(db_url: str, tmp_path: Path) -> None:
    file = write_events(tmp_path / "e.jsonl", EVENTS, ('{"id": 1}', "not json"))
    result = runner.invoke(app, ["ingest", str(file), "--json", "--db", db_url])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["read"] == 8 and report["stored"] == 6 and report["duplicates"] == 0
    assert [r["line"] for r in report["rejected"]] == [7, 8]
    again = json.loads(runner.invoke(app, ["ingest", str(file), "--json", "--db", db_url]).stdout)
    assert (again["stored"], again["duplicates"]) == (0, 6)


def test_invalid_utf8_line_is_rejected_and_others_kept(db_url: str, tmp_path: Path) -> None:
    file = tmp_path / "e.jsonl"
    good = json.dumps(EVENTS[0], ensure_ascii=False).encode()
    file.write_bytes(b"\xef\xbb\xbf" + good + b"\n" + b'{"id": "\xff\xfe"}\n')
    report = json.loads(runner.invoke(app, ["ingest", str(file), "--json", "--db", db_url]).stdout)
    assert report["stored"] == 1
    assert report["rejected"][0]["line"] == 2 and "UTF-8" in report["rejected"][0]["reason"]


def test_stats_json(db_url: str, tmp_path: Path) -> None:
    runner.invoke(app, ["ingest", str(write_events(tmp_path / "e.jsonl", EVENTS)), "--db", db_url])
    result = runner.invoke(app, ["stats", "--json", "--db", db_url])
    assert json.loads(result.stdout) == {
        "communities": 1,
        "people": 2,
        "memberships": 1,
        "events": 6,
        "events_by_kind": {"community": 1, "join": 1, "message": 2, "person": 1, "purchase": 1},
    }


def test_missing_file_is_a_clean_error(db_url: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", str(tmp_path / "nope.jsonl"), "--db", db_url])
    assert result.exit_code == 2
    assert "找不到文件" in result.output
    assert "Traceback" not in result.output


def test_unreachable_database_is_a_clean_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["stats", "--db", "postgresql://nobody@127.0.0.1:1/none"])
    assert result.exit_code == 2
    assert "数据库" in result.output and "Traceback" not in result.output


def test_users_add_reads_password_from_stdin(engine: Engine, db_url: str) -> None:
    result = runner.invoke(
        app,
        ["users", "add", "xiaozhou", "--role", "admin", "--db", db_url],
        input="correct-horse-battery\n",
    )
    assert result.exit_code == 0, result.output
    with reading(engine) as session:
        operator = session.scalars(select(m.Operator)).one()
        assert (operator.username, operator.role) == ("xiaozhou", "admin")
        assert "correct-horse-battery" not in operator.password_hash
    duplicate = runner.invoke(
        app, ["users", "add", "xiaozhou", "--db", db_url], input="another-password\n"
    )
    assert duplicate.exit_code == 2 and "Traceback" not in duplicate.output
    bad_role = runner.invoke(app, ["users", "add", "x", "--role", "boss", "--db", db_url])
    assert bad_role.exit_code == 2 and "角色" in bad_role.output


def test_people_export_holds_everything_then_forget_erases_it(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    runner.invoke(app, ["ingest", str(write_events(tmp_path / "e.jsonl", EVENTS)), "--db", db_url])
    exported = json.loads(runner.invoke(app, ["people", "export", "wx:li", "--db", db_url]).stdout)
    assert exported["person"]["name"] == "小李" and exported["person"]["region"] == "广州"
    assert {e["id"] for e in exported["events"]} == {"p1", "j1", "m1", "m2", "o1"}
    assert exported["orders"][0]["amount"] == 98
    assert len(exported["memberships"]) == 1

    result = runner.invoke(app, ["people", "forget", "wx:li", "--yes", "--db", db_url])
    assert result.exit_code == 0, result.output
    with reading(engine) as session:
        person = session.scalars(select(m.Person).where(m.Person.name.is_(None))).one()
        assert person.key.startswith("forgotten:") and person.region is None
        payloads = [e.payload for e in session.scalars(select(m.Event))]
        dumped = json.dumps(payloads, ensure_ascii=False)
        assert "wx:li" not in dumped and "小李" not in dumped and "3栋502" not in dumped
        assert "老王" in dumped  # other people's data is untouched
        assert session.scalars(select(m.Order.amount)).one() == 98  # totals kept
        assert len(payloads) == 6
    missing = runner.invoke(app, ["people", "export", "wx:li", "--db", db_url])
    assert missing.exit_code == 2 and "找不到人员" in missing.output


@pytest.mark.parametrize("command", [["db", "upgrade"], ["db", "current"]])
def test_db_commands(engine: Engine, db_url: str, command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--db", db_url])
    head = migrate.head_revision(engine)
    assert result.exit_code == 0 and head and head in result.output
