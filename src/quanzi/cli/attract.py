"""`quanzi fission`, `quanzi reach`, `quanzi influence`: word of mouth, reach and influence."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from quanzi.cli.common import DbOption, open_database
from quanzi.cli.render import console, guarded
from quanzi.domain.attract_ledger import REASONS
from quanzi.errors import InvalidInput

fission_app = typer.Typer(
    help="裂变：任务宝/群裂变的邀请台账、K 因子、裂变周期、邀请树", no_args_is_help=True
)
JsonOption = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]
CampaignOption = Annotated[str | None, typer.Option("--campaign", help="活动标识（默认全部）")]
WindowOption = Annotated[
    float | None,
    typer.Option("--window-hours", help="入群后需留满的小时数（默认 24；已登记的活动用其设置）"),
]


def _emit(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


@fission_app.command("report")
@guarded
def report(
    campaign: CampaignOption = None, window_hours: WindowOption = None,
    as_json: JsonOption = False, db: DbOption = None,
) -> None:  # fmt: skip
    """裂变报告：邀请数、有效数、无效原因、K 因子、裂变周期、各代人数。"""
    from quanzi.analytics.attract_fission import fission_report

    if window_hours is not None and window_hours < 0:
        raise InvalidInput("--window-hours 不能为负数", code="invalid_window")
    data = fission_report(open_database(db), campaign, window_hours)
    if as_json:
        _emit(data)
        return
    console.print(f"邀请 [bold]{data['invites']}[/] 次，有效 [bold green]{data['valid']}[/] 次")
    table = Table("无效/待定原因", "次数")
    for reason, count in data["invalid_by_reason"].items():
        table.add_row(REASONS.get(reason, reason), str(count))
    console.print(table)
    console.print(f"K 因子 {data['k_factor']} · 裂变周期 {data['cycle_time_days']} 天")
    console.print("各代人数（第 0 代为种子用户）：" + " → ".join(map(str, data["generations"])))


@fission_app.command("ledger")
@guarded
def ledger(
    campaign: CampaignOption = None, window_hours: WindowOption = None,
    limit: Annotated[int, typer.Option(help="最多显示多少人")] = 30,
    as_json: JsonOption = False, db: DbOption = None,
) -> None:  # fmt: skip
    """邀请人台账：每人有效、待定、无效邀请数与已达奖励阶段（默认 3/5/10 人）。"""
    from quanzi.analytics.attract_fission import inviter_board, load_ledger

    rows = inviter_board(load_ledger(open_database(db), campaign, window_hours))[:limit]
    if as_json:
        _emit(rows)
        return
    table = Table("邀请人", "有效", "观察期", "无效", "奖励阶段")
    for r in rows:
        table.add_row(f"{r['name']} ({r['person']})", str(r["valid"]), str(r["waiting"]),
                      str(r["invalid"]), str(r["stages"]))  # fmt: skip
    console.print(table)


@guarded
def reach(
    community: Annotated[str | None, typer.Option("--community", help="社群标识")] = None,
    as_json: JsonOption = False, db: DbOption = None,
) -> None:  # fmt: skip
    """触达：每人 1/2/3 度内可触达人数（均值），对照理想的 30/900/27000。"""
    from quanzi.analytics.attract_graph import reach_report

    data = reach_report(open_database(db), community)
    if as_json:
        _emit(data)
        return
    table = Table("度数", "实际（人均）", "理想")
    for k in (1, 2, 3):
        table.add_row(f"{k} 度", str(data[f"degree{k}"]), str(data["ideal"][f"degree{k}"]))
    console.print(f"共 {data['people']} 人")
    console.print(table)


@guarded
def influence(
    top: Annotated[int, typer.Option("--top", help="显示前 N 名")] = 20,
    as_json: JsonOption = False, db: DbOption = None,
) -> None:  # fmt: skip
    """影响力：KOL / KOC / KOT 排行与理由，标出超级用户。"""
    from quanzi.analytics.attract_influence import influence as ranked

    if top <= 0:
        raise InvalidInput("--top 须为正整数", code="invalid_top")
    rows = ranked(open_database(db), top)
    if as_json:
        _emit(rows)
        return
    table = Table("人", "角色", "得分", "理由")
    for r in rows:
        table.add_row(r["person"], r["role"], f"{r['score']:.1f}", "；".join(r["reasons"]))
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the attract commands to the `quanzi` app."""
    app.add_typer(fission_app, name="fission")
    app.command("reach")(reach)
    app.command("influence")(influence)
