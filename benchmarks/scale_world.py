"""Write a simulated world straight to parquet, in the shape `quanzi analytics export` writes.

Run:  .venv/bin/python benchmarks/scale_world.py --people 1210000 --days 180 \
          --events 50000000 --out /tmp/quanzi-scale

At 50,000,000 events a load through the store would take hours on this machine, so the
scale benchmarks read the same tables the export would have written: the event log, orders
(refunds applied, as the projector does), invites, communities and people, with the store's
id scheme (ids in order of first sight). The simulator is the one `quanzi demo` uses.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from quanzi.domain.retain_replay import MESSAGE, REPLY, SYSTEM
from quanzi.metrics.engines import MANIFEST
from quanzi.metrics.export import FORMAT, VERSION, arrow_schema
from quanzi.sim import SimConfig, simulate
from quanzi.store.stage_log import FIELDS

BATCH = 1_000_000


class Ids:
    """Store-style ids handed out in order of first sight."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def of(self, key: str | None) -> int | None:
        """Return the id of `key`, assigning the next one on first sight."""
        if key is None:
            return None
        found = self.ids.get(key)
        if found is None:
            found = self.ids[key] = len(self.ids) + 1
        return found


def message_type(event: dict[str, Any]) -> int | None:
    """Return a message's type code as the export writes it (None for other kinds)."""
    if event["kind"] != "message":
        return None
    if event.get("msg_type") == "system":
        return SYSTEM
    return REPLY if event.get("reply_to") else MESSAGE


class World:
    """The tables being built from the event stream."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.people, self.communities = Ids(), Ids()
        self.person_rows: dict[int, dict[str, Any]] = {}
        self.community_rows: dict[int, dict[str, Any]] = {}
        self.orders: list[dict[str, Any]] = []
        self.order_index: dict[str, int] = {}
        self.invites: list[dict[str, Any]] = []
        self.events: dict[str, list[Any]] = {f.name: [] for f in arrow_schema("event")}
        self.writer = pq.ParquetWriter(out / ".event.parquet.tmp", arrow_schema("event"))
        self.count = 0

    def person(self, key: str | None, ts: datetime, event: dict[str, Any]) -> int | None:
        """Return a person's id, recording their first sighting as the projector would."""
        pid = self.people.of(key)
        if pid is not None and pid not in self.person_rows:
            self.person_rows[pid] = {
                "id": pid, "key": key, "source": event.get("source"),
                "stratum": None, "stage": None,
                "inviter_id": self.people.of(event.get("inviter")), "first_seen": ts,
            }  # fmt: skip
        return pid

    def stage_fields(self, event: dict[str, Any]) -> list[Any]:
        """Return the payload fields the stage rules read, as the export writes them."""
        values: list[Any] = []
        for field in FIELDS:
            value = event.get(field.path) if event["kind"] in field.kinds else None
            if field.value == "person":
                value = self.people.of(value)
            elif value is not None:
                value = float(value) if field.value == "number" else str(value)
            values.append(value)
        return values

    def add(self, event: dict[str, Any]) -> None:
        """Turn one canonical event into table rows."""
        self.count += 1
        ts = datetime.fromisoformat(event["ts"]).astimezone(UTC)
        kind = event["kind"]
        cid = self.communities.of(event.get("community"))
        pid = self.person(event.get("person"), ts, event)
        row = (self.count, ts, kind, cid, pid, message_type(event), *self.stage_fields(event))
        for name, value in zip(self.events, row, strict=True):
            self.events[name].append(value)
        if kind == "community" and cid is not None:
            self.community_rows[cid] = {
                "id": cid, "key": event["community"], "name": event.get("name"),
                **{k: event.get(k) for k in ("purpose", "model", "type", "carrier", "ladder")},
                "price": float(event.get("price") or 0), "rank": event.get("rank"),
            }  # fmt: skip
        elif kind == "purchase":
            key = event.get("order") or f"event:{event['id']}"
            self.order_index[key] = len(self.orders)
            self.orders.append({
                "id": len(self.orders) + 1, "order_key": key, "event_id": self.count,
                "community_id": cid, "person_id": pid, "item": event.get("item"),
                "qty": float(event.get("qty", 1)), "amount": float(event.get("amount", 0)),
                "leader_id": self.people.of(event.get("leader")), "source": "event",
                "status": "paid", "ts": ts, "refunded_at": None,
            })  # fmt: skip
        elif kind == "refund":
            index = self.order_index.get(event.get("order") or "")
            if index is not None and self.orders[index]["status"] == "paid":
                self.orders[index].update(status="refunded", refunded_at=ts)
        elif kind == "invite":
            self.invites.append({
                "id": len(self.invites) + 1, "event_id": self.count, "community_id": cid,
                "inviter_id": self.person(event.get("inviter"), ts, {}),
                "invitee_id": self.person(event.get("invitee"), ts, {}),
                "campaign": event.get("campaign"), "via": event.get("via"), "ts": ts,
                "status": "sent",
            })  # fmt: skip
        if len(self.events["id"]) >= BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the buffered event rows as one row group."""
        schema = arrow_schema("event")
        arrays = [pa.array(self.events[f.name], type=f.type) for f in schema]
        self.writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
        for values in self.events.values():
            values.clear()

    def close(self) -> dict[str, int]:
        """Write the remaining tables and return their row counts."""
        self.flush()
        self.writer.close()
        os.replace(self.out / ".event.parquet.tmp", self.out / "event.parquet")
        tables = {
            "orders": self.orders,
            "invite": self.invites,
            "community": list(self.community_rows.values()),
            "person": list(self.person_rows.values()),
        }
        for name, rows in tables.items():
            schema = arrow_schema(name)
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), self.out / f"{name}.parquet")
        return {"event": self.count} | {name: len(rows) for name, rows in tables.items()}


def world_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the large world's options, with its defaults (the world of the 50M benchmarks)."""
    parser.add_argument("--people", type=int, default=1_210_000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--events", type=int, default=50_000_000)
    parser.add_argument("--seed", type=int, default=1)


def main() -> None:
    """Simulate, write the parquet tables and their manifest, print the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    world_arguments(parser)
    parser.add_argument("--out", type=Path, default=Path("/tmp/quanzi-scale"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    world = World(args.out)
    started = time.perf_counter()
    stream = simulate(SimConfig(seed=args.seed, days=args.days, people=args.people))
    for event in islice(stream, args.events):
        world.add(event)
        if world.count % 1_000_000 == 0:
            rate = world.count / (time.perf_counter() - started)
            print(f"{world.count:,} events, {rate:,.0f}/s", flush=True)
    rows = world.close()
    manifest = {
        "format": FORMAT, "version": VERSION, "exported_at": datetime.now(UTC).isoformat(),
        "database": "simulator", "last_event_id": world.count, "stage_fields": True,
        "tables": {name: {"file": f"{name}.parquet", "rows": n} for name, n in rows.items()},
        "simulator": {"seed": args.seed, "people": args.people, "days": args.days},
        "seconds": round(time.perf_counter() - started, 1),
    }  # fmt: skip
    (args.out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    print(json.dumps(manifest, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
