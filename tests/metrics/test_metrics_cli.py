"""`quanzi analytics`: export, run on each engine, update; clean Chinese errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from quanzi.cli.main import app
from quanzi.metrics import spark

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["analytics", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_export_then_run_on_the_store_and_on_duckdb(
    world: Engine, db_url: str, tmp_path: Path
) -> None:
    directory = tmp_path / "out"
    code, output = invoke("export", "--to", "parquet", str(directory), "--db", db_url, "--json")
    assert code == 0, output
    manifest = json.loads(output)
    assert json.loads((directory / "manifest.json").read_text(encoding="utf-8")) == manifest
    assert manifest["tables"]["event"]["rows"] > 3000
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        ["manifest.json"] + [f"{name}.parquet" for name in manifest["tables"]]
    )  # no temporary file is left behind
    engine = "sqlite" if db_url.startswith("sqlite") else "postgres"
    code, live = invoke("run", "--engine", engine, "--db", db_url, "--json")
    assert code == 0, live
    code, duck = invoke("run", "--engine", "duckdb", "--parquet", str(directory), "--json")
    assert code == 0, duck
    rows = json.loads(live)
    assert rows == json.loads(duck)
    assert rows == sorted(rows, key=lambda r: (r["metric"], r["key"], r["day"]))
    code, gmv = invoke("run", "--engine", "duckdb", "--parquet", str(directory), "--metric", "gmv")
    assert code == 0 and "GMV（元）" in gmv


def test_update_fills_and_reports(world: Engine, db_url: str) -> None:
    code, output = invoke("update", "--db", db_url, "--json", "--metric", "joins")
    assert code == 0, output
    report = json.loads(output)
    assert [f["metric"] for f in report["metrics"]] == ["joins"]
    assert report["metrics"][0]["rows"] > 0
    assert report["reports_computed"] > 0  # the console's snapshots are ready as well
    code, output = invoke("update", "--db", db_url)
    assert code == 0 and "指标回填" in output and "报表快照：重算 0 份" in output
    code, output = invoke("update", "--db", db_url, "--full", "--via", "duckdb", "--json")
    assert code == 0, output
    assert {f["metric"] for f in json.loads(output)["metrics"]} >= {"joins", "gmv"}
    code, output = invoke("update", "--db", db_url, "--via", "abacus")
    assert code == 2 and "未知的计算位置" in output


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["run", "--engine", "oracle"], "unknown_engine", "未知引擎"),
        (["run", "--engine", "duckdb", "--parquet", "missing"], "engine_unavailable", "找不到"),
        (["run", "--engine", "duckdb"], "invalid_input", "--parquet"),
        (["run", "--metric", "nope"], "unknown_metric", "未知指标"),
        (["export", "--to", "csv", "out"], "unknown_format", "parquet"),
    ],
)
def test_clean_errors(args: list[str], code: str, words: str) -> None:
    exit_code, output = invoke(*args)
    assert exit_code == 2
    assert code in output and words in output


def test_a_directory_that_is_not_an_export_is_refused(tmp_path: Path) -> None:
    (tmp_path / "event.parquet").write_bytes(b"")
    code, output = invoke("run", "--engine", "duckdb", "--parquet", str(tmp_path))
    assert code == 2 and "manifest.json" in output


def test_spark_without_java_is_a_clean_error(
    tmp_path: Path, world: Engine, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "out"
    assert invoke("export", "--to", "parquet", str(directory), "--db", db_url)[0] == 0
    monkeypatch.setattr(spark, "java_available", lambda: False)
    code, output = invoke("run", "--engine", "spark", "--parquet", str(directory))
    assert code == 2
    assert "java_missing" in output and "Java" in output


def test_metrics_are_listed_with_their_definitions() -> None:
    code, output = invoke("metrics", "--json")
    assert code == 0
    listed = json.loads(output)
    assert [m["metric"] for m in listed][:3] == ["active_people", "messages", "joins"]
    assert all(m["definition"] and m["label"] for m in listed)
