"""`quanzi jielong`: parse one 接龙 message, or replay a thread's re-posts."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from quanzi.cli.render import console, err_console, guarded
from quanzi.domain.events import EventError, parse_line
from quanzi.domain.jielong import parse
from quanzi.domain.jielong_replay import Post, replay
from quanzi.errors import InvalidInput

jielong_app = typer.Typer(help="接龙解析（团购报名）", no_args_is_help=True)


def _read_text(path: Path) -> str:
    if str(path) == "-":
        return sys.stdin.read()
    if not path.is_file():
        raise InvalidInput(f"找不到文件 {path}", code="file_not_found")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path} 不是 UTF-8 文本（第 {exc.start + 1} 字节）") from None


def _print_entries(title: str, entries: list[dict]) -> None:
    table = Table("序号", "名字", "数量", "单位", "备注", title=title or "接龙")
    for entry in entries:
        table.add_row(str(entry["seq"]), str(entry["name"]), str(entry["qty"]),
                      str(entry["unit"] or ""), str(entry["note"]))  # fmt: skip
    console.print(table)


@jielong_app.command("parse")
@guarded
def parse_command(
    file: Annotated[Path, typer.Argument(help="保存一条接龙消息文本的文件（- 为标准输入）")],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
) -> None:
    """解析一条接龙消息：标题、示例行和每一行报名。"""
    result = parse(_read_text(file)).to_dict()
    if as_json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        return
    _print_entries(str(result["title"]), list(result["entries"]))  # type: ignore[call-overload]


@jielong_app.command("replay")
@guarded
def replay_command(
    input_file: Annotated[
        Path, typer.Option("--input", help="同一接龙的 message 事件（JSON Lines）")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
) -> None:
    """重放一个接龙的多次转发：最终名单、每次增删改、每人合计。"""
    posts: list[Post] = []
    for number, line in enumerate(_read_text(input_file).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            event = parse_line(line)
        except EventError as exc:
            err_console.print(f"第 {number} 行已跳过：{exc}")
            continue
        if event.kind != "message":
            err_console.print(f"第 {number} 行已跳过：不是 message 事件（{event.kind}）")
            continue
        posts.append(Post(event.id, event.ts, event.person, str(event.get("text") or "")))
    result = replay(posts)
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
        return
    _print_entries(result.title, [e.to_dict() for e in result.entries])
    for change in result.changes:
        label = {"added": "新增", "edited": "修改", "removed": "删除"}[change.change]
        console.print(f"{change.at.isoformat()} {change.by or ''} {label} {change.name}")
