"""`quanzi groupbuy`: drops, 接龙 capture, pickup lists and their export, GMV."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from quanzi.cli.common import DbOption, open_database
from quanzi.cli.render import console, guarded
from quanzi.errors import InvalidInput

groupbuy_app = typer.Typer(help="团购：开团、接龙采集、取货单与导出、GMV", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="以 JSON 输出")]
DropOption = Annotated[str, typer.Option("--drop", help="团购标识")]


def _emit(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def _deadline(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"--deadline 不是有效时间：{text!r}（例：2026-06-01T22:00+08:00）"
        ) from None
    if parsed.tzinfo is None:
        raise InvalidInput("--deadline 需要带时区，例如 2026-06-01T22:00+08:00")
    return parsed


@groupbuy_app.command("open")
@guarded
def open_command(
    community: Annotated[str, typer.Option(help="团购群标识")],
    item: Annotated[str, typer.Option(help="商品标识")],
    title: Annotated[str, typer.Option(help="接龙标题（用来认出群里的接龙）")],
    price: Annotated[float, typer.Option(help="单价（元）")],
    unit: Annotated[str | None, typer.Option(help="单位，如 箱、斤")] = None,
    stock: Annotated[float | None, typer.Option(help="库存")] = None,
    deadline: Annotated[str | None, typer.Option(help="截单时间，RFC 3339")] = None,
    pickup: Annotated[list[str] | None, typer.Option(help="取货点，可多次给出")] = None,
    db: DbOption = None,
) -> None:
    """开一个团购。"""
    from quanzi.services.groupbuy import open_drop

    drop = open_drop(
        open_database(db), community=community, item=item, title=title, price=price,
        unit=unit, stock=stock, deadline=_deadline(deadline), pickup_points=pickup or [],
    )  # fmt: skip
    console.print(f"已开团 [bold]{drop.key}[/]：{drop.title}")


@groupbuy_app.command("detect")
@guarded
def detect_command(
    community: Annotated[str, typer.Option(help="团购群标识")], db: DbOption = None
) -> None:
    """从团长在群里发起的接龙自动开团，并采集报名。"""
    from quanzi.services.groupbuy import capture, detect_drops

    engine = open_database(db)
    opened = detect_drops(engine, community)
    for key in opened:
        capture(engine, key)
    console.print(f"从接龙识别并开团 {len(opened)} 个")


@groupbuy_app.command("capture")
@guarded
def capture_command(drop: DropOption, as_json: JsonOption = False, db: DbOption = None) -> None:
    """按群里最新的接龙更新取货单；超出库存的报名会被标出。"""
    from quanzi.services.groupbuy import capture

    result = capture(open_database(db), drop)
    if as_json:
        _emit(result.to_dict())
        return
    console.print(
        f"接龙版本 {result.versions} 个：新增 {result.added}，修改 {result.edited}，"
        f"删除 {result.removed}"
    )
    if result.over_stock:
        console.print(f"[bold red]超出库存[/]（请告知团长）：{'、'.join(result.over_stock)}")


@groupbuy_app.command("list")
@guarded
def list_command(
    community: Annotated[str | None, typer.Option(help="只看某个群")] = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """列出团购。"""
    from quanzi.analytics.groupbuy import drops

    rows = drops(open_database(db), community)
    if as_json:
        _emit(rows)
        return
    table = Table("团购", "群", "标题", "单价", "库存", "状态", "报名", "数量", "金额")
    for row in rows:
        table.add_row(row["key"], row["community"], row["title"], f"{row['price']:g}",
                      "" if row["stock"] is None else f"{row['stock']:g}",
                      "进行中" if row["status"] == "open" else "已截单", str(row["lines"]),
                      f"{row['qty']:g}", f"{row['amount']:.2f}")  # fmt: skip
    console.print(table)


@groupbuy_app.command("lines")
@guarded
def lines_command(drop: DropOption, as_json: JsonOption = False, db: DbOption = None) -> None:
    """显示团长的取货/送货单。"""
    from quanzi.analytics.groupbuy import pickup_dicts, pickup_list

    rows = pickup_list(open_database(db), drop)
    if as_json:
        _emit(pickup_dicts(rows))
        return
    table = Table("编号", "序号", "名字", "数量", "备注", "金额", "付款", "取货", title=drop)
    for r in rows:
        name = f"[red]{r.name}（超库存）[/]" if r.over_stock else r.name
        paid, picked = ("✓" if r.paid else ""), ("✓" if r.picked_up else "")
        quantity = f"{r.qty:g}{r.unit or ''}"
        table.add_row(str(r.id), str(r.seq or ""), name, quantity, r.note, f"{r.amount:.2f}",
                      paid, picked)  # fmt: skip
    console.print(table)


@groupbuy_app.command("mark")
@guarded
def mark_command(
    drop: DropOption,
    line: Annotated[int, typer.Option(help="取货单编号（groupbuy lines 的第一列）")],
    paid: Annotated[bool | None, typer.Option("--paid/--unpaid", help="付款")] = None,
    picked_up: Annotated[bool | None, typer.Option("--picked-up/--not-picked-up")] = None,
    db: DbOption = None,
) -> None:
    """标记付款或取货。"""
    from quanzi.services.groupbuy import mark

    if paid is None and picked_up is None:
        raise InvalidInput("请给出 --paid/--unpaid 或 --picked-up/--not-picked-up")
    row = mark(open_database(db), drop, line, paid=paid, picked_up=picked_up)
    console.print(f"已更新 {row.name}：付款 {'是' if row.paid else '否'}，"
                  f"取货 {'是' if row.picked_up else '否'}")  # fmt: skip


@groupbuy_app.command("export")
@guarded
def export_command(
    drop: DropOption,
    fmt: Annotated[str, typer.Option("--format", help="xlsx 或 csv")] = "xlsx",
    out: Annotated[Path | None, typer.Option("--out", help="输出文件")] = None,
    db: DbOption = None,
) -> None:
    """导出取货单为 XLSX 或 CSV。"""
    from quanzi.analytics.groupbuy import pickup_list
    from quanzi.analytics.groupbuy_export import FORMATS, write_pickup_list

    if fmt not in FORMATS:
        raise InvalidInput(f"--format 应为 {' 或 '.join(FORMATS)}")
    engine = open_database(db)
    rows = pickup_list(engine, drop)
    path = out or Path(f"{drop}.{fmt}")
    if not path.parent.is_dir():
        raise InvalidInput(f"目录不存在：{path.parent}")
    write_pickup_list(rows, path, fmt, title=f"取货单 {drop}")
    console.print(f"已导出 {len(rows)} 行 → {path}")


@groupbuy_app.command("report")
@guarded
def report_command(as_json: JsonOption = False, db: DbOption = None) -> None:
    """团购 GMV：按群、团长、商品、日；首购与复购。"""
    from quanzi.analytics.groupbuy import gmv_report

    report = gmv_report(open_database(db))
    if as_json:
        _emit(report)
        return
    console.print(
        f"GMV ¥{report['gmv']:,.2f} · 订单 {report['orders']} · 买家 {report['buyers']}"
        f"（复购 {report['repeat_buyers']}）· 复购率 {report['repeat_rate']}"
    )
    for title, key in (("按群", "by_group"), ("按团长", "by_leader"), ("按商品", "by_product")):
        table = Table(title, "GMV", "订单", title=title)
        for row in report[key][:15]:
            table.add_row(str(row["key"]), f"{row['gmv']:,.2f}", str(row["orders"]))
        console.print(table)


@groupbuy_app.command("close-due")
@guarded
def close_due_command(db: DbOption = None) -> None:
    """把已过截单时间的团购截单。"""
    from quanzi.services.groupbuy import close_due

    closed = close_due(open_database(db))
    shown = "、".join(closed[:10]) + ("……" if len(closed) > 10 else "")
    console.print(f"已截单 {len(closed)} 个：{shown}" if closed else "没有到期的团购")


@groupbuy_app.command("arrived")
@guarded
def arrived_command(
    item: Annotated[str, typer.Option(help="到货的商品标识")],
    text: Annotated[str | None, typer.Option(help="通知内容（默认自动生成）")] = None,
    db: DbOption = None,
) -> None:
    """给买过或开团过这个商品的群发“到货了”通知（由机器人发送，微信群可手动转发）。"""
    from quanzi.services.groupbuy_notices import announce_arrival

    groups = announce_arrival(open_database(db), item, text=text)
    console.print(f"已为 {len(groups)} 个群排队到货通知：{'、'.join(groups)}")


@groupbuy_app.command("notices")
@guarded
def notices_command(as_json: JsonOption = False, db: DbOption = None) -> None:
    """列出等待发送的群通知。"""
    from quanzi.analytics.groupbuy import pending_notices

    rows = pending_notices(open_database(db))
    if as_json:
        _emit(rows)
        return
    for row in rows:
        console.print(f"#{row['id']} [{row['community']}] {row['text']}")
    if not rows:
        console.print("没有待发送的通知")


@groupbuy_app.command("commission")
@guarded
def commission_command(
    community: Annotated[str, typer.Option(help="团购群标识")],
    rate: Annotated[float, typer.Option(help="团长佣金比例，0.1 即 10%")],
    db: DbOption = None,
) -> None:
    """设置团长佣金比例（按该群已付款订单金额计）。"""
    from quanzi.services.groupbuy_notices import set_commission

    set_commission(open_database(db), community, rate)
    console.print(f"{community} 的团长佣金比例设为 {rate:.0%}")


@groupbuy_app.command("order")
@guarded
def order_command(
    drop: DropOption,
    name: Annotated[str, typer.Option(help="取货单上的名字")],
    qty: Annotated[float, typer.Option(help="数量")] = 1,
    note: Annotated[str, typer.Option(help="备注")] = "",
    db: DbOption = None,
) -> None:
    """手工下单（电话、私聊等接龙之外的订单）。"""
    from quanzi.services.groupbuy import add_order

    line = add_order(open_database(db), drop, name=name, qty=qty, note=note, source="manual")
    warn = "（[red]超出库存[/]）" if line.over_stock else ""
    console.print(f"已加入取货单：{line.name} {line.qty:g}，¥{line.amount:.2f}{warn}")
