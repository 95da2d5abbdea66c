"""The quanzi QQ bot: a NoneBot2 plugin on OneBot v11 (NapCatQQ, LLBot) feeding the engines."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from nonebot import get_driver, get_plugin_config, on_command, on_message, on_notice, on_request
from nonebot.adapters.onebot.v11 import (
    GROUP_ADMIN,
    GROUP_OWNER,
    Bot,
    GroupDecreaseNoticeEvent,
    GroupIncreaseNoticeEvent,
    GroupMessageEvent,
    GroupRequestEvent,
    MessageSegment,
)
from nonebot.permission import SUPERUSER
from nonebot.plugin import PluginMetadata
from pydantic import BaseModel
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from quanzi.carriers.bot import mapping, service
from quanzi.config import get_settings
from quanzi.domain.moderation import ACTIONS, Moderator, message_from_raw
from quanzi.errors import QuanziError
from quanzi.store.db import get_engine


class Config(BaseModel):
    """Bot settings (env or `nonebot.init`): which QQ group is which community."""

    quanzi_bot_groups: dict[str, str] = {}
    quanzi_bot_welcome: str = "欢迎新朋友！请先阅读群公告。"


__plugin_meta__ = PluginMetadata(
    name="quanzi",
    description="圈子 quanzi 的 QQ 群机器人：入群审核、进退群与消息记录、管理命令",
    usage="/审核 /日报 /开团 /接龙状态",
    type="application",
    homepage="https://github.com/quanzi",
    config=Config,
    supported_adapters={"~onebot.v11"},
)
log = logging.getLogger("quanzi.bot")
config = get_plugin_config(Config)
_state: dict[str, Engine] = {}
_writes = asyncio.Lock()  # one writer at a time: SQLite refuses concurrent writes
moderator = Moderator()  # keeps each person's recent messages for floods and the ladder
ADMINS = GROUP_ADMIN | GROUP_OWNER | SUPERUSER


def use_database(url: str) -> None:
    """Point the bot at a database (called by `quanzi bot` and by tests)."""
    _state["engine"] = get_engine(url)


def engine() -> Engine:
    """Return the bot's database engine (QUANZI_DATABASE_URL unless set)."""
    if "engine" not in _state:
        use_database(get_settings().database_url)
    return _state["engine"]


async def _store(raw: dict[str, Any]) -> bool:
    """Ingest one event off the event loop; log (never raise) a bad one."""
    try:
        async with _writes:
            return await run_in_threadpool(service.store, engine(), raw) > 0
    except Exception as exc:  # a carrier event must never crash the bot
        log.warning("event %s not stored: %s", raw.get("id"), exc)
        return False


async def _tell_admins(bot: Bot, text: str) -> None:
    """Send a private note to every superuser."""
    for user in get_driver().config.superusers:
        if user.isdigit():
            await bot.send_private_msg(user_id=int(user), message=text)


join_requests = on_request(priority=5, block=False)


@join_requests.handle()
async def on_join_request(bot: Bot, event: GroupRequestEvent) -> None:
    """Store the request, let the Filter decide, then approve, reject or leave it for review."""
    if event.sub_type != "add":
        return
    raw = mapping.request_event(event, config.quanzi_bot_groups)
    await _store(raw)
    decision = await run_in_threadpool(service.decision_of, engine(), raw["id"])
    why = "；".join(decision.reasons) or "无"
    if decision.verdict == "admit":
        await event.approve(bot)
    elif decision.verdict == "reject":
        await event.reject(
            bot, reason=(decision.reasons[0] if decision.reasons else "未通过入群审核")[:50]
        )
    else:
        engine_note = "" if decision.verdict else "（筛选引擎还没有给出结论）"
        await _tell_admins(
            bot,
            f"入群申请待人工审核{engine_note}：群 {event.group_id}，QQ {event.user_id}\n"
            f"{event.comment or ''}\n原因：{why}",
        )


members = on_notice(priority=5, block=False)


@members.handle()
async def on_increase(bot: Bot, event: GroupIncreaseNoticeEvent) -> None:
    """Record the join and welcome the newcomer."""
    if str(event.user_id) == bot.self_id:
        return
    if (
        await _store(mapping.increase_event(event, config.quanzi_bot_groups))
        and config.quanzi_bot_welcome
    ):
        await bot.send_group_msg(
            group_id=event.group_id,
            message=MessageSegment.at(event.user_id)
            + MessageSegment.text(" " + config.quanzi_bot_welcome),
        )


@members.handle()
async def on_decrease(event: GroupDecreaseNoticeEvent) -> None:
    """Record the leave (or kick)."""
    await _store(mapping.decrease_event(event, config.quanzi_bot_groups))


review = on_command("审核", permission=ADMINS, priority=1, block=True)
report = on_command("日报", permission=ADMINS, priority=1, block=True)
group_buy = on_command("开团", permission=ADMINS, priority=1, block=True)
jielong = on_command("接龙状态", permission=ADMINS, priority=1, block=True)


@review.handle()
async def on_review(event: GroupMessageEvent) -> None:
    """Say how many join requests wait for a human in this group's community."""
    community = mapping.community_of(event.group_id, config.quanzi_bot_groups)
    waiting = await run_in_threadpool(service.review_count, engine(), community)
    await review.finish(
        f"社群 {community} 有 {waiting} 条入群申请等待人工审核，请在控制台「过滤」页处理。"
    )


@report.handle()
async def on_report(event: GroupMessageEvent) -> None:
    """Post today's daily report of this group's community."""
    community = mapping.community_of(event.group_id, config.quanzi_bot_groups)
    try:
        text = await run_in_threadpool(service.daily_report_text, engine(), community)
    except QuanziError as exc:
        await report.finish(exc.message)
    await report.finish(text)


@group_buy.handle()
async def on_group_buy(event: GroupMessageEvent) -> None:
    """Open drops from the 接龙 threads leaders started in this group."""
    community = mapping.community_of(event.group_id, config.quanzi_bot_groups)
    actor = f"qq:{event.user_id}"
    async with _writes:
        try:
            opened = await run_in_threadpool(service.open_drops, engine(), community, actor)
        except QuanziError as exc:
            await group_buy.finish(exc.message)
    if not opened:
        await group_buy.finish(
            "没有找到新的接龙：请团长先发起 #接龙（标题写上 ¥单价/单位 和截单时间）。"
        )
    await group_buy.finish(f"已从接龙开团 {len(opened)} 个，报名会自动记入取货单。")


@jielong.handle()
async def on_jielong(event: GroupMessageEvent) -> None:
    """Say how the group's current 接龙 stands: people, quantity, amount, over-stock."""
    community = mapping.community_of(event.group_id, config.quanzi_bot_groups)
    async with _writes:
        try:
            text = await run_in_threadpool(
                service.jielong_status, engine(), community, f"qq:{event.user_id}"
            )
        except QuanziError as exc:
            await jielong.finish(exc.message)
    await jielong.finish(text)


messages = on_message(priority=10, block=False)


@messages.handle()
async def on_group_message(bot: Bot, event: GroupMessageEvent) -> None:
    """Record every group message, then moderate it: warn, recall, mute or kick by the ladder."""
    raw = mapping.message_event(event, config.quanzi_bot_groups)
    await _store(raw)
    decision = moderator.moderate(message_from_raw(raw))
    if decision.action == "allow":
        return
    why = "；".join(r.detail for r in decision.reasons)
    if decision.action in ("recall", "mute", "kick"):
        await bot.delete_msg(message_id=event.message_id)
    if decision.action == "mute":
        await bot.set_group_ban(
            group_id=event.group_id, user_id=event.user_id, duration=decision.mute_seconds
        )
    elif decision.action == "kick":
        await bot.set_group_kick(group_id=event.group_id, user_id=event.user_id)
    await bot.send_group_msg(
        group_id=event.group_id,
        message=MessageSegment.at(event.user_id)
        + MessageSegment.text(f" {ACTIONS[decision.action]}：{why}"),
    )
