"""The QQ bot under NoneBug: admin commands, 接龙 captured as it arrives, scheduled posts."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from quanzi.store import models as m
from quanzi.store.db import reading

pytest.importorskip("nonebug")
from nonebot.adapters.onebot.v11 import Message, MessageSegment
from nonebug import App

from tests.carriers.nonebug_kit import GROUP, HERE, TITLE, bot_of, declare, event, said

pytestmark = pytest.mark.asyncio


@pytest.fixture
def app(nonebot_plugin: Any, db_url: str) -> App:
    nonebot_plugin.module.use_database(db_url)
    return App()


def command(text: str, *, message_id: int) -> Any:
    """The admin's real `/审核` payload with another command typed."""
    return event("review_command", message=[{"type": "text", "data": {"text": text}}],
                 raw_message=text, message_id=message_id)  # fmt: skip


async def test_daily_report_command_posts_today_report(app: App, engine: Engine) -> None:
    from quanzi.carriers.bot.service import daily_report_text

    async with app.test_matcher() as ctx:
        ask = command("/日报", message_id=1101)
        ctx.receive_event(bot_of(ctx), ask)
        ctx.should_call_send(
            ask, "本群（社群 fruit-qq）在 quanzi 里还没有任何记录，暂时出不了日报。", result=None
        )
        ctx.should_finished()
    declare(engine)
    expected = daily_report_text(engine, "fruit-qq")
    assert expected.startswith("【果园QQ群 · 社群日报】")
    async with app.test_matcher() as ctx:
        ask = command("/日报", message_id=1102)
        ctx.receive_event(bot_of(ctx), ask)
        ctx.should_call_send(ask, expected, result=None)
        ctx.should_finished()


async def test_members_get_no_answer_to_admin_commands(app: App, engine: Engine) -> None:
    async with app.test_matcher() as ctx:
        ctx.receive_event(bot_of(ctx), event("review_command_member"))
    with reading(engine) as session:  # the member's text fell through and is kept as chat
        people = session.scalars(select(m.Event.payload).where(m.Event.kind == "message"))
        assert [p["person"] for p in people] == ["qq:20007"]


def jielong(*lines: str) -> str:
    return "\n".join(["#接龙", TITLE, "", "例 张三 2箱 3栋502", *lines])


async def test_jielong_is_captured_as_it_arrives(app: App, engine: Engine) -> None:
    declare(engine)
    start = said(jielong(), message_id=4001, at=1749379400, user=20005, role="admin")
    line = said(jielong("", "1. 小美 2箱 自提"), message_id=4002, at=1749379500, user=20007)
    async with app.test_matcher() as ctx:
        bot = bot_of(ctx)
        ctx.receive_event(bot, start)
        ctx.should_call_api("send_group_msg", {"group_id": GROUP, "message": Message(
            [MessageSegment.reply(4001), MessageSegment.text(
                f"已开团【{TITLE}】¥79/箱：大家接龙报名即可，自动记入取货单。")])})  # fmt: skip
        ctx.receive_event(bot, line)
        ctx.should_call_api("send_group_msg", {"group_id": GROUP, "message": Message(
            [MessageSegment.reply(4002), MessageSegment.text(
                f"已记入接龙【{TITLE}】：1 人，共 2箱，金额 ¥158.00")])})  # fmt: skip
        ctx.receive_event(bot, line)  # NapCat delivers it again: nothing is counted twice
        status = command("/接龙状态", message_id=4003)
        ctx.receive_event(bot, status)
        ctx.should_call_send(status, f"【{TITLE}】已报名 1 人，共 2箱，金额 ¥158.00", result=None)
        ctx.should_finished()
        group_buy = command("/开团", message_id=4004)
        ctx.receive_event(bot, group_buy)
        ctx.should_call_send(
            group_buy,
            "没有找到新的接龙：请团长先发起 #接龙（标题写上 ¥单价/单位 和截单时间）。",
            result=None,
        )
        ctx.should_finished()
    from quanzi.analytics.groupbuy import pickup_list

    [(key, lines)] = [(d["key"], d["lines"]) for d in drops_of(engine)]
    assert lines == 1
    assert [(r.name, r.qty) for r in pickup_list(engine, key)] == [("小美", 2.0)]


def drops_of(engine: Engine) -> list[dict[str, Any]]:
    from quanzi.analytics.groupbuy import drops

    return drops(engine, "fruit-qq")


async def test_a_member_cannot_open_a_drop_and_gets_no_reply(app: App, engine: Engine) -> None:
    declare(engine)
    async with app.test_matcher() as ctx:
        ctx.receive_event(bot_of(ctx), said(jielong(), message_id=4101, at=1749379400))
    assert drops_of(engine) == []


async def test_group_buy_command_opens_drops_from_leaders_jielong(app: App, engine: Engine) -> None:
    leader = {"id": "j", "ts": "2025-06-08T09:01:00+08:00", "kind": "join",
              "person": "qq:20005", "role": "leader", **HERE}  # fmt: skip
    start = {"id": "t0", "ts": "2025-06-08T10:00:00+08:00", "kind": "message",
             "person": "qq:20005", "text": jielong(), **HERE}  # fmt: skip
    declare(engine, leader, start)
    async with app.test_matcher() as ctx:
        ask = command("/开团", message_id=4201)
        ctx.receive_event(bot_of(ctx), ask)
        ctx.should_call_send(ask, "已从接龙开团 1 个，报名会自动记入取货单。", result=None)
        ctx.should_finished()
    assert [d["title"] for d in drops_of(engine)] == [TITLE]


async def test_due_daily_report_and_topic_are_posted_once(app: App, engine: Engine) -> None:
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from quanzi.analytics.retain_calendar import calendar
    from quanzi.analytics.retain_report import daily_report
    from quanzi.carriers.bot.organs import tick
    from quanzi.store.db import transaction

    china = ZoneInfo("Asia/Shanghai")
    hello = {"id": "m1", "ts": "2025-06-08T12:00:00+08:00", "kind": "message",
             "person": "qq:20007", "text": "葡萄到了吗？", **HERE}  # fmt: skip
    declare(engine, hello)
    report = str(daily_report(engine, "fruit-qq", date(2025, 6, 8))["text"])
    async with app.test_api() as ctx:
        bot = bot_of(ctx)
        assert await tick(bot, datetime(2025, 6, 8, 20, 59, tzinfo=china)) == []  # not yet
        ctx.should_call_api("send_group_msg", {"group_id": GROUP, "message": report}, {})
        night = datetime(2025, 6, 8, 21, 5, tzinfo=china)
        assert await tick(bot, night) == [f"qq:{GROUP}:organ:daily_report:2025-06-08"]
        assert await tick(bot, datetime(2025, 6, 8, 21, 6, tzinfo=china)) == []  # posted once
    slots = calendar(engine, "fruit-qq", start=date(2025, 6, 8), days=1)[0]["slots"]
    assert {s["organ"]: s["status"] for s in slots}["daily_report"] == "done"
    with transaction(engine) as session:  # operators keep a list of topics in the rules
        row = session.scalar(select(m.Community).where(m.Community.key == "fruit-qq"))
        assert row is not None
        row.rules = {"retain": {"topics": ["你最爱哪种葡萄？", "夏天怎么吃西瓜？"]}}
    morning = datetime(2025, 6, 9, 9, 30, tzinfo=china)
    topic = ["你最爱哪种葡萄？", "夏天怎么吃西瓜？"][morning.toordinal() % 2]
    async with app.test_api() as ctx:
        bot = bot_of(ctx)
        ctx.should_call_api(
            "send_group_msg",
            {"group_id": GROUP, "message": f"【今日话题】{topic} 欢迎大家聊聊～"},
            {},
        )
        assert await tick(bot, morning) == [f"qq:{GROUP}:organ:daily_topic:2025-06-09"]
        assert await tick(bot, morning) == []


async def test_a_failed_post_is_not_repeated(app: App, engine: Engine) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from quanzi.carriers.bot.organs import tick

    declare(engine)
    morning = datetime(2025, 6, 9, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    async with app.test_api() as ctx:
        bot = bot_of(ctx)
        ctx.should_call_api(
            "send_group_msg",
            {"group_id": GROUP, "message": "【今日话题】每日话题 欢迎大家聊聊～"},
            exception=RuntimeError("NapCat went away"),
        )
        assert await tick(bot, morning) == []
        assert await tick(bot, morning) == []  # claimed: the group is not spammed with retries


async def test_the_calendar_loop_runs_only_when_asked(
    nonebot_plugin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quanzi.carriers.bot import organs

    monkeypatch.setattr(organs.config, "quanzi_bot_organ_posts", False)
    await organs._start()
    assert not organs._tasks  # `quanzi bot --no-organ-posts`
    monkeypatch.setattr(organs.config, "quanzi_bot_organ_posts", True)
    await organs._start()
    [task] = organs._tasks
    assert not task.done()
    await organs._stop()
    assert task.cancelled() and not organs._tasks
