"""The ladder report read from the store, on SQLite and PostgreSQL, and its CLI contract."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from quanzi.analytics.ladder import build_ladder, chart_data
from quanzi.cli.main import app
from quanzi.errors import NotFound
from quanzi.services.ingest import ingest_objects
from tests.ladder.ladder_fixture import EXPECTED, ladder_events

runner = CliRunner()


@pytest.fixture
def ladder_db(engine: Engine) -> Engine:
    report = ingest_objects(engine, ladder_events())
    assert not report.rejected and report.stored == len(ladder_events())
    return engine


def test_report_from_the_store_matches_the_hand_computed_numbers(ladder_db: Engine) -> None:
    view = build_ladder(ladder_db)
    assert view.report.to_dict() == EXPECTED
    assert view.ladders == ["steps"]
    claims = {c.community: (c.from_below, c.payers) for c in view.claims()}
    assert claims == {"r100": (2, 4), "r500": (1, 3), "r1000": (1, 2)}


def test_chart_data_flows_from_sources_to_rungs(ladder_db: Engine) -> None:
    data = chart_data(build_ladder(ladder_db, "steps"))
    assert {"source": "来自 阶梯外", "target": "五百群", "value": 1} in data["links"]
    assert sum(link["value"] for link in data["links"]) == 4 + 3 + 2
    assert [r["payers"] for r in data["rungs"]] == [0, 4, 3, 2]
    assert data["steps"][0]["days"] == [4.0, 5.0, 10.0]
    assert data["steps"][0]["name"] == "免费 → ¥100"


def test_an_unknown_ladder_is_a_clear_error(ladder_db: Engine) -> None:
    with pytest.raises(NotFound, match="没有付费阶梯 'nope'"):
        build_ladder(ladder_db, "nope")


def test_cli_json_contract(ladder_db: Engine, db_url: str) -> None:
    result = runner.invoke(app, ["ladder", "report", "--json", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == EXPECTED
    table = runner.invoke(app, ["ladder", "report", "--ladder", "steps", "--db", db_url])
    assert table.exit_code == 0, table.output
    assert "付费来源" in table.stdout and "33.3%" in table.stdout
    assert "¥500 付费者 3 人中，1 人（33.3%）付款时在 百元群（¥100）" in table.stdout


def test_cli_without_a_ladder_says_what_to_do(db_url: str, engine: Engine) -> None:
    result = runner.invoke(app, ["ladder", "report", "--db", db_url])
    assert result.exit_code == 2
    assert "还没有付费阶梯" in result.output and "Traceback" not in result.output
