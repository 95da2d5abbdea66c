"""`quanzi demo` and `quanzi serve`: the simulated brand 「果园鲜生」 in the console."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine

from quanzi.cli.admin import print_stats
from quanzi.cli.common import DbOption, open_database
from quanzi.cli.ingest import print_report
from quanzi.cli.render import console, err_console, guarded
from quanzi.config import get_settings
from quanzi.errors import InvalidInput

PortOption = Annotated[int | None, typer.Option("--port", help="控制台端口（默认 8000）")]
HostOption = Annotated[str | None, typer.Option("--host", help="监听地址（默认 127.0.0.1）")]


def run_server(engine: Engine, host: str | None, port: int | None) -> None:
    """Serve the console and API until interrupted."""
    import uvicorn

    from quanzi.web.app import create_app

    settings = get_settings()
    url = engine.url.render_as_string(hide_password=False)
    uvicorn.run(
        create_app(url), host=host or settings.host, port=port or settings.port, log_level="warning"
    )


def _simulate_with_progress(events: Iterator[dict[str, Any]], days: int) -> Iterator[dict]:
    """Pass events through while a progress bar follows the simulated days."""
    with Progress(
        TextColumn("模拟并导入「果园鲜生」"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("天"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        task = progress.add_task("demo", total=days)
        first_day: str | None = None
        seen_days = 0
        last_day = ""
        for event in events:
            day = str(event.get("ts", ""))[:10]
            if day != last_day:
                first_day = first_day or day
                last_day = day
                seen_days += 1
                progress.update(task, completed=min(seen_days, days))
            yield event
        progress.update(task, completed=days)


def prepare_demo(engine: Engine) -> None:
    """Do what the brand's operators would have done: ladder extras, drops from 接龙, campaigns."""
    from quanzi.services import groupbuy
    from quanzi.services.ladder_demo import seed_demo
    from quanzi.sim.cast import GROUP_BUYS

    seed_demo(engine)
    opened = 0
    for community in GROUP_BUYS:
        for key in groupbuy.detect_drops(engine, community, actor="demo"):
            groupbuy.capture(engine, key, actor="demo")
            opened += 1
    closed = groupbuy.close_due(engine, actor="demo")
    console.print(f"团购：从团长的接龙识别开团 {opened} 个，已截单 {len(closed)} 个")
    from quanzi.services.attract_demo import seed_campaigns

    console.print(f"裂变：登记活动 {seed_campaigns(engine)} 个（含群活码与邀请码）")


@guarded
def demo(
    db: DbOption = None,
    seed: Annotated[int, typer.Option(help="随机种子：同一种子生成同样的世界")] = 1,
    days: Annotated[int, typer.Option(help="模拟天数")] = 180,
    people: Annotated[int, typer.Option(help="大约多少人")] = 2000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="只生成数据，不启动控制台")] = False,
    port: PortOption = None,
    host: HostOption = None,
) -> None:
    """生成模拟品牌「果园鲜生」的社群数据，导入数据库，并启动控制台。"""
    from quanzi.services.ingest import ingest_objects
    from quanzi.services.operators import ensure_demo_operator
    from quanzi.sim import SimConfig, simulate

    if days < 1 or people < 100:
        raise InvalidInput("--days 至少为 1，--people 至少为 100")
    engine = open_database(db)
    config = SimConfig(seed=seed, days=days, people=people)
    from quanzi.services.screening_review import add_avatars
    from quanzi.sim.names import STOCK_AVATARS

    # What the brand's operators did first: block the stock/influencer avatars they had
    # collected, so screening at ingest can reject accounts that use them.
    add_avatars(engine, list(STOCK_AVATARS), "演示：运营事先收集的网红/图库头像", actor="demo")
    report = ingest_objects(engine, _simulate_with_progress(simulate(config), days))
    print_report(report, as_json=False)
    from quanzi.analytics.stats import database_stats

    print_stats(database_stats(engine))
    prepare_demo(engine)
    from quanzi.services.retain_stages import recompute_stages

    staged = recompute_stages(engine)  # stages are derived state, recomputed after the ingest
    console.print(f"关系阶段：已为 {staged.people} 人重新计算（{staged.changes} 次阶段变化）")
    from quanzi.services.metrics_fill import update_metrics

    # What a deployment's cron does with `quanzi analytics update`: the overview reads these.
    filled = update_metrics(engine)
    console.print(f"指标：{len(filled.metrics)} 个指标已填充到第 {filled.target_event_id} 条事件")
    if no_serve:
        return
    password = secrets.token_urlsafe(9)
    ensure_demo_operator(engine, username="admin", password=password)
    from quanzi.services.reports import refresh_reports

    # After the last write: the snapshots must carry the data version the pages will see.
    refreshed = refresh_reports(engine)
    console.print(f"报表：{sum(r.computed for r in refreshed)} 份报表已预先算好")
    settings = get_settings()
    console.print(
        f"\n控制台：[bold cyan]http://{host or settings.host}:{port or settings.port}[/]"
        f"  登录名 [bold]admin[/]  密码 [bold]{password}[/]（每次运行 demo 重新生成）\n"
        "按 Ctrl+C 停止。"
    )
    run_server(engine, host, port)


@guarded
def serve(db: DbOption = None, port: PortOption = None, host: HostOption = None) -> None:
    """启动控制台与 REST API（/api/v1，文档在 /api/docs）。"""
    engine = open_database(db)
    settings = get_settings()
    console.print(
        f"控制台：[bold cyan]http://{host or settings.host}:{port or settings.port}[/]"
        "（账号用 quanzi users add 添加）"
    )
    run_server(engine, host, port)
