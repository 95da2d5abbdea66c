"""Join requests screened by the Filter engine; joins welcomed by stratum; leaves recorded."""

from __future__ import annotations

from nonebot import on_notice, on_request
from nonebot.adapters.onebot.v11 import (
    Bot,
    GroupDecreaseNoticeEvent,
    GroupIncreaseNoticeEvent,
    GroupRequestEvent,
    MessageSegment,
)

from quanzi.carriers.bot import mapping, service
from quanzi.carriers.bot.runtime import config, read, store, tell_admins

join_requests = on_request(priority=5, block=False)


@join_requests.handle()
async def on_join_request(bot: Bot, event: GroupRequestEvent) -> None:
    """Store the request, let the Filter decide, then approve, reject or leave it for review."""
    if event.sub_type != "add":
        return
    raw = mapping.request_event(event, config.quanzi_bot_groups)
    await store(raw)
    decision = await read(service.decision_of, raw["id"])
    why = "；".join(decision.reasons) or "无"
    if decision.verdict == "admit":
        await event.approve(bot)
    elif decision.verdict == "reject":
        await event.reject(
            bot, reason=(decision.reasons[0] if decision.reasons else "未通过入群审核")[:50]
        )
    else:
        engine_note = "" if decision.verdict else "（筛选引擎还没有给出结论）"
        await tell_admins(
            bot,
            f"入群申请待人工审核{engine_note}：群 {event.group_id}，QQ {event.user_id}\n"
            f"{event.comment or ''}\n原因：{why}",
        )


members = on_notice(priority=5, block=False)


@members.handle()
async def on_increase(bot: Bot, event: GroupIncreaseNoticeEvent) -> None:
    """Record the join and welcome the newcomer by their stratum's playbook."""
    if str(event.user_id) == bot.self_id:
        return
    raw = mapping.increase_event(event, config.quanzi_bot_groups)
    if not await store(raw) or config.quanzi_bot_welcome == "off":
        return  # a repeat delivery is neither stored nor welcomed again
    if config.quanzi_bot_welcome == "playbook":
        text = await read(
            service.welcome_text, raw["community"], raw["person"], config.quanzi_bot_product
        )
    else:
        text = config.quanzi_bot_welcome
    await bot.send_group_msg(
        group_id=event.group_id,
        message=MessageSegment.at(event.user_id) + MessageSegment.text(" " + text),
    )


@members.handle()
async def on_decrease(event: GroupDecreaseNoticeEvent) -> None:
    """Record the leave (or kick)."""
    await store(mapping.decrease_event(event, config.quanzi_bot_groups))
