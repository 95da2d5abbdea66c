"""A hand-made world whose events sit on the edges of local days, in two time zones."""

from __future__ import annotations

from datetime import date
from typing import Any

from quanzi.metrics.results import MetricRow


def _event(n: int, ts: str, kind: str, person: str | None = None, **extra: Any) -> dict[str, Any]:
    event = {"id": f"edge-{n}", "ts": ts, "kind": kind, "community": "edge", **extra}
    if person is not None:
        event["person"] = person
    return event


EDGE_EVENTS = [
    _event(1, "2026-03-01T00:00:00Z", "community", name="边界群", purpose="retain"),
    # 23:59:59.9 and 00:00:00 in Shanghai (UTC+8): two different local days.
    _event(2, "2026-03-01T15:59:59.900Z", "join", "qq:1"),
    _event(3, "2026-03-01T16:00:00Z", "join", "qq:2"),
    _event(4, "2026-03-01T15:59:59Z", "message", "qq:1", text="晚安"),
    _event(5, "2026-03-01T16:00:00.500Z", "message", "qq:2", text="早"),
    _event(6, "2026-03-01T16:00:01Z", "message", "qq:2", text="早上好"),
    _event(7, "2026-03-01T15:00:00Z", "purchase", "qq:1", item="apple", amount=19.9, order="o1"),
    _event(8, "2026-03-01T15:30:00Z", "purchase", "qq:2", item="pear", amount=0.1, order="o2"),
    _event(9, "2026-03-01T15:45:00Z", "purchase", "qq:2", item="kiwi", amount=7, order="o3"),
    _event(10, "2026-03-02T02:00:00Z", "refund", "qq:2", order="o3"),
    _event(
        11,
        "2026-03-01T16:30:00Z",
        "invite",
        "qq:1",
        inviter="qq:1",
        invitee="qq:3",
        campaign="spring",
    ),
    _event(12, "2026-03-01T10:00:00Z", "invite", "qq:2", inviter="qq:2", invitee="qq:4"),
    # New York leaves EST (UTC-5) for EDT (UTC-4) at 07:00Z on 8 March 2026: local midnight
    # is 05:00Z on the 8th but 04:00Z on the 9th.
    _event(13, "2026-03-09T03:59:59Z", "leave", "qq:1", reason="leave"),
    _event(14, "2026-03-09T04:00:00Z", "join", "qq:5"),
]


def _rows(day_values: list[tuple[str, str, str, float]]) -> list[MetricRow]:
    return sorted(MetricRow(m, k, date.fromisoformat(d), v) for m, k, d, v in day_values)


SHANGHAI = _rows([
    ("active_people", "edge", "2026-03-01", 1), ("active_people", "edge", "2026-03-02", 1),
    ("messages", "edge", "2026-03-01", 1), ("messages", "edge", "2026-03-02", 2),
    ("joins", "edge", "2026-03-01", 1), ("joins", "edge", "2026-03-02", 1),
    ("joins", "edge", "2026-03-09", 1), ("leaves", "edge", "2026-03-09", 1),
    ("members", "edge", "2026-03-01", 1), ("members", "edge", "2026-03-02", 2),
    ("members", "edge", "2026-03-09", 2),
    ("orders", "edge", "2026-03-01", 2), ("gmv", "edge", "2026-03-01", 20.0),
    ("payers", "edge", "2026-03-01", 2),
    ("invites", "spring", "2026-03-02", 1), ("invites", "", "2026-03-01", 1),
    ("inviters", "spring", "2026-03-02", 1), ("inviters", "", "2026-03-01", 1),
    # Every event by kind, including those a metric above leaves out (a refund, the community).
    ("events", "community", "2026-03-01", 1),
    ("events", "join", "2026-03-01", 1), ("events", "join", "2026-03-02", 1),
    ("events", "join", "2026-03-09", 1), ("events", "leave", "2026-03-09", 1),
    ("events", "message", "2026-03-01", 1), ("events", "message", "2026-03-02", 2),
    ("events", "purchase", "2026-03-01", 3), ("events", "refund", "2026-03-02", 1),
    ("events", "invite", "2026-03-01", 1), ("events", "invite", "2026-03-02", 1),
])  # fmt: skip

NEW_YORK = _rows([
    ("active_people", "edge", "2026-03-01", 2), ("messages", "edge", "2026-03-01", 3),
    ("joins", "edge", "2026-03-01", 2), ("joins", "edge", "2026-03-09", 1),
    ("leaves", "edge", "2026-03-08", 1),
    ("members", "edge", "2026-03-01", 2), ("members", "edge", "2026-03-08", 1),
    ("members", "edge", "2026-03-09", 2),
    ("orders", "edge", "2026-03-01", 2), ("gmv", "edge", "2026-03-01", 20.0),
    ("payers", "edge", "2026-03-01", 2),
    ("invites", "spring", "2026-03-01", 1), ("invites", "", "2026-03-01", 1),
    ("inviters", "spring", "2026-03-01", 1), ("inviters", "", "2026-03-01", 1),
    # The community was declared at 19:00 on 28 February in New York (EST, UTC-5).
    ("events", "community", "2026-02-28", 1),
    ("events", "join", "2026-03-01", 2), ("events", "join", "2026-03-09", 1),
    ("events", "leave", "2026-03-08", 1), ("events", "message", "2026-03-01", 3),
    ("events", "purchase", "2026-03-01", 3), ("events", "refund", "2026-03-01", 1),
    ("events", "invite", "2026-03-01", 2),
])  # fmt: skip
