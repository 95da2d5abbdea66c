"""The event pipeline: validation, idempotency, projection onto current state."""

from __future__ import annotations

import json
from itertools import islice
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from quanzi.services.ingest import ingest_lines
from quanzi.store import models as m
from quanzi.store.db import reading

EXAMPLE = [
    {
        "id": "e1",
        "ts": "2026-03-01T09:00:00+08:00",
        "kind": "community",
        "community": "fruit-100",
        "name": "鲜果会员群",
        "purpose": "filter",
        "model": "router",
        "type": "product",
        "carrier": "wechat",
        "price": 100,
        "ladder": "main",
        "rank": 1,
    },
    {
        "id": "e2",
        "ts": "2026-03-01T10:00:00+08:00",
        "kind": "join",
        "community": "fruit-100",
        "person": "wx:li",
        "name": "小李",
        "source": "official_account",
    },
    {
        "id": "e3",
        "ts": "2026-03-01T10:05:00+08:00",
        "kind": "message",
        "community": "fruit-100",
        "person": "wx:li",
        "name": "小李",
        "text": "葡萄什么时候到？",
    },
    {
        "id": "e4",
        "ts": "2026-03-02T12:00:00+08:00",
        "kind": "purchase",
        "community": "fruit-100",
        "person": "wx:li",
        "item": "tier:fruit-100",
        "amount": 100,
    },
]


def lines(events: list[dict]) -> list[str]:
    return [json.dumps(e, ensure_ascii=False) + "\n" for e in events]


def count(engine: Engine, model: type[m.Base]) -> int:
    with reading(engine) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_example_of_events_md_is_stored_and_projected(engine: Engine) -> None:
    report = ingest_lines(engine, lines(EXAMPLE))
    assert report.to_dict() == {"read": 4, "stored": 4, "duplicates": 0, "rejected": []}
    with reading(engine) as session:
        community = session.scalars(select(m.Community)).one()
        assert (community.key, community.name, community.price, community.rank) == (
            "fruit-100",
            "鲜果会员群",
            100.0,
            1,
        )
        person = session.scalars(select(m.Person)).one()
        assert (person.key, person.name, person.source) == ("wx:li", "小李", "official_account")
        identity = session.scalars(select(m.Identity)).one()
        assert (identity.carrier, identity.account) == ("wx", "li")
        membership = session.scalars(select(m.Membership)).one()
        assert membership.status == "active"
        order = session.scalars(select(m.Order)).one()
        assert (order.item, order.amount, order.status) == ("tier:fruit-100", 100.0, "paid")
        assert order.ts.isoformat() == "2026-03-02T04:00:00+00:00"


def test_reingest_is_idempotent(engine: Engine) -> None:
    ingest_lines(engine, lines(EXAMPLE))
    report = ingest_lines(engine, lines(EXAMPLE))
    assert report.to_dict() == {"read": 4, "stored": 0, "duplicates": 4, "rejected": []}
    assert count(engine, m.Event) == 4
    assert count(engine, m.Order) == 1
    assert count(engine, m.Membership) == 1


def test_duplicates_inside_one_file_are_counted(engine: Engine) -> None:
    report = ingest_lines(engine, lines(EXAMPLE + EXAMPLE[1:2]), batch_size=2)
    assert (report.stored, report.duplicates) == (4, 1)


def test_bad_lines_are_reported_with_line_numbers_and_the_rest_kept(engine: Engine) -> None:
    text = lines(EXAMPLE[:2])
    text.insert(1, "{not json\n")
    text.append(
        json.dumps(
            {
                "id": "x",
                "ts": "2026-03-01T10:00:00",
                "kind": "join",
                "community": "c",
                "person": "wx:a",
            }
        )
        + "\n"
    )
    text.append(
        json.dumps({"id": "y", "ts": "2026-03-01T10:00:00Z", "kind": "dance", "community": "c"})
        + "\n"
    )
    text.append("\n")
    text.append(
        json.dumps(
            {
                "id": "z",
                "ts": "2026-03-01T10:00:00Z",
                "kind": "leave",
                "community": "c",
                "person": "nobody",
            }
        )
        + "\n"
    )
    report = ingest_lines(engine, text)
    assert report.stored == 2
    assert [r.line for r in report.rejected] == [2, 4, 5, 7]
    reasons = [r.reason for r in report.rejected]
    assert "JSON" in reasons[0]
    assert "时区" in reasons[1]
    assert "dance" in reasons[2]
    assert "person" in reasons[3]
    assert count(engine, m.Event) == 2


def test_leave_and_rejoin_follow_event_time(engine: Engine) -> None:
    base = {"community": "g", "person": "qq:1"}
    events = [
        {"id": "j1", "ts": "2026-03-01T10:00:00+08:00", "kind": "join", **base},
        {"id": "l1", "ts": "2026-03-03T10:00:00+08:00", "kind": "leave", "reason": "kick", **base},
        # Arrives late but happened before the kick: must not undo it.
        {"id": "m0", "ts": "2026-03-02T10:00:00+08:00", "kind": "join", **base},
    ]
    ingest_lines(engine, lines(events), batch_size=1)
    with reading(engine) as session:
        membership = session.scalars(select(m.Membership)).one()
        assert membership.status == "kicked"
    ingest_lines(
        engine,
        lines(
            [
                {
                    "id": "j2",
                    "ts": "2026-03-05T10:00:00+08:00",
                    "kind": "join",
                    "role": "leader",
                    **base,
                }
            ]
        ),
    )
    with reading(engine) as session:
        membership = session.scalars(select(m.Membership)).one()
        assert (membership.status, membership.role, membership.left_at) == (
            "active",
            "leader",
            None,
        )


def test_refund_marks_the_order(engine: Engine) -> None:
    refund = {
        "id": "r1",
        "ts": "2026-03-03T12:00:00+08:00",
        "kind": "refund",
        "community": "fruit-100",
        "person": "wx:li",
        "order": "event:e4",
    }
    ingest_lines(engine, lines([*EXAMPLE, refund]))
    with reading(engine) as session:
        assert session.scalars(select(m.Order.status)).one() == "refunded"


def test_activity_attendance_invite_and_join_request(engine: Engine) -> None:
    c = {"community": "g"}
    events = [
        {
            "id": "a0",
            "ts": "2026-03-01T09:00:00+08:00",
            "kind": "attend",
            "person": "qq:2",
            "activity": "salon-1",
            **c,
        },
        {
            "id": "a1",
            "ts": "2026-03-01T08:00:00+08:00",
            "kind": "activity",
            "person": "qq:1",
            "organ": "salon",
            "title": "春季品鉴沙龙",
            "activity": "salon-1",
            **c,
        },
        {
            "id": "a2",
            "ts": "2026-03-01T09:10:00+08:00",
            "kind": "attend",
            "person": "qq:2",
            "activity": "salon-1",
            **c,
        },
        {
            "id": "i1",
            "ts": "2026-03-01T09:20:00+08:00",
            "kind": "invite",
            "inviter": "qq:2",
            "invitee": "qq:3",
            "campaign": "spring",
            **c,
        },
        {
            "id": "q1",
            "ts": "2026-03-01T09:30:00+08:00",
            "kind": "join_request",
            "person": "qq:3",
            "name": "A小美护肤",
            "comment": "问题：怎么知道我们的？\n答案：朋友",
            "inviter": "qq:2",
            **c,
        },
    ]
    ingest_lines(engine, lines(events), batch_size=2)
    with reading(engine) as session:
        activity = session.scalars(select(m.Activity)).one()
        assert (activity.organ, activity.title) == ("salon", "春季品鉴沙龙")
        assert count(engine, m.Attendance) == 1
        invite = session.scalars(select(m.Invite)).one()
        assert invite.campaign == "spring"
        request = session.scalars(select(m.JoinRequest)).one()
        # Screened at ingest (docs/filter.md): an "A" name alone is one flag, so admitted.
        assert request.verdict == "admit" and request.name == "A小美护肤"
        assert [r["rule"] for r in request.reasons] == ["name.a_prefix"]
    assert count(engine, m.Person) == 3


def test_the_raw_sqlite_event_insert_stores_what_sqlalchemy_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On SQLite the event rows skip SQLAlchemy's parameter handling; what lands in the
    # table must be exactly what it would have stored, byte for byte.
    from quanzi.services.ingest import ingest_objects
    from quanzi.sim import SimConfig, simulate
    from quanzi.store import bulk, migrate
    from quanzi.store.db import get_engine

    events = [*islice(simulate(SimConfig(seed=3, days=20, people=120)), 3000)]
    events.append({**events[0], "id": "old-1", "ts": "0005-03-01T09:00:00.5+08:00"})
    events.append({**events[1], "id": "zulu-1", "ts": "2026-03-08T01:59:59.999999Z"})
    stored: dict[bool, list[tuple[Any, ...]]] = {}
    for raw in (True, False):
        monkeypatch.setattr(bulk, "RAW_SQLITE_WRITES", raw)
        engine = get_engine(f"sqlite:///{tmp_path / f'raw-{raw}.db'}")
        migrate.upgrade(engine)
        report = ingest_objects(engine, [dict(e) for e in events], batch_size=500)
        assert report.stored == len(events) and not report.rejected
        with engine.connect() as connection:
            stored[raw] = connection.exec_driver_sql(
                "SELECT id, source_id, ts, typeof(ts), kind, community_id, person_id, payload, "
                "length(ingested_at), typeof(ingested_at) FROM event ORDER BY id"
            ).all()
        engine.dispose()
    assert stored[True] == stored[False]
    assert len(stored[True]) == len(events)
    assert ("0005-03-01 01:00:00.500000", "text") in {row[2:4] for row in stored[True]}
