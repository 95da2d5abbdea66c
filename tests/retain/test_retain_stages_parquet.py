"""The stage recompute reads its log from a parquet export and gives what it gives on the store."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from quanzi.cli.main import app
from quanzi.metrics import stage_log
from quanzi.metrics.engines import EngineError
from quanzi.metrics.export import export_parquet
from quanzi.metrics.stage_log import read_log_parquet
from quanzi.services.retain_stages import recompute_stages
from tests.retain.retain_fixture import EVENTS
from tests.retain.stage_worlds import demo_world, random_world
from tests.retain.test_retain_stages_reference import (
    CONFIGS,
    assert_matches_reference,
    history,
    ingest,
    partition,
    stored,
    tier_names,
)


def exported(engine: Engine, tmp_path: Path) -> Path:
    # Small chunks: several row groups per file, as on a large store.
    directory = tmp_path / "parquet"
    export_parquet(engine, directory, chunk_rows=300)
    return directory


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_fixture_from_parquet_matches_reference(engine: Engine, tmp_path: Path, name: str) -> None:
    ingest(engine, EVENTS)
    assert_matches_reference(engine, CONFIGS[name], parquet=exported(engine, tmp_path))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("name", ["default", "window3", "flat", "silent"])
def test_random_world_from_parquet_matches_reference(
    engine: Engine, tmp_path: Path, seed: int, name: str
) -> None:
    ingest(engine, random_world(seed))
    assert_matches_reference(engine, CONFIGS[name], parquet=exported(engine, tmp_path))


def test_demo_world_from_parquet_matches_the_store_recompute(
    engine: Engine, tmp_path: Path
) -> None:
    ingest(engine, demo_world())
    from_store = recompute_stages(engine)
    rows = stored(engine)
    from_parquet = recompute_stages(engine, parquet=exported(engine, tmp_path))
    assert from_parquet.to_dict() == from_store.to_dict()
    assert stored(engine) == rows
    assert from_store.changes > 100


@pytest.mark.parametrize("batch_rows", [7, stage_log.BATCH_ROWS])  # messages streamed in many
def test_parquet_log_holds_what_the_store_read_holds(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, batch_rows: int
) -> None:
    monkeypatch.setattr(stage_log, "BATCH_ROWS", batch_rows)
    ingest(engine, random_world(4))
    log, _ = history(engine, CONFIGS["default"])
    columnar = read_log_parquet(exported(engine, tmp_path))
    assert len(columnar.message_ts) > 20 * 7  # batches of 7: many
    # The store read's row order is the backend's: compare in id order.
    for name in ("message_ts", "message_person", "message_community", "message_type"):
        got = getattr(columnar, name)[np.argsort(columnar.message_id)]
        assert np.array_equal(got, getattr(log, name)[np.argsort(log.message_id)]), name
    assert set(columnar.message_type.tolist()) == {0, 1, 2}  # system, reply and plain
    mine, theirs = np.argsort(columnar.id), np.argsort(log.id)
    for name in ("ts", "id", "kind", "community", "person", "inviter", "amount"):
        got, want = getattr(columnar, name)[mine], getattr(log, name)[theirs]
        assert np.array_equal(got, want), name
    # Fields are exported only for the kinds whose rules read them; those agree.
    assert [columnar.role[i] for i in mine] == [log.role[i] for i in theirs]
    # Order keys and rungs are coded in each reader's own way: compare what they name.
    assert partition(columnar.order[mine]) == partition(log.order[theirs])
    for codes in (columnar.order, log.order):  # 0, 1, 2…: one per key
        assert np.array_equal(np.unique(codes[codes >= 0]), np.arange(len(set(codes)) - 1))
    assert tier_names(columnar)[mine].tolist() == tier_names(log)[theirs].tolist()
    assert (log.order >= 0).any() and (log.tier >= 0).any()


def test_the_rarer_kinds_are_exported_apart_and_older_exports_still_read(
    engine: Engine, tmp_path: Path
) -> None:
    ingest(engine, random_world(4))
    directory = exported(engine, tmp_path)
    events = pq.read_table(directory / "event.parquet")
    rare = pq.read_table(directory / "event_rare.parquet")
    others = events.filter(pc.not_equal(events["kind"], "message"))
    assert rare.equals(others)  # the same rows, columns and order
    assert 0 < rare.num_rows < events.num_rows  # messages left out
    log = read_log_parquet(directory)
    # An export from before the file (version 2): the same log from the whole event file.
    (directory / "event_rare.parquet").unlink()
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    (directory / "manifest.json").write_text(json.dumps(manifest | {"version": 2}))
    older = read_log_parquet(directory)
    mine, theirs = np.argsort(log.id), np.argsort(older.id)  # rows come in no set order
    for name in ("ts", "id", "kind", "community", "person", "inviter", "amount"):
        assert np.array_equal(getattr(log, name)[mine], getattr(older, name)[theirs]), name
    assert [log.role[i] for i in mine] == [older.role[i] for i in theirs]
    assert partition(log.order[mine]) == partition(older.order[theirs])
    assert tier_names(log)[mine].tolist() == tier_names(older)[theirs].tolist()
    assert np.array_equal(log.message_id, older.message_id)
    assert_matches_reference(engine, CONFIGS["default"], parquet=directory)


def test_messages_too_large_to_pack_are_read_column_by_column(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quanzi.store import stage_log

    ingest(engine, random_world(2))
    directory = exported(engine, tmp_path)
    packed = read_log_parquet(directory)
    monkeypatch.setattr(stage_log, "PACKED_BITS", 0)
    apart = read_log_parquet(directory)
    for name in ("message_ts", "message_id", "message_person", "message_community"):
        assert np.array_equal(getattr(packed, name), getattr(apart, name)), name
    assert np.array_equal(packed.message_type, apart.message_type)
    assert_matches_reference(engine, CONFIGS["default"], parquet=directory)


def test_a_stale_export_is_refused_and_nothing_is_written(engine: Engine, tmp_path: Path) -> None:
    ingest(engine, EVENTS[: len(EVENTS) // 2])
    directory = exported(engine, tmp_path)
    ingest(engine, EVENTS[len(EVENTS) // 2 :])
    before = stored(engine)
    with pytest.raises(EngineError, match="请先重新导出"):
        recompute_stages(engine, parquet=directory)
    assert stored(engine) == before


def test_an_export_without_the_stage_tables_is_refused(engine: Engine, tmp_path: Path) -> None:
    ingest(engine, EVENTS)
    directory = exported(engine, tmp_path)
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    (directory / "manifest.json").write_text(json.dumps(manifest | {"version": 1}))
    with pytest.raises(EngineError, match="旧版本导出"):
        recompute_stages(engine, parquet=directory)
    metrics_only = tmp_path / "metrics-only"
    manifest = export_parquet(engine, metrics_only, stages=False)
    assert manifest["stage_fields"] is False
    assert "message_type" not in pq.read_schema(metrics_only / "event.parquet").names
    with pytest.raises(EngineError, match="--metrics-only"):
        recompute_stages(engine, parquet=metrics_only)
    with pytest.raises(EngineError, match="找不到 parquet 目录"):
        recompute_stages(engine, parquet=tmp_path / "nowhere")


def test_cli_recomputes_from_parquet_and_explains_a_stale_export(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    runner = CliRunner()
    ingest(engine, EVENTS)
    directory = tmp_path / "export"
    done = runner.invoke(app, ["analytics", "export", str(directory), "--db", db_url])
    assert done.exit_code == 0, done.output
    result = runner.invoke(app, ["stages", "--parquet", str(directory), "--json", "--db", db_url])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["stages"] == {
        "user": 1, "member": 1, "fan": 1, "iron_fan": 0, "partner": 1
    }  # fmt: skip
    ingest(engine, [{**random_world(0)[0], "id": "late-1"}])
    stale = runner.invoke(app, ["stages", "--parquet", str(directory), "--db", db_url])
    assert stale.exit_code != 0
    assert "请先重新导出" in stale.stderr and "Traceback" not in stale.output
    both = runner.invoke(
        app, ["stages", "--parquet", str(directory), "--no-recompute", "--db", db_url]
    )
    assert both.exit_code == 2 and "--no-recompute" in both.stderr


def test_log_out_of_time_order_is_read_in_time_order(engine: Engine, tmp_path: Path) -> None:
    # Ingested newest first, ids run against time; a shuffled file is out of id order too.
    events = sorted(random_world(2), key=lambda e: e["ts"], reverse=True)
    ingest(engine, events)
    directory = exported(engine, tmp_path)
    log, _ = history(engine, CONFIGS["default"])
    for shuffle in (False, True):
        if shuffle:
            table = pq.read_table(directory / "event.parquet")
            order = np.random.default_rng(0).permutation(table.num_rows)
            pq.write_table(table.take(order), directory / "event.parquet")
        columnar = read_log_parquet(directory)
        in_order = np.lexsort((columnar.message_id, columnar.message_ts))
        assert np.array_equal(in_order, np.arange(len(in_order)))  # (ts, id) order
        assert not np.all(np.diff(columnar.message_id) > 0)  # which is not id order here
        assert np.array_equal(
            columnar.message_id, log.message_id[np.lexsort((log.message_id, log.message_ts))]
        )
    assert_matches_reference(engine, CONFIGS["window3"], parquet=directory)
