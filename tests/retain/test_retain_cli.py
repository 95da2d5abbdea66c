"""The retain CLI contracts: exact JSON shapes, the text report, clean Chinese errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from quanzi.cli.main import app
from quanzi.services.ingest import ingest_objects
from tests.retain.retain_fixture import EVENTS

runner = CliRunner()


@pytest.fixture
def grape_url(db_url: str, engine: Engine) -> str:
    ingest_objects(engine, [dict(e) for e in EVENTS])
    return db_url


def run_json(*args: str) -> object:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_stages_json_recomputes_first(grape_url: str) -> None:
    assert run_json("stages", "--json", "--db", grape_url) == {
        "stages": {"user": 1, "member": 1, "fan": 1, "iron_fan": 0, "partner": 1},
        "flows": [
            {"from": "member", "to": "user", "count": 1},
            {"from": "member", "to": "fan", "count": 1},
        ],
    }
    table = runner.invoke(app, ["stages", "--community", "grape", "--db", grape_url])
    assert table.exit_code == 0 and "铁粉" in table.stdout and "阶段流动" in table.stdout


def test_stages_with_a_rules_file(grape_url: str, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[stages]\niron_fan_engagement = 40\n", encoding="utf-8")
    data = run_json("stages", "--json", "--rules", str(rules), "--db", grape_url)
    assert data["stages"]["iron_fan"] == 1  # type: ignore[index]
    rules.write_text("[stages]\niron_fan_engagement = \n", encoding="utf-8")
    bad = runner.invoke(app, ["stages", "--rules", str(rules), "--db", grape_url])
    assert bad.exit_code == 2
    assert "不是有效的 TOML" in bad.stderr and "line 2" in bad.stderr
    assert "Traceback" not in bad.output


def test_health_json_shape(grape_url: str) -> None:
    [row] = run_json("health", "--community", "grape", "--json", "--db", grape_url)  # type: ignore[misc]
    assert set(row) == {"community", "score", "organs", "reasons", "warning"}
    assert row["community"] == "grape" and isinstance(row["score"], int)
    assert row["organs"]["daily_report"]["present"] is True
    assert row["organs"]["team_building"]["last"] is None
    assert all(isinstance(reason, str) for reason in row["reasons"])


def test_questions_json(grape_url: str) -> None:
    listed = run_json("questions", "--community", "grape", "--since", "2026-03-02", "--json",
                      "--db", grape_url)  # fmt: skip
    assert [(q["message"], q["seconds"]) for q in listed] == [  # type: ignore[union-attr]
        ("q1", 1200),
        ("q2", 120),
        ("q3", None),
    ]
    assert set(listed[0]) == {"message", "asked_at", "answered_at", "seconds"}  # type: ignore[index]
    summary = run_json(
        "questions", "--community", "grape", "--summary", "--json", "--db", grape_url
    )
    assert summary["unanswered"] == 1  # type: ignore[index]


def test_daily_report_text_and_json(grape_url: str) -> None:
    text = runner.invoke(
        app, ["report", "daily", "--community", "grape", "--date", "2026-03-02", "--db", grape_url]
    )
    assert text.exit_code == 0
    assert text.stdout.startswith("【葡萄团购群 · 社群日报】3月2日 周一\n")
    assert "· 成员：入群 1 人，退群 0 人，现有成员 3 人" in text.stdout
    data = run_json("report", "daily", "--community", "grape", "--date", "2026-03-03", "--json",
                    "--db", grape_url)  # fmt: skip
    assert data["date"] == "2026-03-03" and data["joins"] == 1  # type: ignore[index]


def test_churn_cohorts_calendar_json(grape_url: str) -> None:
    churn = run_json("churn", "--json", "--db", grape_url)
    assert [p["person"] for p in churn["at_risk"]] == ["wx:a"]  # type: ignore[index]
    weeks = run_json("cohorts", "--json", "--db", grape_url)
    assert [row["size"] for row in weeks] == [2, 2]  # type: ignore[union-attr]
    cal = run_json("calendar", "--community", "grape", "--date", "2026-03-02", "--days", "2",
                   "--json", "--db", grape_url)  # fmt: skip
    assert cal[0]["counts"] == {"done": 2, "due": 0, "overdue": 2, "upcoming": 0}  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["questions", "--community", "nope"], "没有找到社群 'nope'"),
        (["report", "daily", "--community", "grape", "--date", "3月2日"], "--date 应为 YYYY-MM-DD"),
        (["cohorts", "--by", "city"], "--by 应为 week 或 source"),
        (["calendar", "--days", "0"], "--days 应在 1 到 366 之间"),
    ],
)
def test_bad_input_gets_a_clean_chinese_error(
    grape_url: str, args: list[str], message: str
) -> None:
    result = runner.invoke(app, [*args, "--db", grape_url])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
