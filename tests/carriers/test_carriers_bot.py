"""The QQ bot on real OneBot v11 payloads, dispatched by NoneBot to a bot that records its calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from quanzi.store import models as m
from quanzi.store.db import reading

nonebot = pytest.importorskip("nonebot")
from nonebot.adapters.onebot.v11 import Adapter, Bot  # noqa: E402
from nonebot.message import handle_event  # noqa: E402

PAYLOADS = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "carriers" / "onebot.json").read_text("utf-8")
)
GROUPS = {"123456789": "fruit-qq"}


class RecordingBot(Bot):
    """A OneBot bot whose API calls are recorded instead of sent to NapCat."""

    def __init__(self, adapter: Adapter) -> None:
        super().__init__(adapter, "10001")
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def call_api(self, api: str, **data: Any) -> Any:
        self.calls.append((api, data))
        return {"message_id": len(self.calls)} if api.startswith("send") else None


@pytest.fixture
def plugin(nonebot_plugin: Any) -> Any:
    """NoneBot initialised once (conftest) with the OneBot adapter and the quanzi plugin."""
    return nonebot_plugin


@pytest.fixture
def bot(plugin: Any, db_url: str) -> RecordingBot:
    plugin.module.use_database(db_url)
    return RecordingBot(nonebot.get_adapter(Adapter))


async def feed(bot: RecordingBot, name: str) -> None:
    """Parse a raw payload as the adapter does on the wire, then dispatch it."""
    await handle_event(bot, Adapter.json_to_event(PAYLOADS[name]))


def stored(engine: Engine, kind: str) -> list[m.Event]:
    with reading(engine) as session:
        return list(
            session.scalars(select(m.Event).where(m.Event.kind == kind).order_by(m.Event.id))
        )


def verdict_of(engine: Engine, source_id: str) -> str | None:
    with reading(engine) as session:
        return session.scalar(
            select(m.JoinRequest.verdict)
            .join(m.Event, m.Event.id == m.JoinRequest.event_id)
            .where(m.Event.source_id == source_id)
        )


def expected_call(verdict: str | None, flag: str) -> tuple[str, dict[str, Any]]:
    if verdict == "admit":
        return "set_group_add_request", {"flag": flag, "sub_type": "add", "approve": True}
    if verdict == "reject":
        return "set_group_add_request", {"flag": flag, "sub_type": "add", "approve": False}
    return "send_private_msg", {"user_id": 90001}


@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["join_request", "join_request_ad"])
async def test_join_request_is_stored_screened_and_acted_on(
    bot: RecordingBot, engine: Engine, name: str
) -> None:
    await feed(bot, name)
    payload = PAYLOADS[name]
    source = f"qq:123456789:request:{payload['flag']}"
    request = stored(engine, "join_request")
    assert [e.source_id for e in request] == [source]
    assert request[0].payload["comment"] == payload["comment"]
    verdict = verdict_of(engine, source)
    assert verdict in ("admit", "review", "reject")  # the Filter engine decided it
    api, params = expected_call(verdict, payload["flag"])
    assert len(bot.calls) == 1
    assert bot.calls[0][0] == api
    assert params.items() <= bot.calls[0][1].items()


@pytest.mark.asyncio
async def test_ad_request_is_not_admitted(bot: RecordingBot, engine: Engine) -> None:
    await feed(bot, "join_request_ad")
    assert verdict_of(engine, "qq:123456789:request:1735689610654321") in ("review", "reject")
    assert (
        "set_group_add_request",
        {"flag": "1735689610654321", "sub_type": "add", "approve": True},
    ) not in bot.calls


@pytest.mark.asyncio
async def test_increase_and_decrease_become_join_and_leave(
    bot: RecordingBot, engine: Engine
) -> None:
    await feed(bot, "group_increase")
    await feed(bot, "group_decrease")
    await feed(bot, "group_kick")
    joins = stored(engine, "join")
    assert [(e.source_id, e.payload["person"]) for e in joins] == [
        ("qq:123456789:increase:20002:1735689660", "qq:20002")
    ]
    leaves = [(e.payload["person"], e.payload["reason"]) for e in stored(engine, "leave")]
    assert leaves == [("qq:20004", "leave"), ("qq:20006", "kick")]
    assert [api for api, _ in bot.calls] == ["send_group_msg"]  # the welcome
    await feed(bot, "group_increase")  # a repeat neither stores nor welcomes again
    assert len(stored(engine, "join")) == 1
    assert len(bot.calls) == 1


@pytest.mark.asyncio
async def test_group_message_becomes_a_message_event(bot: RecordingBot, engine: Engine) -> None:
    await feed(bot, "group_message")
    [message] = stored(engine, "message")
    body = message.payload
    assert body["community"] == "fruit-qq"
    assert (body["person"], body["name"], body["text"], body["role"]) == (
        "qq:20005",
        "王姐-团长",
        "进1",
        "admin",
    )
    assert body["mentions"] == ["qq:20002"]
    assert bot.calls == []


@pytest.mark.asyncio
async def test_review_command_answers_admins_only(bot: RecordingBot, engine: Engine) -> None:
    await feed(bot, "review_command_member")
    assert bot.calls == []  # a plain member gets no answer
    await feed(bot, "review_command")
    [(api, params)] = bot.calls
    assert api == "send_msg"
    assert "fruit-qq" in str(params["message"]) and "人工审核" in str(params["message"])
    # The admin's command is not chat; the member's text fell through and is kept as chat.
    assert [e.payload["person"] for e in stored(engine, "message")] == ["qq:20007"]


@pytest.mark.asyncio
async def test_ad_message_is_moderated_by_the_ladder(bot: RecordingBot, engine: Engine) -> None:
    await feed(bot, "ad_message_1")
    first = [api for api, _ in bot.calls]
    assert first and first[-1] == "send_group_msg"  # the member is told why
    assert set(first) <= {"delete_msg", "set_group_ban", "set_group_kick", "send_group_msg"}
    assert "delete_msg" in first or len(first) == 1  # a recall, or a first warning only
    await feed(bot, "ad_message_2")
    second = [api for api, _ in bot.calls[len(first) :]]
    assert "delete_msg" in second  # the ladder climbs: the repeat is at least recalled
    assert len(stored(engine, "message")) == 2  # both are still kept as evidence


def command(text: str) -> dict[str, Any]:
    """The admin's /审核 payload with another command typed instead."""
    payload = json.loads(json.dumps(PAYLOADS["review_command"]))
    payload["message"] = [{"type": "text", "data": {"text": text}}]
    payload["raw_message"] = text
    payload["message_id"] = 1001 + len(text)
    return payload


def replies(bot: RecordingBot) -> list[str]:
    return [str(params["message"]) for api, params in bot.calls if api == "send_msg"]


@pytest.mark.asyncio
async def test_group_buy_and_report_commands(bot: RecordingBot, engine: Engine) -> None:
    from quanzi.services.ingest import ingest_objects

    title = "【QQ团】阳光玫瑰葡萄 ¥79/箱 今晚22:00截单"
    group = {"community": "fruit-qq"}
    ingest_objects(engine, [
        {"id": "c", "ts": "2026-06-01T09:00:00+08:00", "kind": "community", "name": "果园QQ群",
         "model": "router", "carrier": "qq", **group},
        {"id": "j", "ts": "2026-06-01T09:01:00+08:00", "kind": "join", "person": "qq:20005",
         "role": "leader", **group},
        {"id": "t0", "ts": "2026-06-01T10:00:00+08:00", "kind": "message", "person": "qq:20005",
         "text": f"#接龙\n{title}\n\n例 张三 2箱 3栋502", **group},
        {"id": "t1", "ts": "2026-06-01T10:30:00+08:00", "kind": "message", "person": "qq:20007",
         "text": f"#接龙\n{title}\n\n例 张三 2箱 3栋502\n\n1. 小美 2箱 自提", **group},
    ])  # fmt: skip
    await handle_event(bot, Adapter.json_to_event(command("/接龙状态")))
    await handle_event(bot, Adapter.json_to_event(command("/开团")))
    await handle_event(bot, Adapter.json_to_event(command("/开团")))
    await handle_event(bot, Adapter.json_to_event(command("/接龙状态")))
    await handle_event(bot, Adapter.json_to_event(command("/日报")))
    said = replies(bot)
    assert len(said) == 5
    assert "没有进行中的团购" in said[0]
    assert "已从接龙开团 1 个" in said[1]
    assert "没有找到新的接龙" in said[2]
    assert said[3] == f"【{title}】已报名 1 人，共 2箱，金额 ¥158.00"
    assert "果园QQ群 · 社群日报" in said[4]
