"""Retain commands: `quanzi stages`, `health`, `questions`, `report daily`, `churn`, `cohorts`,
`calendar`."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from quanzi.cli.common import DbOption, open_database
from quanzi.cli.render import console, err_console, guarded
from quanzi.domain.retain_stages import LABELS, STAGES
from quanzi.errors import InvalidInput

report_app = typer.Typer(help="报表：社群日报", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]
CommunityOption = Annotated[str | None, typer.Option("--community", help="社群 key")]
Required = Annotated[str, typer.Option("--community", help="社群 key")]


def _emit(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def parse_date(value: str | None, option: str) -> date | None:
    """Parse YYYY-MM-DD, or say in Chinese which option is wrong."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{option} 应为 YYYY-MM-DD 格式的日期，实际是 {value!r}") from None


@guarded
def stages(
    community: CommunityOption = None,
    as_json: JsonOption = False,
    recompute: Annotated[
        bool | None,
        typer.Option("--recompute/--no-recompute", help="重新计算阶段（默认：有新事件时）"),
    ] = None,
    rules: Annotated[
        Path | None, typer.Option("--rules", help="阶段与互动分规则（TOML 文件）")
    ] = None,
    parquet: Annotated[
        Path | None,
        typer.Option(
            "--parquet",
            help="从这个 parquet 导出读取事件来重算（DuckDB，大库快得多）；"
            "导出须截至库中最新事件（quanzi analytics export --to parquet DIR）",
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """关系阶段：普通用户 → 会员 → 粉丝 → 铁粉 → 合伙人，以及阶段之间的流动。"""
    from quanzi.analytics.retain_stages import stage_summary
    from quanzi.domain.retain_config import RetainConfig, config_from_toml
    from quanzi.services.retain_stages import needs_recompute, recompute_stages

    engine = open_database(db)
    config = RetainConfig()
    if rules is not None:
        try:
            text = rules.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"无法读取规则文件 {rules}：{exc}") from None
        config = config_from_toml(text, f"规则文件 {rules}")
    if parquet is not None and recompute is False:
        raise InvalidInput("--parquet 用于重新计算，不能与 --no-recompute 同时使用")
    wanted = rules is not None or parquet is not None or needs_recompute(engine)
    if recompute or (recompute is None and wanted):
        report = recompute_stages(engine, config, parquet=parquet)
        if not as_json:
            err_console.print(
                f"已重新计算 {report.people} 人的阶段（{report.checkpoints} 个周检查点，"
                f"{report.changes} 次变化）"
            )
    summary = stage_summary(engine, community)
    if as_json:
        _emit(summary)
        return
    table = Table("阶段", "stage", "人数", title="关系阶段")
    for stage in STAGES:
        table.add_row(LABELS[stage], stage, str(summary["stages"][stage]))
    console.print(table)
    flows = Table("从", "到", "人次", title="阶段流动")
    for flow in summary["flows"]:
        flows.add_row(LABELS[flow["from"]], LABELS[flow["to"]], str(flow["count"]))
    console.print(flows)


@guarded
def health(
    community: CommunityOption = None, as_json: JsonOption = False, db: DbOption = None
) -> None:
    """社群健康：五脏（日报、文件、活动、闭门会、团建）是否齐全、是否按时，以及健康分。"""
    from quanzi.analytics.retain_health import health_report
    from quanzi.domain.retain_organs import LABELS as ORGAN_LABELS

    rows = health_report(open_database(db), community)
    if as_json:
        _emit(
            [
                {k: r[k] for k in ("community", "score", "organs", "reasons", "warning")}
                for r in rows
            ]
        )
        return
    table = Table("社群", "健康分", "五脏", "原因", title="社群健康")
    for row in sorted(rows, key=lambda r: r["score"]):
        five = " ".join(
            ("✓" if row["organs"][o]["present"] else "✗") + ORGAN_LABELS[o]
            for o in ("daily_report", "file", "activity", "closed_meeting", "team_building")
        )
        score = f"[red]{row['score']}[/]" if row["warning"] else str(row["score"])
        table.add_row(row["name"], score, five, "\n".join(row["reasons"][:3]) or "—")
    console.print(table)


@guarded
def questions(
    community: Required,
    since: Annotated[str | None, typer.Option("--since", help="从此日期起（YYYY-MM-DD）")] = None,
    summary: Annotated[bool, typer.Option("--summary", help="只输出汇总")] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """提问与响应：每个问题的首次回复时间（群主、管理员、运营、KOL 的回复），未回复列表。"""
    from quanzi.analytics.retain_questions import question_list, question_summary

    engine = open_database(db)
    day = parse_date(since, "--since")
    if summary:
        data = question_summary(engine, community, day)[0]
        if as_json:
            _emit(data)
        else:
            _print_summary(data)
        return
    listed = question_list(engine, community, day)
    if as_json:
        _emit(listed)
        return
    _print_summary(question_summary(engine, community, day)[0])
    table = Table("提问消息", "提问时间", "首次回复", "用时", title="最近 20 个问题")
    for item in listed[-20:]:
        wait = f"{item['seconds'] // 60} 分钟" if item["seconds"] is not None else "[red]未回复[/]"
        table.add_row(
            item["message"], item["asked_at"][:16], (item["answered_at"] or "—")[:16], wait
        )
    console.print(table)


def _print_summary(data: dict[str, Any]) -> None:
    def minutes(value: int | None) -> str:
        return "—" if value is None else f"{value / 60:.1f} 分钟"

    share = data["unanswered_share"]
    console.print(
        f"{data['name']}：提问 [bold]{data['questions']}[/] 个，已回复 {data['answered']}，"
        f"未回复 {data['unanswered']}（{(share or 0):.1%}）；首次回复中位数 "
        f"{minutes(data['median_seconds'])}，P90 {minutes(data['p90_seconds'])}"
    )


@report_app.command("daily")
@guarded
def report_daily(
    community: Required,
    day: Annotated[str, typer.Option("--date", help="日期（YYYY-MM-DD）")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """社群日报：入群退群、活跃、活跃之星、待回复问题、订单与成交额、近期活动。"""
    from quanzi.analytics.retain_report import daily_report

    report = daily_report(open_database(db), community, parse_date(day, "--date") or date.today())
    if as_json:
        _emit(report)
    else:
        sys.stdout.write(report["text"] + "\n")


@guarded
def churn(
    community: CommunityOption = None, as_json: JsonOption = False, db: DbOption = None
) -> None:
    """流失预警：曾经活跃、已沉默 7–28 天的成员，以及未续费的付费成员。"""
    from quanzi.analytics.retain_churn import churn_report

    data = churn_report(open_database(db), community)
    if as_json:
        _emit(data)
        return
    table = Table("人员", "阶段", "最后活跃", "沉默天数", "活跃天数", title="流失风险")
    for item in data["at_risk"]:
        stage = LABELS.get(item["stage"] or "user", "")
        table.add_row(
            item["name"],
            stage,
            item["last_active"][:10],
            str(item["days_silent"]),
            str(item["active_days"]),
        )
    console.print(table)
    console.print(f"未续费（已过期或 30 天内到期）的付费成员：{len(data['not_renewing'])} 人")


@guarded
def cohorts(
    community: CommunityOption = None,
    by: Annotated[str, typer.Option("--by", help="week（入群周）或 source（来源）")] = "week",
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """留存队列：按入群周或来源，第 N 周仍活跃的比例。"""
    from quanzi.analytics.retain_churn import cohorts as cohort_rows

    if by not in ("week", "source"):
        raise InvalidInput(f"--by 应为 week 或 source，实际是 {by!r}")
    rows = cohort_rows(open_database(db), community, by)
    if as_json:
        _emit(rows)
        return
    table = Table("队列", "人数", "第 1 周", "第 4 周", "第 8 周", "仍在群", title="留存")
    for row in rows:
        ret = row["retention"]
        cells = [f"{ret[i]:.0%}" if len(ret) > i else "—" for i in (1, 4, 8)]
        table.add_row(
            row.get("label", row["cohort"]), str(row["size"]), *cells, f"{row['still_members']:.0%}"
        )
    console.print(table)


@guarded
def calendar(
    community: CommunityOption = None,
    start: Annotated[str | None, typer.Option("--date", help="起始日期（YYYY-MM-DD）")] = None,
    days: Annotated[int, typer.Option("--days", help="天数")] = 7,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """运营日历（SOP）：每日话题、日报、每周 KOL 分享、每月沙龙，完成、待办与逾期。"""
    from quanzi.analytics.retain_calendar import calendar as build

    if not 1 <= days <= 366:
        raise InvalidInput("--days 应在 1 到 366 之间")
    rows = build(open_database(db), community, parse_date(start, "--date"), days)
    if as_json:
        _emit(rows)
        return
    table = Table("社群", "完成", "待办", "逾期", "计划中", title="运营日历")
    for row in rows:
        c = row["counts"]
        table.add_row(
            row["name"],
            str(c["done"]),
            str(c["due"]),
            f"[red]{c['overdue']}[/]",
            str(c["upcoming"]),
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the retain commands to the `quanzi` app."""
    for name, command in (
        ("stages", stages),
        ("health", health),
        ("questions", questions),
        ("churn", churn),
        ("cohorts", cohorts),
        ("calendar", calendar),
    ):
        app.command(name)(command)
    app.add_typer(report_app, name="report")
