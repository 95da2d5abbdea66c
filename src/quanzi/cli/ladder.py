"""`quanzi ladder`: the paid ladder's report, rung benefits, step-up tasks, segments, offers."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from quanzi.cli.common import DbOption, open_database
from quanzi.cli.render import console, guarded

ladder_app = typer.Typer(
    help="付费阶梯：升级率、付费来源、升级任务、人群包与优惠", no_args_is_help=True
)
JsonOption = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]
LadderOption = Annotated[
    str | None, typer.Option("--ladder", help="阶梯标识（默认 main，或唯一的那个）")
]


def yuan(value: float) -> str:
    """Show a price: 免费 for 0, else ¥ without needless decimals."""
    if not value:
        return "免费"
    return f"¥{value:,.0f}" if float(value).is_integer() else f"¥{value:,.2f}"


def percent(rate: float | None) -> str:
    """Show a share as a percentage, or — when there is no base."""
    return "—" if rate is None else f"{rate * 100:.1f}%"


@ladder_app.command("report")
@guarded
def report(ladder: LadderOption = None, as_json: JsonOption = False, db: DbOption = None) -> None:
    """各档成员、付费人数、收入，升级率与升级天数，以及每档付费者从哪里来。"""
    from quanzi.analytics.ladder import build_ladder

    view = build_ladder(open_database(db), ladder)
    if as_json:
        sys.stdout.write(json.dumps(view.report.to_dict(), ensure_ascii=False) + "\n")
        return
    names = view.names
    price = {r.community: yuan(r.price) for r in view.rungs}
    rungs = Table(
        "档位", "社群", "价格", "成员", "付费人数", "收入", title=f"付费阶梯 {view.report.ladder}"
    )
    for rung in view.report.rungs:
        rungs.add_row(
            names[rung.community],
            rung.community,
            yuan(rung.price),
            f"{rung.members:,}",
            f"{rung.payers:,}",
            yuan(rung.revenue) if rung.revenue else "—",
        )
    console.print(rungs)
    steps = Table("从", "到", "基数", "升级人数", "升级率", "升级天数（中位）", title="逐级升级")
    for step in view.report.step_up:
        steps.add_row(
            price[step.source],
            price[step.target],
            f"{step.base:,}",
            f"{step.stepped:,}",
            percent(step.rate),
            "—" if step.median_days is None else f"{step.median_days:g} 天",
        )
    console.print(steps)
    sources = Table(
        "档位", "付费人数", "付款时所在的最高档", title="付费来源（付款那一刻在哪一档）"
    )
    for target, found in view.report.provenance.items():
        if not found:
            continue
        parts = [
            f"{'阶梯外' if key == 'outside' else names.get(key, key)} {count}"
            for key, count in found.items()
        ]
        sources.add_row(names[target], str(sum(found.values())), "、".join(parts))
    console.print(sources)
    for claim in view.claims():
        if claim.payers:
            below = f"{claim.below_name}（{yuan(claim.below_price)}）"
            console.print(
                f"{yuan(claim.price)} 付费者 {claim.payers} 人中，{claim.from_below} 人"
                f"（{percent(claim.share)}）付款时在 {below}"
            )


@ladder_app.command("benefits")
@guarded
def benefits(
    community: Annotated[str, typer.Argument(help="档位社群标识，如 ladder-500")],
    add: Annotated[
        list[str] | None,
        typer.Option("--set", help="权益“类型=说明”，可重复；类型见 docs/ladder.md"),
    ] = None,
    db: DbOption = None,
) -> None:
    """查看或设置某一档承诺的权益（每日内容、每月活动、闭门会议、团建……）。"""
    from quanzi.analytics.ladder import load_benefits
    from quanzi.errors import InvalidInput
    from quanzi.services.ladder import set_benefits
    from quanzi.store import models as m
    from quanzi.store.db import reading

    engine = open_database(db)
    if add:
        pairs = []
        for item in add:
            kind, sep, text = item.partition("=")
            if not sep:
                raise InvalidInput(
                    f"--set 应为“类型=说明”，例如 closed_meeting=每月闭门会，实际为 {item!r}"
                )
            pairs.append((kind, text))
        count = set_benefits(engine, community, pairs, actor="cli")
        console.print(f"已为 {community} 设置 {count} 项权益")
    with reading(engine) as session:
        row = session.query(m.Community).filter(m.Community.key == community).one_or_none()
        found = load_benefits(session, {row.id: row.key}) if row else {}
    for benefit in found.get(community, []):
        console.print(f"· [bold]{benefit.label}[/]：{benefit.text}")
    if not found.get(community):
        console.print(f"{community} 还没有设置权益")


@ladder_app.command("seed-demo")
@guarded
def seed_demo_command(db: DbOption = None) -> None:
    """为演示数据建立阶梯权益、升级任务、人群包与优惠（已存在的不重复建）。"""
    from quanzi.services.ladder import record_redemptions
    from quanzi.services.ladder_demo import seed_demo

    engine = open_database(db)
    created = seed_demo(engine)
    redeemed = record_redemptions(engine, actor="cli")
    console.print(f"新建 {created} 项，记录兑换 {redeemed} 条")


# Sub-commands live in their own module; imported last because they reuse the helpers above.
from quanzi.cli.ladder_more import offers_app, segments_app, tasks_app  # noqa: E402

ladder_app.add_typer(tasks_app, name="tasks")
ladder_app.add_typer(segments_app, name="segments")
ladder_app.add_typer(offers_app, name="offers")
