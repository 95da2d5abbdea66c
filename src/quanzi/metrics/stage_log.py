"""Read the stage replay's event log from a parquet export, with DuckDB.

The exported event log carries each message's type and the rarer kinds' fields
(`store.stage_log`), so the log comes out of the columnar copy as whole arrays, with no
JSON read: the replay then runs on it as on a log read from the store
(`services.retain_stages.recompute_stages`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from quanzi.domain.retain_replay import KINDS, MESSAGE, EventLog, time_order
from quanzi.metrics.engines import EngineError, read_manifest
from quanzi.metrics.export import RARE
from quanzi.store.stage_log import MessagePacking

STAGE_VERSION = 2  # the first export version whose event log has the stage fields
RARE_VERSION = 3  # the first with the events other than messages in a file of their own
BATCH_ROWS = 122_880  # rows a streamed batch holds (DuckDB's row group)
# Arrow's default allocator (mimalloc) gets its memory as transparent huge pages, which cost
# more to fault in than they save (on the 50M benchmark VM, joining the rarer kinds' columns
# took 1.7 s that way, 0.4 s through numpy): large results are made with the C library's.
_SMALL_PAGES = pa.system_memory_pool()

_MESSAGE_ROWS = "FROM read_parquet(?) WHERE kind = 'message' AND person_id IS NOT NULL"
_MESSAGES = (
    "SELECT epoch_us(ts) AS ts, id, person_id, coalesce(community_id, -1) AS community, "
    f"coalesce(message_type, {MESSAGE}) AS message_type {_MESSAGE_ROWS}"
)
_LARGEST = "SELECT max(id), max(person_id), max(community_id) FROM read_parquet(?)"
_KIND_CODES = "[" + ", ".join(f"'{kind}'" for kind in KINDS) + "]"
# The order key as the replay compares it (`domain.retain_replay.order_codes`), and the paid
# rung a purchase buys: both as text here, coded by dictionary encoding after.
_OTHERS = (
    "SELECT epoch_us(ts) AS ts, id, list_position("
    f"{_KIND_CODES}, kind) - 1 AS kind, coalesce(community_id, -1) AS community, "
    "coalesce(person_id, -1) AS person, coalesce(inviter_id, -1) AS inviter, "
    "coalesce(amount, 0) AS amount, role, "
    "CASE WHEN kind = 'purchase' THEN CASE WHEN coalesce(order_key, '') <> '' THEN order_key "
    "ELSE coalesce(source, 'None') END WHEN kind = 'refund' THEN coalesce(order_key, 'None') "
    "END AS order_text, "
    "CASE WHEN kind = 'purchase' AND starts_with(item, 'tier:') THEN item[6:] END AS tier "
    f"FROM read_parquet(?) WHERE kind IN ({', '.join(repr(k) for k in KINDS)})"
)


def export_covers(directory: Path) -> int:
    """Return the newest event id an export holds, or explain why it cannot feed the replay."""
    manifest = read_manifest(directory)
    if int(manifest.get("version", 1)) < STAGE_VERSION or not manifest.get("stage_fields"):
        raise EngineError(
            f"{directory} 的导出没有阶段回放所需的列（旧版本导出，或用了 --metrics-only）："
            f"请不加 --metrics-only 重新导出：quanzi analytics export --to parquet {directory}"
        )
    return int(manifest["last_event_id"])


def _messages(connection: Any, event: str) -> dict[str, np.ndarray]:
    """Read every message's ts (µs), id, person, community (-1 for none) and type."""
    largest_id, person, community = connection.execute(_LARGEST, [event]).fetchall()[0]
    packing = MessagePacking.for_largest(person, community)
    if not packing.fits(largest_id or 0):
        return dict(connection.execute(_MESSAGES, [event]).fetchnumpy())
    # Two columns to hand over instead of five, streamed a batch at a time into arrays made
    # once: each batch's memory is used again by the next, where a whole arrow table (or
    # DuckDB's numpy results, grown by reallocation) is fresh memory page by page, and on
    # the 50M benchmark VM fresh memory costs the most (2.8–3.0 s against 4.8–6.5 s).
    count = connection.execute(f"SELECT count(*) {_MESSAGE_ROWS}", [event]).fetchall()[0][0]
    sql = (
        f"SELECT epoch_us(ts) AS ts, {packing.sql(f'coalesce(message_type, {MESSAGE})')} "
        f"AS packed {_MESSAGE_ROWS}"
    )
    ts = np.empty(count, np.int64)
    reader = connection.sql(sql, params=[event]).to_arrow_reader(BATCH_ROWS)

    def packed() -> Iterator[np.ndarray]:
        at = 0
        for batch in reader:
            ts[at : at + batch.num_rows] = batch.column(0).to_numpy()
            at += batch.num_rows
            yield batch.column(1).to_numpy()

    names = ("id", "person_id", "community", "message_type")
    return {"ts": ts, **dict(zip(names, packing.unpack_pieces(packed(), count), strict=True))}


def _codes(column: Any) -> tuple[np.ndarray, Any]:
    """Return a text column's codes (equal texts, equal codes; -1 for NULL) and the texts
    by code (an arrow array)."""
    whole = column.combine_chunks(memory_pool=_SMALL_PAGES)
    encoded = pc.dictionary_encode(whole, memory_pool=_SMALL_PAGES)
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    return np.asarray(codes, np.int64), encoded.dictionary


def _rare_events(directory: Path) -> str:
    """Return the file to read the events other than messages from: their own file when the
    export wrote one (version 3 on), else the whole event log."""
    if int(read_manifest(directory).get("version", 1)) >= RARE_VERSION:
        return str(directory / f"{RARE}.parquet")
    return str(directory / "event.parquet")


def read_log_parquet(directory: Path) -> EventLog:
    """Read the stage replay's log from the export in `directory`."""
    connection = duckdb.connect()
    try:
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute("SET enable_progress_bar = false")
        event = str(directory / "event.parquet")
        # No ORDER BY: the scan mostly keeps the file's id order and ids nearly follow time, so
        # the messages are checked and, if need be, sorted in numpy (far cheaper); the replay
        # needs no order of the other kinds.
        messages = _messages(connection, event)
        others = connection.sql(_OTHERS, params=[_rare_events(directory)]).to_arrow_table()
    finally:
        connection.close()
    order = time_order(messages["ts"], messages["id"])
    if order is not None:
        messages = {name: values[order] for name, values in messages.items()}

    def ints(values: Any, dtype: type[np.generic] = np.int64) -> np.ndarray:
        return np.asarray(values, dtype=dtype)

    def column(name: str) -> np.ndarray:
        chunks = others.column(name).chunks  # joined by numpy: see _SMALL_PAGES
        return np.concatenate([c.to_numpy(zero_copy_only=False) for c in chunks] or [[]])

    tier, tiers = _codes(others.column("tier"))
    return EventLog(
        message_ts=ints(messages["ts"]),
        message_id=ints(messages["id"]),
        message_person=ints(messages["person_id"]),
        message_community=ints(messages["community"]),
        message_type=ints(messages["message_type"], np.int8),
        ts=ints(column("ts")),
        id=ints(column("id")),
        kind=ints(column("kind"), np.int8),
        community=ints(column("community")),
        person=ints(column("person")),
        inviter=ints(column("inviter")),
        amount=np.asarray(column("amount"), dtype=np.float64),
        role=[v or None for v in others.column("role").to_pylist()],
        order=_codes(others.column("order_text"))[0],
        tier=tier,
        tiers=tiers.to_pylist(),
    )
