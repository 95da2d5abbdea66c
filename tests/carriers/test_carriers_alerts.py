"""WeChat through chatlog: engine decisions become operator alerts, once per event."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from quanzi.carriers.chatlog import ingest_messages
from quanzi.errors import NotFound
from quanzi.services.carrier_alerts import acknowledge
from quanzi.services.ingest import ingest_objects
from quanzi.services.screening_review import save_rules
from quanzi.store import models as m
from quanzi.store.db import reading
from quanzi.store.models_carriers import CarrierAlert

ROOM = "12345678@chatroom"
AD = "兼职刷单日赚500，加微信 vx123456 代理招募"


def message(seq: int, text: str, sender: str = "wxid_ad", name: str = "日赚五百") -> dict:
    """One message in chatlog's JSON shape."""
    minute = seq % 60
    return {
        "seq": 1704164400000 + seq * 60000,
        "time": f"2024-01-02T11:{minute:02d}:00+08:00",
        "talker": ROOM,
        "talkerName": "产品交流群",
        "isChatRoom": True,
        "sender": sender,
        "senderName": name,
        "isSelf": False,
        "type": 1,
        "subType": 0,
        "content": text,
    }


def joined(seq: int, line: str) -> dict:
    return {**message(seq, line, sender="", name=""), "type": 10000}


def alerts(engine: Engine) -> list[tuple[str, str, str, str]]:
    with reading(engine) as session:
        rows = session.scalars(select(CarrierAlert).order_by(CarrierAlert.event_id))
        return [(a.event_id, a.kind, a.action, a.reason) for a in rows]


@pytest.fixture
def group(engine: Engine) -> str:
    declared = {"id": "wx-c", "ts": "2024-01-01T08:00:00+08:00", "kind": "community",
                "community": "wx-group", "name": "产品交流群", "carrier": "wechat"}  # fmt: skip
    ingest_objects(engine, [declared])
    save_rules(engine, "wx-group", 'blacklist = ["小赵"]\n', actor="test")
    return "wx-group"


def test_ads_and_a_blacklisted_join_become_alerts_once(engine: Engine, group: str) -> None:
    body: list[Any] = [
        message(1, "大家好", sender="wxid_li", name="小李"),
        message(2, AD),
        message(3, AD + "！"),
        joined(4, '"王五"邀请"小赵"加入了群聊'),
        message(5, AD + "！！"),
    ]
    report = ingest_messages(engine, body, group)
    assert (report.new_events, report.alerts) == (5, 4)
    found = alerts(engine)
    by_event = {event_id.rsplit(":", 1)[-1]: (kind, action) for event_id, kind, action, _ in found}
    assert by_event == {
        "1704164520000": ("moderation", "warn"),
        "1704164580000": ("moderation", "recall"),
        "1704164640000": ("screening", "kick"),
        "1704164700000": ("moderation", "mute"),
    }
    reasons = {action: reason for _, _, action, reason in found}
    assert reasons["kick"] == "黑名单：小赵"
    assert reasons["mute"].endswith("7 天内第 3 次违规 → 禁言 10 分钟")
    again = ingest_messages(engine, body, group)  # chatlog posts the same batch again
    assert (again.new_events, again.alerts) == (0, 0)
    assert alerts(engine) == found


def test_a_later_batch_climbs_the_ladder_from_earlier_strikes(engine: Engine, group: str) -> None:
    ingest_messages(engine, [message(1, AD)], group)
    later = ingest_messages(engine, [message(2, "加我微信 vx654321 有优惠")], group)
    assert later.alerts == 1
    assert [action for _, _, action, _ in alerts(engine)] == ["warn", "recall"]


def test_acknowledging_an_alert_records_who_and_is_audited(engine: Engine, group: str) -> None:
    ingest_messages(engine, [message(1, AD)], group)
    with reading(engine) as session:
        alert_id = session.scalars(select(CarrierAlert.id)).one()
    done = acknowledge(engine, alert_id, actor="ops")
    assert done.acknowledged_by == "ops" and done.acknowledged_at is not None
    assert acknowledge(engine, alert_id, actor="other").acknowledged_by == "ops"
    with reading(engine) as session:
        actions = session.scalars(select(m.AuditLog.action).order_by(m.AuditLog.id)).all()
    assert actions.count("carriers.alert") == 1
    assert actions.count("carriers.alert.ack") == 1
    with pytest.raises(NotFound):
        acknowledge(engine, alert_id + 100, actor="ops")
