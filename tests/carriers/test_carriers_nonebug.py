"""The QQ bot under NoneBug, on real OneBot v11 payloads: every call it makes is expected.

Join requests, welcomes and moderation here; commands, 接龙 and scheduled posts beside it.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from quanzi.services.screening_review import save_rules
from quanzi.store import models as m
from quanzi.store.db import reading

pytest.importorskip("nonebug")
from nonebot.adapters.onebot.v11 import MessageSegment
from nonebug import App

from tests.carriers.nonebug_kit import GROUP, bot_of, declare, event, said

pytestmark = pytest.mark.asyncio


@pytest.fixture
def app(nonebot_plugin: Any, db_url: str) -> App:
    nonebot_plugin.module.use_database(db_url)
    return App()


async def test_join_request_is_approved(app: App) -> None:
    async with app.test_matcher() as ctx:
        ctx.receive_event(bot_of(ctx), event("join_request"))
        ctx.should_call_api(
            "set_group_add_request",
            {"flag": "1735689600123456", "sub_type": "add", "approve": True},
        )


async def test_ad_join_request_is_rejected_with_the_reason(app: App) -> None:
    async with app.test_matcher() as ctx:
        ctx.receive_event(bot_of(ctx), event("join_request_ad"))
        ctx.should_call_api(
            "set_group_add_request",
            {"flag": "1735689610654321", "sub_type": "add", "approve": False,
             "reason": "申请理由含广告词 兼职、刷单、代理"},
        )  # fmt: skip


async def test_unsure_join_request_is_left_for_review_and_admins_are_told(
    app: App, engine: Engine
) -> None:
    declare(engine)
    rules = '[rules."answer.check"]\naction = "review"\nkeywords = ["葡萄"]\n'
    save_rules(engine, "fruit-qq", rules, actor="test")
    async with app.test_matcher() as ctx:
        ctx.receive_event(bot_of(ctx), event("join_request"))
        ctx.should_call_api(
            "send_private_msg",
            {"user_id": 90001, "message": "入群申请待人工审核：群 123456789，QQ 20002\n"
             "问题：从哪里知道本群？\n答案：GitHub\n原因：入群问题答案不符合要求：GitHub"},
        )  # fmt: skip
    async with app.test_matcher() as ctx:
        ctx.receive_event(bot_of(ctx), event("review_command"))
        ctx.should_call_send(
            event("review_command"),
            "社群 fruit-qq 有 1 条入群申请等待人工审核，请在控制台「过滤」页处理。",
            result={"message_id": 1},
        )
        ctx.should_finished()


def welcome(user: int, text: str) -> dict[str, Any]:
    return {"group_id": GROUP, "message": MessageSegment.at(user) + MessageSegment.text(text)}


async def test_newcomer_is_welcomed_once_by_the_weak_playbook(app: App, engine: Engine) -> None:
    declare(engine)
    async with app.test_matcher() as ctx:
        bot = bot_of(ctx)
        ctx.receive_event(bot, event("group_increase"))
        ctx.should_call_api(
            "send_group_msg",
            welcome(20002, " 欢迎 新朋友～先看看群公告，每天有话题和小福利，慢慢了解我们就好。"),
        )
        ctx.receive_event(bot, event("group_increase"))  # a re-delivery: no second welcome


async def test_a_known_fan_is_welcomed_by_the_strong_playbook(app: App, engine: Engine) -> None:
    fan = {"id": "j0", "ts": "2025-01-01T09:00:00+08:00", "kind": "join", "person": "qq:20002",
           "name": "小李", "source": "official_account", "community": "fruit-100"}  # fmt: skip
    declare(engine, fan)
    async with app.test_matcher() as ctx:
        ctx.receive_event(bot_of(ctx), event("group_increase"))
        ctx.should_call_api(
            "send_group_msg",
            welcome(20002, " 欢迎 小李！你是果园QQ群的老朋友了，直接说重点：新品本周粉丝专享 8 折，"
                    "群公告里有下单方式，有问题随时@我。"),
        )  # fmt: skip


AD = "兼职刷单日赚500，加微信 vx123456 代理招募"
WHY = "留了微信/QQ 号 微信 vx123456；含广告词 兼职、刷单、代理；"  # what the rules found in AD


def warned(user: int, text: str) -> dict[str, Any]:
    return welcome(user, text)


async def test_moderation_climbs_the_community_ladder_recall_mute_kick(
    app: App, engine: Engine
) -> None:
    declare(engine)
    save_rules(engine, "fruit-qq", '[moderation]\nladder = ["recall", "mute:600", "kick"]\n', "t")
    async with app.test_matcher() as ctx:
        bot = bot_of(ctx)
        ctx.receive_event(bot, said(AD, message_id=3001, at=1749379400))
        ctx.should_call_api("delete_msg", {"message_id": 3001})
        ctx.should_call_api(
            "send_group_msg", warned(20008, f" 撤回：{WHY}7 天内第 1 次违规 → 撤回")
        )
        ctx.receive_event(bot, said(AD + "！", message_id=3002, at=1749379460))
        ctx.should_call_api("delete_msg", {"message_id": 3002})
        ctx.should_call_api("set_group_ban", {"group_id": GROUP, "user_id": 20008, "duration": 600})
        ctx.should_call_api(
            "send_group_msg", warned(20008, f" 禁言：{WHY}7 天内第 2 次违规 → 禁言 10 分钟")
        )
        ctx.receive_event(bot, said(AD + "！！", message_id=3003, at=1749379520))
        ctx.should_call_api("delete_msg", {"message_id": 3003})
        ctx.should_call_api("set_group_kick", {"group_id": GROUP, "user_id": 20008})
        ctx.should_call_api(
            "send_group_msg",
            warned(20008, f" 移出：{WHY}同一句话重复了 3 次；7 天内第 3 次违规 → 移出"),
        )
        # The group's owner says the same words: staff are exempt, nothing happens.
        ctx.receive_event(bot, said(AD, message_id=3004, at=1749379580, user=20005, role="owner"))
    with reading(engine) as session:
        texts = session.scalars(select(m.Event.source_id).where(m.Event.kind == "message"))
        assert len(list(texts)) == 4  # every message is kept as evidence


async def test_default_ladder_warns_first_then_recalls(app: App) -> None:
    async with app.test_matcher() as ctx:
        bot = bot_of(ctx)
        ctx.receive_event(bot, event("ad_message_1"))
        ctx.should_call_api(
            "send_group_msg", warned(20008, f" 警告：{WHY}7 天内第 1 次违规 → 警告")
        )
        ctx.receive_event(bot, event("ad_message_2"))
        ctx.should_call_api("delete_msg", {"message_id": 2002})
        ctx.should_call_api(
            "send_group_msg", warned(20008, f" 撤回：{WHY}7 天内第 2 次违规 → 撤回")
        )
