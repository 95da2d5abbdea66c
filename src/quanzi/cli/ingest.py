"""`quanzi ingest`: load a JSON Lines file of canonical events."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from quanzi.cli.common import DbOption, open_database
from quanzi.cli.render import console, err_console, guarded
from quanzi.errors import InvalidInput
from quanzi.services.ingest import IngestReport, ingest_lines

MAX_REJECTIONS_SHOWN = 20


class ByteCounter:
    """Yields a file's raw lines while counting the bytes read, for the progress bar."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.bytes = 0

    def __iter__(self) -> Iterator[bytes]:
        for line in self.handle:
            self.bytes += len(line)
            yield line


def print_report(report: IngestReport, as_json: bool) -> None:
    """Print an ingest report as the JSON contract or as a short Chinese summary."""
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
        return
    console.print(
        f"读取 [bold]{report.read}[/] 条，新存入 [bold green]{report.stored}[/] 条，"
        f"重复 {report.duplicates} 条，拒收 [bold red]{len(report.rejected)}[/] 条"
    )
    for rejection in report.rejected[:MAX_REJECTIONS_SHOWN]:
        console.print(f"  第 {rejection.line} 行：{rejection.reason}")
    if len(report.rejected) > MAX_REJECTIONS_SHOWN:
        console.print(
            f"  …… 另有 {len(report.rejected) - MAX_REJECTIONS_SHOWN} 行被拒收"
            "（用 --json 查看全部）"
        )


@guarded
def ingest(
    file: Annotated[Path, typer.Argument(help="JSON Lines 事件文件（- 表示标准输入）")],
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出结果")] = False,
    db: DbOption = None,
    batch_size: Annotated[int, typer.Option(help="每批写入的事件数")] = 2000,
) -> None:
    """导入规范事件文件（EVENTS.md 格式），可重复运行而不产生重复。"""
    if batch_size < 1:
        raise InvalidInput("--batch-size 至少为 1")
    engine = open_database(db)
    if str(file) == "-":
        report = ingest_lines(engine, sys.stdin.buffer, batch_size=batch_size)
    else:
        if not file.is_file():
            raise InvalidInput(f"找不到文件 {file}", code="file_not_found")
        size = file.stat().st_size
        with file.open("rb") as handle:
            counter = ByteCounter(handle)
            with Progress(
                TextColumn("导入事件"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=err_console,
                transient=True,
            ) as progress:
                task = progress.add_task("ingest", total=size)
                report = ingest_lines(
                    engine,
                    counter,
                    batch_size=batch_size,
                    progress=lambda _line: progress.update(task, completed=counter.bytes),
                )
    print_report(report, as_json)
