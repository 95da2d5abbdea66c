"""NoneBot with the quanzi plugin and NoneBug, started on request (nonebug's own plugin is off)."""

from __future__ import annotations

from typing import Any

import pytest

GROUPS = {"123456789": "fruit-qq"}


@pytest.fixture(scope="session")
def nonebot_plugin() -> Any:
    """NoneBot initialised once with the OneBot adapter and the quanzi plugin; NoneBug ready."""
    nonebot = pytest.importorskip("nonebot")
    pytest.importorskip("nonebug")
    from nonebot.adapters.onebot.v11 import Adapter
    from nonebot.matcher import matchers
    from nonebug.provider import NoneBugProvider

    nonebot.init(
        driver="~fastapi", superusers={"90001"}, command_start={"/"}, quanzi_bot_groups=GROUPS
    )
    if "OneBot V11" not in nonebot.get_driver()._adapters:
        nonebot.get_driver().register_adapter(Adapter)
    plugin = nonebot.get_plugin_by_module_name("quanzi.carriers.bot") or nonebot.load_plugin(
        "quanzi.carriers.bot"
    )
    if not isinstance(matchers.provider, NoneBugProvider):
        matchers.set_provider(NoneBugProvider)
    return plugin


@pytest.fixture(autouse=True)
def _fresh_moderators() -> None:
    """Strikes are kept in memory per community key; every test starts with none."""
    import sys

    chat = sys.modules.get("quanzi.carriers.bot.chat")
    if chat is not None:
        chat.forget()
