"""Admin commands in Chinese: /审核 /日报 /开团 /接龙状态."""

from __future__ import annotations

from nonebot import on_command
from nonebot.adapters.onebot.v11 import GroupMessageEvent

from quanzi.carriers.bot import mapping, service
from quanzi.carriers.bot.runtime import ADMINS, config, read, write
from quanzi.errors import QuanziError

review = on_command("审核", permission=ADMINS, priority=1, block=True)
report = on_command("日报", permission=ADMINS, priority=1, block=True)
group_buy = on_command("开团", permission=ADMINS, priority=1, block=True)
jielong = on_command("接龙状态", permission=ADMINS, priority=1, block=True)


@review.handle()
async def on_review(event: GroupMessageEvent) -> None:
    """Say how many join requests wait for a human in this group's community."""
    community = mapping.community_of(event.group_id, config.quanzi_bot_groups)
    waiting = await read(service.review_count, community)
    await review.finish(
        f"社群 {community} 有 {waiting} 条入群申请等待人工审核，请在控制台「过滤」页处理。"
    )


@report.handle()
async def on_report(event: GroupMessageEvent) -> None:
    """Post today's daily report of this group's community."""
    community = mapping.community_of(event.group_id, config.quanzi_bot_groups)
    try:
        text = await read(service.daily_report_text, community)
    except QuanziError as exc:
        await report.finish(exc.message)
    await report.finish(text)


@group_buy.handle()
async def on_group_buy(event: GroupMessageEvent) -> None:
    """Open drops from the 接龙 threads leaders started in this group."""
    community = mapping.community_of(event.group_id, config.quanzi_bot_groups)
    try:
        opened = await write(service.open_drops, community, f"qq:{event.user_id}")
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
    try:
        text = await write(service.jielong_status, community, f"qq:{event.user_id}")
    except QuanziError as exc:
        await jielong.finish(exc.message)
    await jielong.finish(text)
