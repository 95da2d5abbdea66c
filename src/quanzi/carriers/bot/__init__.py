"""The quanzi QQ bot: a NoneBot2 plugin on OneBot v11 (NapCatQQ, LLBot) feeding the engines."""

from __future__ import annotations

from nonebot.plugin import PluginMetadata

from quanzi.carriers.bot.runtime import Config, engine, use_database

__plugin_meta__ = PluginMetadata(
    name="quanzi",
    description="圈子 quanzi 的 QQ 群机器人：入群审核、欢迎、风控、接龙、定时日报与话题、管理命令",
    usage="/审核 /日报 /开团 /接龙状态",
    type="application",
    homepage="https://github.com/quanzi",
    config=Config,
    supported_adapters={"~onebot.v11"},
)

# The handlers register themselves with NoneBot on import.
from quanzi.carriers.bot import chat, commands, joins, organs

__all__ = ["chat", "commands", "engine", "joins", "organs", "use_database"]
