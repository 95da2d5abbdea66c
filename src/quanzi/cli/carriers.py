"""`quanzi import` and `quanzi chatlog pull`: chat exports and WeChat history as events."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from quanzi.carriers.chatlog import DEFAULT_BASE, pull
from quanzi.carriers.importers import FORMATS
from quanzi.carriers.importers.run import ImportReport, import_stream
from quanzi.cli.common import DbOption, open_database
from quanzi.cli.render import console, err_console, guarded
from quanzi.errors import InvalidInput

MAX_REJECTIONS_SHOWN = 20


def print_import(report: ImportReport, as_json: bool) -> None:
    """Print an import report as the JSON contract or a short Chinese summary."""
    body = report.to_dict()
    if as_json:
        sys.stdout.write(json.dumps(body, ensure_ascii=False) + "\n")
        return
    console.print(
        f"格式 [bold]{body['format']}[/]：消息 {body['messages']} 条，入群 {body['joins']}，"
        f"退群 {body['leaves']}，涉及 {body['people']} 人；"
        f"新存入 [bold green]{body['new_events']}[/]，"
        f"重复 {body['duplicates']}，拒收 [bold red]{len(body['rejected'])}[/]"
    )
    for rejection in body["rejected"][:MAX_REJECTIONS_SHOWN]:
        console.print(f"  第 {rejection['line']} 处：{rejection['reason']}")
    if len(body["rejected"]) > MAX_REJECTIONS_SHOWN:
        console.print(
            f"  …… 另有 {len(body['rejected']) - MAX_REJECTIONS_SHOWN} 处被拒收"
            "（用 --json 查看全部）"
        )


@guarded
def import_export(
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help="格式：" + " / ".join(FORMATS))],
    file: Annotated[Path, typer.Argument(help="导出文件")],
    community: Annotated[str, typer.Option("--community", help="导入到哪个社群（社群标识）")],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出结果")] = False,
    db: DbOption = None,
    batch_size: Annotated[int, typer.Option(help="每批写入的事件数")] = 2000,
) -> None:
    """导入聊天记录导出文件（QQ、微信、Telegram、Discord），重复导入不会产生重复。"""
    if fmt not in FORMATS:
        raise InvalidInput(
            f"不支持的格式 {fmt}，可选：" + "、".join(FORMATS), code="import_unknown_format"
        )
    if batch_size < 1:
        raise InvalidInput("--batch-size 至少为 1")
    if not community.strip():
        raise InvalidInput("--community 不能为空")
    if not file.is_file():
        raise InvalidInput(f"找不到文件 {file}", code="file_not_found")
    engine = open_database(db)
    with (
        file.open("rb") as handle,
        Progress(
            TextColumn("导入聊天记录"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
            disable=as_json or not err_console.is_terminal,
        ) as progress,
    ):
        task = progress.add_task("import", total=file.stat().st_size)
        report = import_stream(
            engine,
            fmt,
            handle,
            community.strip(),
            batch_size=batch_size,
            progress=lambda _place: progress.update(task, completed=handle.tell()),
        )
    print_import(report, as_json)


chatlog_app = typer.Typer(help="微信（chatlog）：拉取聊天记录", no_args_is_help=True)


@chatlog_app.command("pull")
@guarded
def chatlog_pull(
    talker: Annotated[str, typer.Option("--talker", help="群 ID（xxx@chatroom）、备注或昵称")],
    time_range: Annotated[
        str, typer.Option("--time", help="时间范围，如 2024-01-01~2024-01-31 或 2024-01-02")
    ],
    community: Annotated[str, typer.Option("--community", help="导入到哪个社群（社群标识）")],
    base: Annotated[str, typer.Option("--base", help="chatlog HTTP 服务地址")] = DEFAULT_BASE,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出结果")] = False,
    db: DbOption = None,
) -> None:
    """从 chatlog 的 HTTP 服务拉取一个群的聊天记录；引擎判定写成运营提醒，重复拉取不重复存。"""
    if not community.strip():
        raise InvalidInput("--community 不能为空")
    engine = open_database(db)
    report = pull(engine, community.strip(), talker, time_range, base=base)
    print_import(report, as_json)
    if not as_json and report.alerts:
        console.print(
            f"新增运营提醒 [bold yellow]{report.alerts}[/] 条：请到控制台「载体与导入」处理"
        )
