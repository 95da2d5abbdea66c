"""Scheduled organ posts: the daily topic and daily report posted to bound groups on time."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import nonebot
from nonebot import get_driver
from nonebot.adapters.onebot.v11 import Bot

from quanzi.carriers.bot.runtime import config, log, read, store
from quanzi.carriers.organ_posts import due_posts

_tasks: set[asyncio.Task[None]] = set()


async def tick(bot: Bot, now: datetime) -> list[str]:
    """Post every slot due at `now` once; return the ids of the posts made."""
    posted = []
    for post in await read(due_posts, config.quanzi_bot_groups, now):
        # Record first: a slot is claimed once, so a restart or a second bot never repeats it.
        if not await store(post.event(now)):
            continue
        try:
            await bot.send_group_msg(group_id=post.group, message=post.text)
        except Exception as exc:  # a failed post is logged; the group is not spammed with retries
            log.warning("organ post %s failed: %s", post.event_id, exc)
            continue
        posted.append(post.event_id)
    return posted


def _onebot() -> Bot | None:
    return next((b for b in nonebot.get_bots().values() if isinstance(b, Bot)), None)


async def _run() -> None:
    while True:
        bot = _onebot()
        if bot is not None:
            try:
                await tick(bot, datetime.now(UTC))
            except Exception as exc:  # one bad tick must not stop the calendar
                log.warning("organ posts tick failed: %s", exc)
        await asyncio.sleep(config.quanzi_bot_tick_seconds)


driver = get_driver()


@driver.on_startup
async def _start() -> None:
    if config.quanzi_bot_organ_posts and config.quanzi_bot_groups:
        task = asyncio.create_task(_run())
        _tasks.add(task)


@driver.on_shutdown
async def _stop() -> None:
    for task in list(_tasks):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        _tasks.discard(task)
