"""`quanzi ladder tasks|segments|offers`: define them, list them with live figures."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from quanzi.cli.common import DbOption, open_database, parse_day
from quanzi.cli.ladder import JsonOption, percent, yuan
from quanzi.cli.render import console, guarded

tasks_app = typer.Typer(help="升级任务：完成目标，获得下一档优惠", no_args_is_help=True)
segments_app = typer.Typer(help="人群包：保存的筛选条件与实时人数", no_args_is_help=True)
offers_app = typer.Typer(help="优惠：发给人群包或意向分层", no_args_is_help=True)


@tasks_app.command("add")
@guarded
def tasks_add(
    key: Annotated[str, typer.Argument(help="任务标识，如 silver-to-gold")],
    name: Annotated[str, typer.Option(help="任务名称")],
    community: Annotated[str, typer.Option(help="任务所在档位社群")],
    metric: Annotated[str, typer.Option(help="attend / speak_days / invite / spend")],
    target: Annotated[float, typer.Option(help="目标：次数、天数、人数或金额")],
    start: Annotated[str, typer.Option(help="开始日期 2026-05-01")],
    end: Annotated[str, typer.Option(help="结束日期 2026-05-31（含）")],
    reward: Annotated[str, typer.Option(help="percent / fixed / price")],
    value: Annotated[float, typer.Option(help="减百分之几、减多少元，或专享价")],
    redeem_until: Annotated[str | None, typer.Option(help="兑换截止日期（默认任务结束）")] = None,
    to: Annotated[str | None, typer.Option("--to", help="奖励的档位（默认下一档）")] = None,
    anywhere: Annotated[bool, typer.Option(help="活动与发言在任何群都算")] = False,
    db: DbOption = None,
) -> None:
    """定义升级任务。"""
    from quanzi.services.ladder import create_task

    task = create_task(
        open_database(db), key=key, name=name, community=community, metric=metric,
        target=target, starts_at=parse_day(start, "--start"),
        ends_at=parse_day(end, "--end", end=True), reward_kind=reward, reward_value=value,
        redeem_until=parse_day(redeem_until, "--redeem-until", end=True) if redeem_until else None,
        target_community=to, anywhere=anywhere, actor="cli",
    )  # fmt: skip
    console.print(f"已添加任务 [bold]{task.key}[/]")


def task_dict(view: Any) -> dict[str, Any]:
    """A task's figures as plain JSON."""
    task = view.task
    return {
        "key": task.key,
        "name": task.name,
        "community": view.community,
        "to": view.target,
        "metric": task.metric,
        "target": task.target,
        "starts": task.starts_at.isoformat(),
        "ends": task.ends_at.isoformat(),
        "reward": {"kind": task.reward_kind, "value": task.reward_value},
        "list_price": view.list_price,
        "reward_price": view.reward_price,
        "eligible": len(view.progress),
        "completed": len(view.completers),
        "redemptions": view.redemptions,
        "effect": view.effect.to_dict() if view.effect else None,
    }


@tasks_app.command("list")
@guarded
def tasks_list(as_json: JsonOption = False, db: DbOption = None) -> None:
    """列出升级任务：参与人数、完成人数、完成者与其他人的升级率。"""
    from quanzi.analytics.ladder_tasks import task_views
    from quanzi.domain.ladder_tasks import describe_reward

    views = task_views(open_database(db))
    if as_json:
        sys.stdout.write(json.dumps([task_dict(v) for v in views], ensure_ascii=False) + "\n")
        return
    table = Table(
        "任务", "档位 → 下一档", "奖励", "可参与", "完成", "完成者升级率", "其他人", "兑换"
    )
    for v in views:
        effect = v.effect
        table.add_row(
            f"{v.task.name}\n[dim]{v.task.key}[/]",
            f"{v.community_name} → {v.target_name}",
            f"{describe_reward(v.task.reward_kind, v.task.reward_value)}\n{yuan(v.reward_price)}",
            str(len(v.progress)),
            str(len(v.completers)),
            percent(effect.completers.rate if effect else None),
            percent(effect.others.rate if effect else None),
            str(v.redemptions),
        )
    console.print(table)


@tasks_app.command("redeem")
@guarded
def tasks_redeem(
    key: Annotated[str | None, typer.Argument(help="任务标识（默认全部）")] = None,
    db: DbOption = None,
) -> None:
    """记录兑换：完成任务后在截止前买了下一档的人。"""
    from quanzi.services.ladder import record_redemptions

    added = record_redemptions(open_database(db), key, actor="cli")
    console.print(f"新记录兑换 {added} 条")


def _filters(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, [], "")}


@segments_app.command("add")
@guarded
def segments_add(
    key: Annotated[str, typer.Argument(help="人群包标识")],
    name: Annotated[str, typer.Option(help="名称")],
    region: Annotated[list[str] | None, typer.Option(help="地区，可重复")] = None,
    paid: Annotated[list[str] | None, typer.Option(help="付费过的档位，可重复")] = None,
    not_paid: Annotated[list[str] | None, typer.Option(help="未付费的档位，可重复")] = None,
    min_spent: Annotated[float | None, typer.Option(help="最低累计消费（元）")] = None,
    max_spent: Annotated[float | None, typer.Option(help="最高累计消费（元）")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="标签（任一），可重复")] = None,
    stage: Annotated[list[str] | None, typer.Option(help="关系阶段，可重复")] = None,
    stratum: Annotated[list[str] | None, typer.Option(help="意向分层，可重复")] = None,
    community: Annotated[list[str] | None, typer.Option(help="所在社群（任一），可重复")] = None,
    active_days: Annotated[int | None, typer.Option(help="近 N 天活跃")] = None,
    db: DbOption = None,
) -> None:
    """保存人群包（已存在则更新）。"""
    from quanzi.analytics.ladder_segments import count_segment
    from quanzi.domain.ladder_segments import parse_filter
    from quanzi.services.ladder import save_segment

    engine = open_database(db)
    filters = _filters(
        regions=region, rungs_paid=paid, rungs_not_paid=not_paid, min_spent=min_spent,
        max_spent=max_spent, tags=tag, stages=stage, strata=stratum, communities=community,
        active_days=active_days,
    )  # fmt: skip
    row = save_segment(engine, key=key, name=name, filters=filters, actor="cli")
    count = count_segment(engine, parse_filter(row.filters))
    console.print(f"已保存人群包 [bold]{row.key}[/]：当前 {count} 人")


@segments_app.command("list")
@guarded
def segments_list(as_json: JsonOption = False, db: DbOption = None) -> None:
    """列出人群包及其实时人数。"""
    from quanzi.analytics.ladder_views import segment_rows

    rows = segment_rows(open_database(db))
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False) + "\n")
        return
    table = Table("人群包", "条件", "人数")
    for row in rows:
        table.add_row(f"{row['name']}\n[dim]{row['key']}[/]", row["describe"], str(row["count"]))
    console.print(table)


@offers_app.command("add")
@guarded
def offers_add(
    key: Annotated[str, typer.Argument(help="优惠标识")],
    name: Annotated[str, typer.Option(help="名称")],
    item: Annotated[str, typer.Option(help="适用商品或档位，如 tier:ladder-500")],
    kind: Annotated[str, typer.Option(help="percent（减百分之几）或 fixed（立减元）")],
    value: Annotated[float, typer.Option(help="数值：8 折填 20；立减 30 元填 30")],
    start: Annotated[str, typer.Option(help="开始日期")],
    end: Annotated[str, typer.Option(help="结束日期（含）")],
    segment: Annotated[str | None, typer.Option(help="发给的人群包")] = None,
    stratum: Annotated[str | None, typer.Option(help="或发给的意向分层 strong/intent/weak")] = None,
    db: DbOption = None,
) -> None:
    """创建优惠。"""
    from quanzi.services.ladder import create_offer

    offer = create_offer(
        open_database(db), key=key, name=name, kind=kind, value=value, item=item,
        starts_at=parse_day(start, "--start"), ends_at=parse_day(end, "--end", end=True),
        segment=segment, stratum=stratum, actor="cli",
    )  # fmt: skip
    console.print(f"已创建优惠 [bold]{offer.key}[/]")


@offers_app.command("list")
@guarded
def offers_list(as_json: JsonOption = False, db: DbOption = None) -> None:
    """列出优惠：适用对象、原价与优惠价、有效期、受众人数。"""
    from quanzi.analytics.ladder_views import offer_rows

    rows = offer_rows(open_database(db))
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False) + "\n")
        return
    table = Table("优惠", "适用", "优惠", "原价 → 优惠价", "发给", "有效期", "人数")
    for r in rows:
        prices = "—" if r["list_price"] is None else f"{yuan(r['list_price'])} → {yuan(r['price'])}"
        table.add_row(
            f"{r['name']}\n[dim]{r['key']}[/]", r["item"], r["describe"], prices,
            r["audience"], f"{r['starts'][:10]} ~ {r['ends'][:10]}", str(r["count"]),
        )  # fmt: skip
    console.print(table)
