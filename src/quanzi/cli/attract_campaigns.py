"""`quanzi campaign`: stored fission campaigns, inviters' codes and 群活码 groups."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from quanzi.cli.attract import JsonOption
from quanzi.cli.attract import _emit as emit
from quanzi.cli.common import DbOption, open_database, parse_day
from quanzi.cli.render import console, guarded
from quanzi.domain.attract_campaign import CampaignRuleError, parse_stages
from quanzi.errors import InvalidInput

campaign_app = typer.Typer(
    help="裂变活动：登记任务宝/群裂变活动、发邀请码与海报链接、管理群活码", no_args_is_help=True
)
KeyArg = Annotated[str, typer.Argument(help="活动标识（与邀请事件的 campaign 一致）")]
ACTOR = "cli"


@campaign_app.command("add")
@guarded
def add(
    key: KeyArg,
    name: Annotated[str, typer.Option("--name", help="活动名称")],
    communities: Annotated[str, typer.Option("--communities", help="目标社群，逗号分隔")],
    start: Annotated[str, typer.Option("--start", help="开始日期 2026-03-01 或完整时间")],
    end: Annotated[str, typer.Option("--end", help="结束日期 2026-05-31（含）或完整时间")],
    stages: Annotated[str, typer.Option("--stages", help='奖励阶段，如 "3:优惠券,5:水果箱"')],
    stay_hours: Annotated[float, typer.Option("--stay-hours", help="入群后需留满的小时数")] = 24,
    db: DbOption = None,
) -> None:
    """登记一个裂变活动：目标社群、时间、留存观察期、奖励阶段。"""
    from quanzi.services.attract_campaigns import create_campaign

    try:
        parsed = parse_stages(stages)
    except CampaignRuleError as exc:
        raise InvalidInput(str(exc), code="invalid_stages") from None
    create_campaign(
        open_database(db), key=key, name=name, communities=communities.split(","),
        starts_at=parse_day(start, "--start"), ends_at=parse_day(end, "--end", end=True),
        stages=parsed, stay_hours=stay_hours, actor=ACTOR,
    )  # fmt: skip
    console.print(f"已登记活动 [bold]{key}[/]：{name}")


@campaign_app.command("list")
@guarded
def list_(as_json: JsonOption = False, db: DbOption = None) -> None:
    """列出已登记的裂变活动。"""
    from quanzi.analytics.attract_campaign_views import campaign_rows

    rows = campaign_rows(open_database(db))
    if as_json:
        emit(rows)
        return
    table = Table("活动", "名称", "目标社群", "时间", "观察期", "奖励阶段", "状态")
    for r in rows:
        stages = "，".join(f"{s['friends']} 人·{s['reward']}" for s in r["stages"])
        window = f"{r['starts_at'][:10]} — {r['ends_at'][:10]}"
        table.add_row(r["key"], r["name"], "、".join(r["communities"]), window,
                      f"{r['stay_hours']:g} 小时", stages, r["status"])  # fmt: skip
    console.print(table)


@campaign_app.command("close")
@guarded
def close(key: KeyArg, db: DbOption = None) -> None:
    """结束活动：群活码页显示“活动已结束”，台账照常可查。"""
    from quanzi.services.attract_campaigns import close_campaign

    close_campaign(open_database(db), key, actor=ACTOR)
    console.print(f"活动 {key} 已结束")


@campaign_app.command("code")
@guarded
def code(
    key: KeyArg,
    inviter: Annotated[str, typer.Option("--inviter", help="邀请人，如 wx:li")],
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """给邀请人发邀请码与海报链接（同一人同一活动总是同一个码）。"""
    from quanzi.services.attract_campaigns import issue_code

    found, link = issue_code(open_database(db), key, inviter, actor=ACTOR)
    if as_json:
        emit({"campaign": key, "inviter": inviter, "code": found, "link": link})
        return
    console.print(f"邀请码 [bold]{found}[/]\n海报链接 {link}")


@campaign_app.command("group-add")
@guarded
def group_add(
    key: KeyArg,
    community: Annotated[str, typer.Option("--community", help="群（社群标识）")],
    link: Annotated[str, typer.Option("--link", help="入群链接或二维码内容")],
    capacity: Annotated[int, typer.Option("--capacity", help="容量（微信群扫码上限 200）")] = 200,
    expires: Annotated[
        str | None, typer.Option("--expires", help="二维码过期时间（默认 7 天后）")
    ] = None,
    db: DbOption = None,
) -> None:
    """给活动的群活码加一个群（排在已有群之后）。"""
    from quanzi.services.attract_campaigns import add_group

    when = parse_day(expires, "--expires", end=True) if expires else None
    group = add_group(open_database(db), key, community=community, link=link,
                      capacity=capacity, expires_at=when, actor=ACTOR)  # fmt: skip
    console.print(f"已添加群 {community}（编号 {group.id}，第 {group.position} 位）")


@campaign_app.command("group-retire")
@guarded
def group_retire(
    key: KeyArg,
    group: Annotated[int, typer.Option("--group", help="群编号（见 quanzi campaign groups）")],
    db: DbOption = None,
) -> None:
    """把一个群移出群活码轮换。"""
    from quanzi.services.attract_campaigns import retire_group

    retire_group(open_database(db), key, group, actor=ACTOR)
    console.print(f"已停用群 {group}")


def _local(value: str) -> str:
    """Show a stored time in the operators' time zone."""
    from zoneinfo import ZoneInfo

    from quanzi.config import get_settings

    tz = ZoneInfo(get_settings().timezone)
    return datetime.fromisoformat(value).astimezone(tz).strftime("%Y-%m-%d %H:%M")


STATES = {"open": "可加入", "full": "已满", "expired": "二维码过期", "retired": "已停用"}


@campaign_app.command("groups")
@guarded
def groups(key: KeyArg, as_json: JsonOption = False, db: DbOption = None) -> None:
    """群活码：当前指向的群、剩余空位、提醒。"""
    from quanzi.analytics.attract_campaign_views import livecode, livecode_dict

    data = livecode_dict(livecode(open_database(db), key))
    if as_json:
        emit(data)
        return
    table = Table("编号", "群", "人数/容量", "二维码到期", "状态")
    for g in data["groups"]:
        current = " ← 当前" if g["id"] == data["current_group"] else ""
        table.add_row(str(g["id"]), g["name"], f"{g['members']}/{g['capacity']}",
                      _local(g["qr_expires_at"]), STATES[g["state"]] + current)  # fmt: skip
    console.print(table)
    console.print(f"剩余空位 {data['room']} / {data['total']}")
    for warning in data["warnings"]:
        console.print(f"[bold yellow]提醒[/] {warning['message']}")
