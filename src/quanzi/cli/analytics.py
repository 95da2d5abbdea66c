"""`quanzi analytics`: export to parquet, run the metrics on an engine, fill them incrementally."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from quanzi.cli.common import DbOption, open_database
from quanzi.cli.render import console, err_console, guarded
from quanzi.config import get_settings
from quanzi.errors import InvalidInput

analytics_app = typer.Typer(
    help="度量：指标一次定义，在 SQLite、PostgreSQL、DuckDB、Spark 上运行；增量回填",
    no_args_is_help=True,
)
JsonOption = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]
MetricOption = Annotated[
    list[str] | None, typer.Option("--metric", help="只算这个指标，可多次给出（默认全部）")
]


@contextmanager
def _bars(label: Callable[[str], str]) -> Iterator[Callable[[str, int, int], None]]:
    """Progress bars on stderr, one per stage a long job reports as (stage, done, total)."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def advance(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(label(stage), total=total)
            progress.update(tasks[stage], completed=done, total=total)

        yield advance


def _emit(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


@analytics_app.command("export")
@guarded
def export(
    directory: Annotated[Path, typer.Argument(help="导出目录")],
    to: Annotated[str, typer.Option("--to", help="导出格式（目前只有 parquet）")] = "parquet",
    db: DbOption = None,
    json_output: JsonOption = False,
    metrics_only: Annotated[
        bool,
        typer.Option(
            "--metrics-only",
            help="只导出指标所需的列（快得多；不能用于 quanzi stages --parquet）",
        ),
    ] = False,
) -> None:
    """把指标所需的表导出为 parquet（分块、逐文件原子写入，附 manifest.json）。"""
    from quanzi.metrics.export import export_parquet

    if to != "parquet":
        raise InvalidInput(f"不支持的导出格式：{to}（目前只支持 parquet）", code="unknown_format")
    engine = open_database(db)
    with _bars(lambda name: f"导出 {name}（行）") as advance:
        manifest = export_parquet(engine, directory, progress=advance, stages=not metrics_only)
    if json_output:
        _emit(manifest)
        return
    for name, info in manifest["tables"].items():
        console.print(f"{name}.parquet：{info['rows']} 行")
    console.print(f"已导出到 {directory}（截至事件 #{manifest['last_event_id']}）")


@analytics_app.command("run")
@guarded
def run(
    engine: Annotated[
        str, typer.Option("--engine", help="引擎：sqlite、postgres、duckdb 或 spark")
    ] = "sqlite",
    metric: MetricOption = None,
    db: DbOption = None,
    parquet: Annotated[
        Path | None, typer.Option("--parquet", help="parquet 导出目录（duckdb、spark 引擎）")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """在所选引擎上计算指标（按指标、键、日期排序）。"""
    from quanzi.metrics.engines import open_source
    from quanzi.metrics.results import compute
    from quanzi.services.metrics_fill import select_metrics

    metrics = select_metrics(metric)
    url = None
    if engine in ("sqlite", "postgres"):
        url = open_database(db).url.render_as_string(hide_password=False)
    source = open_source(engine, db_url=url, parquet=parquet)
    try:
        rows = compute(source, metrics, get_settings().timezone)
    finally:
        source.close()
    if json_output:
        _emit([row.to_dict() for row in rows])
        return
    labels = {m.name: m.label for m in metrics}
    table = Table("指标", "键", "日期", "值", title=f"指标（{engine}，{len(rows)} 行）")
    for row in rows:
        table.add_row(labels[row.metric], row.key or "（无）", row.day.isoformat(), str(row.value))
    console.print(table)


@analytics_app.command("update")
@guarded
def update(
    metric: MetricOption = None,
    full: Annotated[bool, typer.Option("--full", help="清空后全量重算")] = False,
    via: Annotated[
        str,
        typer.Option(
            "--via",
            help="在哪里计算：store（就在数据库里）或 duckdb（先导出 parquet，大库回填快得多）",
        ),
    ] = "store",
    workdir: Annotated[
        Path | None,
        typer.Option("--workdir", help="--via duckdb 的临时导出目录（默认系统临时目录）"),
    ] = None,
    skip_reports: Annotated[
        bool, typer.Option("--skip-reports", help="只回填指标，不重算控制台报表快照")
    ] = False,
    db: DbOption = None,
    json_output: JsonOption = False,
) -> None:
    """增量回填指标表：只重算新事件触及的日期，可中断后续跑；然后预先算好控制台的报表。"""
    from quanzi.services.metrics_fill import update_metrics
    from quanzi.services.reports import refresh_reports

    engine = open_database(db)

    def label(stage: str) -> str:
        name = stage.removeprefix("export:")
        if stage == "reports":
            return "报表快照（份）"
        return f"导出 {name}（行）" if name != stage else f"指标 {stage}（天）"

    with _bars(label) as advance:
        report = update_metrics(
            engine, metric, full=full, via=via, workdir=workdir, progress=advance
        )
        refreshed = [] if skip_reports else refresh_reports(engine, _report_step(advance))
    computed = sum(r.computed for r in refreshed)
    if json_output:
        _emit({**report.to_dict(), "reports_computed": computed})
        return
    table = Table("指标", "重算天数", "写入行数", "截至事件", title="指标回填")
    for filled in report.metrics:
        table.add_row(filled.metric, str(filled.days), str(filled.rows), str(filled.last_event_id))
    console.print(table)
    if not skip_reports:
        console.print(f"报表快照：重算 {computed} 份，其余 {len(refreshed) - computed} 份已是最新")


def _report_step(advance: Callable[[str, int, int], None]) -> Callable[[int, int, str], None]:
    """Show the report refresh as one more bar of the update."""
    return lambda done, total, _label: advance("reports", done, total)


@analytics_app.command("metrics")
@guarded
def list_metrics(json_output: JsonOption = False) -> None:
    """列出所有指标及其定义。"""
    from quanzi.metrics.definitions import METRICS

    if json_output:
        _emit(
            [
                {
                    "metric": m.name,
                    "label": m.label,
                    "key": m.key,
                    "definition": m.meaning,
                    "description": m.description,
                }
                for m in METRICS.values()
            ]
        )
        return
    table = Table("指标", "中文", "按", "定义", title="指标")
    for m in METRICS.values():
        table.add_row(m.name, m.label, "社群" if m.key == "community" else "活动", m.meaning)
    console.print(table)
