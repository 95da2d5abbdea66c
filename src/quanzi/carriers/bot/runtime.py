"""What every bot handler shares: settings, the database, the write lock, the admins."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from nonebot import get_driver, get_plugin_config
from nonebot.adapters.onebot.v11 import GROUP_ADMIN, GROUP_OWNER, Bot
from nonebot.permission import SUPERUSER
from pydantic import BaseModel
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from quanzi.carriers.bot import service
from quanzi.config import get_settings
from quanzi.store.db import get_engine

T = TypeVar("T")


class Config(BaseModel):
    """Bot settings (env or `nonebot.init`): which QQ group is which community, and manners."""

    quanzi_bot_groups: dict[str, str] = {}
    # "playbook": welcome by the newcomer's intent stratum; "off": no welcome; else this text.
    quanzi_bot_welcome: str = "playbook"
    quanzi_bot_product: str = "新品"
    quanzi_bot_jielong_reply: bool = True
    quanzi_bot_organ_posts: bool = True
    quanzi_bot_tick_seconds: int = 60


log = logging.getLogger("quanzi.bot")
config = get_plugin_config(Config)
ADMINS = GROUP_ADMIN | GROUP_OWNER | SUPERUSER
_state: dict[str, Engine] = {}
writes = asyncio.Lock()  # one writer at a time: SQLite refuses concurrent writes


def use_database(url: str) -> None:
    """Point the bot at a database (called by `quanzi bot` and by tests)."""
    _state["engine"] = get_engine(url)


def engine() -> Engine:
    """Return the bot's database engine (QUANZI_DATABASE_URL unless set)."""
    if "engine" not in _state:
        use_database(get_settings().database_url)
    return _state["engine"]


async def write(func: Callable[..., T], *args: Any) -> T:
    """Run a writing service call off the event loop, one at a time."""
    async with writes:
        return await run_in_threadpool(func, engine(), *args)


async def read(func: Callable[..., T], *args: Any) -> T:
    """Run a reading call off the event loop."""
    return await run_in_threadpool(func, engine(), *args)


async def store(raw: dict[str, Any]) -> bool:
    """Ingest one event; True when it was new. A bad event is logged, never raised."""
    try:
        return await write(service.store, raw) > 0
    except Exception as exc:  # a carrier event must never crash the bot
        log.warning("event %s not stored: %s", raw.get("id"), exc)
        return False


async def tell_admins(bot: Bot, text: str) -> None:
    """Send a private note to every superuser."""
    for user in get_driver().config.superusers:
        if user.isdigit():
            await bot.send_private_msg(user_id=int(user), message=text)
