"""Group buys: drops, 接龙 capture with stock, pickup lists, exports, GMV and repeat buying."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from quanzi.analytics.groupbuy import drops, gmv_report, pickup_list
from quanzi.cli.main import app
from quanzi.errors import Conflict, NotFound
from quanzi.services import groupbuy
from quanzi.services.ingest import ingest_objects
from quanzi.sim import SimConfig, simulate
from quanzi.store import models as m
from quanzi.store.db import reading
from quanzi.store.models_router import DropLine

T0 = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)  # 09:00 in Guangzhou
TITLE = "【南山】贵州黄牛肉 ¥68/斤 今晚22:00截单"
HEAD = f"#接龙\n{TITLE}\n\n例 张三 2斤 3栋502\n\n"


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def world() -> list[dict]:
    group = {"community": "tuan-nanshan"}
    posts = [
        ("wx:qiangge", HEAD.rstrip()),
        ("wx:azhen", HEAD + "1. 阿珍 2斤"),
        ("wx:xiaoli", HEAD + "1. 阿珍 2斤\n2. 小李 3斤 自提"),
        ("wx:laowang", HEAD + "1. 阿珍 2斤\n2. 小李 3斤 自提\n3. 老王 4斤 9栋"),
        # 阿珍 drops out; the list is renumbered; 小李 raises his order.
        ("wx:meimei", HEAD + "1. 小李 4斤 自提\n2. 老王 4斤 9栋\n3. 美美 5斤"),
    ]
    events = [
        {"id": "c", "ts": at(0), "kind": "community", "name": "南山团购群", "model": "router",
         "carrier": "wechat", **group},
        {"id": "j0", "ts": at(1), "kind": "join", "person": "wx:qiangge", "role": "leader",
         **group},
    ]  # fmt: skip
    for n, (person, text) in enumerate(posts):
        events.append({"id": f"m{n}", "ts": at(10 + n * 10), "kind": "message",
                       "person": person, "text": text, **group})  # fmt: skip
    # After the 22:00 cut-off: late, so not on the list.
    events.append({"id": "late", "ts": at(14 * 60 + 5), "kind": "message", "person": "wx:x",
                   "text": posts[-1][1] + "\n4. 迟到 1斤", **group})  # fmt: skip
    return events


def test_capture_follows_the_thread_with_stock(engine: Engine) -> None:
    events = world()
    later = [e for e in events if e["id"] in ("m4", "late")]
    ingest_objects(engine, [e for e in events if e not in later])
    deadline = T0 + timedelta(hours=13)
    drop = groupbuy.open_drop(engine, community="tuan-nanshan", item="beef", title=TITLE,
                              price=68, unit="斤", stock=10, deadline=deadline, opened_at=T0,
                              key="beef-1")  # fmt: skip
    with reading(engine) as session:
        leader = session.scalars(select(m.Person.key).where(m.Person.id == drop.leader_id)).one()
    assert leader == "wx:qiangge"
    first = groupbuy.capture(engine, "beef-1")
    assert (first.versions, first.added, first.edited, first.removed) == (4, 3, 0, 0)
    assert first.over_stock == []
    ingest_objects(engine, later)
    result = groupbuy.capture(engine, "beef-1")
    assert (result.versions, result.added, result.edited, result.removed) == (5, 1, 1, 1)
    assert result.over_stock == ["美美"]  # 4 + 4 fit in 10 斤; 5 more do not
    rows = pickup_list(engine, "beef-1")
    assert [(r.seq, r.name, r.qty, r.note, r.amount, r.over_stock) for r in rows] == [
        (1, "小李", 4.0, "自提", 272.0, False),
        (2, "老王", 4.0, "9栋", 272.0, False),
        (3, "美美", 5.0, "", 340.0, True),
    ]
    again = groupbuy.capture(engine, "beef-1")  # idempotent
    assert (again.added, again.edited, again.removed) == (0, 0, 0)
    with reading(engine) as session:
        people = dict(session.execute(
            select(DropLine.name, m.Person.key).join(m.Person, m.Person.id == DropLine.person_id)
        ).all())  # fmt: skip
    assert people["老王"] == "wx:laowang" and people["美美"] == "wx:meimei"


def test_orders_marks_exports_and_closing(engine: Engine, tmp_path: Path) -> None:
    ingest_objects(engine, world())
    deadline = T0 + timedelta(hours=13)
    groupbuy.open_drop(engine, community="tuan-nanshan", item="beef", title=TITLE, price=68,
                       unit="斤", deadline=deadline, opened_at=T0, key="b")  # fmt: skip
    groupbuy.capture(engine, "b")
    line = groupbuy.add_order(engine, "b", name="电话订", qty=2, note="送货上门")
    assert line.amount == 136.0 and line.source == "api"
    first = pickup_list(engine, "b")[0]
    groupbuy.mark(engine, "b", first.id, paid=True)
    with pytest.raises(NotFound):
        groupbuy.mark(engine, "b", 99999, paid=True)
    with pytest.raises(Conflict):
        groupbuy.open_drop(engine, community="tuan-nanshan", item="x", title="t", price=1, key="b")

    runner = CliRunner()
    url = str(engine.url.render_as_string(hide_password=False))
    for fmt in ("csv", "xlsx"):
        out = tmp_path / f"b.{fmt}"
        result = runner.invoke(app, ["groupbuy", "export", "--drop", "b", "--format", fmt,
                                     "--out", str(out), "--db", url])  # fmt: skip
        assert result.exit_code == 0, result.output
    with (tmp_path / "b.csv").open(encoding="utf-8-sig") as handle:
        table = list(csv.reader(handle))
    assert table[1][:3] == ["序号", "名字", "数量"]
    assert table[2][:7] == ["1", "小李", "4", "斤", "自提", "272.0", "是"]
    assert table[-1][0] == "合计" and table[-1][5] == str(272.0 + 272 + 340 + 136)
    sheet = load_workbook(tmp_path / "b.xlsx").active
    assert sheet is not None
    assert [c.value for c in sheet[3]][:3] == [1, "小李", 4]
    assert sheet.cell(row=6, column=2).value == "电话订"

    assert groupbuy.close_due(engine, T0 + timedelta(hours=12)) == []
    assert groupbuy.close_due(engine, T0 + timedelta(hours=14)) == ["b"]
    with pytest.raises(Conflict):
        groupbuy.add_order(engine, "b", name="晚了", qty=1)
    bad = runner.invoke(app, ["groupbuy", "export", "--drop", "b", "--format", "pdf",
                              "--db", url])  # fmt: skip
    assert bad.exit_code == 2 and "xlsx" in bad.output


def test_detected_drops_match_the_simulated_orders(engine: Engine) -> None:
    ingest_objects(engine, simulate(SimConfig(seed=2, days=25, people=300)))
    for group in ("tuan-tianhe", "tuan-nanshan"):
        opened = groupbuy.detect_drops(engine, group)
        assert opened
        for key in opened:
            groupbuy.capture(engine, key)
        assert groupbuy.detect_drops(engine, group) == []  # nothing twice
        listed = drops(engine, group)
        with reading(engine) as session:
            count, qty = session.execute(
                select(func.count(), func.sum(m.Order.qty))
                .join(m.Community, m.Community.id == m.Order.community_id)
                .where(m.Community.key == group, m.Order.leader_id.is_not(None))
            ).one()
        assert sum(d["lines"] for d in listed) == count
        assert sum(d["qty"] for d in listed) == qty


def test_gmv_report_exact(engine: Engine) -> None:
    day = timedelta(days=1)
    events = [
        {"id": "c1", "ts": T0.isoformat(), "kind": "community", "community": "g1",
         "model": "router"},
        {"id": "c2", "ts": T0.isoformat(), "kind": "community", "community": "g2",
         "model": "router"},
        {"id": "c3", "ts": T0.isoformat(), "kind": "community", "community": "paid",
         "model": "closed_circle"},
    ]  # fmt: skip
    orders = [  # (id, community, person, leader, item, amount, day offset)
        ("o1", "g1", "wx:a", "wx:lead1", "grape", 79, 0),
        ("o2", "g1", "wx:a", "wx:lead1", "beef", 68, 20),  # a repeats within 30 days
        ("o3", "g1", "wx:b", "wx:lead1", "grape", 79, 0),
        ("o4", "g2", "wx:b", "wx:lead2", "grape", 79, 50),  # b repeats after 50 days
        ("o5", "g2", "wx:c", "wx:lead2", "beef", 68, 95),
        ("o6", "paid", "wx:c", None, "tier:paid", 100, 1),  # not a router group
    ]
    for oid, group, person, leader, item, amount, offset in orders:
        event = {"id": oid, "ts": (T0 + offset * day).isoformat(), "kind": "purchase",
                 "community": group, "person": person, "item": item, "amount": amount,
                 "order": oid}  # fmt: skip
        if leader:
            event["leader"] = leader
        events.append(event)
    events += [{"id": f"j{n}", "ts": T0.isoformat(), "kind": "join", "community": "g1",
                "person": f"wx:{p}"} for n, p in enumerate("abxy")]  # fmt: skip
    events.append({"id": "r", "ts": (T0 + 96 * day).isoformat(), "kind": "refund",
                   "community": "g2", "order": "o5"})  # fmt: skip
    ingest_objects(engine, events)
    report = gmv_report(engine)
    assert (report["gmv"], report["orders"], report["buyers"]) == (305, 4, 2)
    assert (report["repeat_buyers"], report["first_time_buyers"]) == (2, 0)
    # The newest event (the refund) is day 96: both buyers are old enough for every window.
    assert report["repeat_rate"] == {"30d": 0.5, "60d": 1.0, "90d": 1.0}
    assert report["by_group"][0] == {"key": "g1", "gmv": 226, "orders": 3,
                                     "orders_per_member": 0.75}  # fmt: skip
    assert {r["key"]: r["gmv"] for r in report["by_product"]} == {"grape": 237, "beef": 68}
    assert [r["key"] for r in report["by_day"]] == ["2026-06-01", "2026-06-21", "2026-07-21"]
    cli = CliRunner().invoke(app, ["groupbuy", "report", "--json", "--db",
                                   engine.url.render_as_string(hide_password=False)])  # fmt: skip
    assert json.loads(cli.stdout)["gmv"] == 305
