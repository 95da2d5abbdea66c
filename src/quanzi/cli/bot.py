"""`quanzi bot`: the QQ bot (NoneBot2 + OneBot v11) and the console on one port."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from quanzi.cli.common import DbOption, open_database
from quanzi.cli.demo import HostOption, PortOption
from quanzi.cli.render import console, guarded
from quanzi.config import get_settings
from quanzi.errors import QuanziError


def build_app(
    database_url: str,
    token: str,
    superusers: list[str],
    groups: dict[str, str],
    **options: Any,
) -> Any:
    """Initialise NoneBot on FastAPI with OneBot v11, load the plugin, mount the console at /.

    `options` override the plugin's settings by name without the `quanzi_bot_` prefix.
    """
    try:
        import nonebot
        from nonebot.adapters.onebot.v11 import Adapter
    except ImportError:
        raise QuanziError(
            "没有安装机器人依赖：pip install 'nonebot2[fastapi]' nonebot-adapter-onebot",
            code="bot_not_installed",
        ) from None
    from quanzi.web.app import create_app

    nonebot.init(
        driver="~fastapi",
        onebot_access_token=token or None,
        superusers=set(superusers),
        command_start={"/"},
        quanzi_bot_groups=groups,
        **{f"quanzi_bot_{name}": value for name, value in options.items()},
    )
    nonebot.get_driver().register_adapter(Adapter)
    plugin = nonebot.load_plugin("quanzi.carriers.bot")
    if plugin is not None:
        plugin.module.use_database(database_url)
    app = nonebot.get_app()  # /onebot/v11/ws is on it already; the console takes the rest
    app.mount("/", create_app(database_url))
    return app


def _groups(pairs: list[str]) -> dict[str, str]:
    """Parse `群号=社群标识` pairs."""
    groups: dict[str, str] = {}
    for pair in pairs:
        group, _, community = pair.partition("=")
        if not group.strip().isdigit() or not community.strip():
            raise QuanziError(
                f"--group 应为 群号=社群标识，例如 123456789=fruit-100，实际为 {pair}",
                code="invalid_input",
            )
        groups[group.strip()] = community.strip()
    return groups


@guarded
def bot(
    db: DbOption = None,
    host: HostOption = None,
    port: PortOption = None,
    token: Annotated[
        str | None, typer.Option("--token", help="OneBot 访问令牌（默认读取 QUANZI_ONEBOT_TOKEN）")
    ] = None,
    superuser: Annotated[
        list[str] | None, typer.Option("--superuser", help="接收审核通知的管理员 QQ，可多次")
    ] = None,
    group: Annotated[
        list[str] | None, typer.Option("--group", help="群号=社群标识，可多次")
    ] = None,
    organ_posts: Annotated[
        bool,
        typer.Option(
            "--organ-posts/--no-organ-posts", help="按运营日历定时发每日话题和社群日报（默认开）"
        ),
    ] = True,
    welcome: Annotated[
        str | None,
        typer.Option(
            "--welcome",
            help="入群欢迎：playbook（按意向分层的话术，默认）、off（不欢迎）或一段固定文字",
        ),
    ] = None,
    jielong_reply: Annotated[
        bool,
        typer.Option(
            "--jielong-reply/--no-jielong-reply", help="记入接龙后在群里回复确认（默认开）"
        ),
    ] = True,
) -> None:
    """启动 QQ 机器人与控制台（同一端口）；NapCatQQ/LLBot 用反向 WebSocket 连接 /onebot/v11/ws。"""
    import uvicorn

    engine = open_database(db)
    url = engine.url.render_as_string(hide_password=False)
    settings = get_settings()
    secret = token if token is not None else os.environ.get("QUANZI_ONEBOT_TOKEN", "")
    if not secret:
        console.print(
            "[yellow]警告[/] 没有设置 OneBot 访问令牌，任何人都能连上机器人；"
            "请用 --token 或 QUANZI_ONEBOT_TOKEN"
        )
    plugin: dict[str, Any] = {"organ_posts": organ_posts, "jielong_reply": jielong_reply}
    if welcome is not None:
        plugin["welcome"] = welcome
    app = build_app(url, secret, superuser or [], _groups(group or []), **plugin)
    where = f"{host or settings.host}:{port or settings.port}"
    console.print(f"控制台 http://{where}/ ；OneBot 反向 WebSocket ws://{where}/onebot/v11/ws")
    uvicorn.run(app, host=host or settings.host, port=port or settings.port, log_level="warning")
