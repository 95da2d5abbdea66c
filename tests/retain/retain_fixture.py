"""A small retained community with known answers: 葡萄团购群 over three weeks of March 2026."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def at(ts: str) -> datetime:
    """Return 2026-03-<ts> in China Standard Time."""
    return datetime.fromisoformat(f"2026-03-{ts}+08:00")


def ev(event_id: str, ts: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": event_id,
        "ts": f"2026-03-{ts}+08:00",
        "kind": kind,
        "community": "grape",
        **fields,
    }


ZHOU, A, B, C = "wx:zhou", "wx:a", "wx:b", "wx:c"

EVENTS = [
    ev("c1", "01T09:00:00", "community", name="葡萄团购群", purpose="retain", model="router",
       type="product", carrier="wechat", price=0),
    ev("j-zhou", "01T09:00:00", "join", person=ZHOU, name="老周", role="owner"),
    ev("j-a", "01T10:00:00", "join", person=A, name="小A", source="official_account"),
    ev("j-b", "02T10:00:00", "join", person=B, name="小B", source="friend", inviter=A),
    ev("q1", "02T10:05:00", "message", person=A, text="葡萄什么时候到？"),
    ev("s1", "02T10:25:00", "message", person=ZHOU, text="明天到", reply_to="q1", mentions=[A]),
    ev("q2", "02T11:00:00", "message", person=B, text="多少钱一箱"),
    ev("s2", "02T11:02:00", "message", person=ZHOU, text="团购价68一箱"),
    ev("o1", "02T12:00:00", "purchase", person=A, item="grape-box", amount=100, order="o1"),
    ev("t1", "02T15:00:00", "purchase", person=B, item="tier:grape", amount=100, order="t1"),
    ev("r1", "02T21:00:00", "activity", person=ZHOU, organ="daily_report", title="日报",
       activity="a1"),
    ev("at1", "02T21:30:00", "attend", person=A, activity="a1"),
    ev("j-c", "03T10:00:00", "join", person=C, name="小C", source="fission_poster"),
    ev("d1", "03T09:00:00", "activity", person=ZHOU, organ="daily_topic", title="话题",
       activity="a2"),
    ev("d1m", "03T09:00:05", "message", person=ZHOU, text="【今日话题】你最喜欢哪种葡萄？"),
    ev("q3", "03T12:00:00", "message", person=C, text="能开发票吗"),
    ev("o2", "03T12:00:00", "purchase", person=A, item="grape-box", amount=100, order="o2"),
    ev("o3", "04T12:00:00", "purchase", person=A, item="grape-box", amount=100, order="o3"),
    ev("o4", "05T12:00:00", "purchase", person=A, item="grape-box", amount=100, order="o4"),
    ev("o5", "06T12:00:00", "purchase", person=A, item="grape-box", amount=100, order="o5"),
    ev("m-a", "10T12:00:00", "message", person=A, text="今天的葡萄真甜！"),
    ev("l-c", "20T12:00:00", "leave", person=C, reason="leave"),
]  # fmt: skip
