"""`quanzi db`, `quanzi stats`, `quanzi users` and `quanzi people`."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from quanzi.cli.common import DbOption, open_database
from quanzi.cli.render import console, guarded
from quanzi.config import get_settings
from quanzi.domain import vocab
from quanzi.errors import InvalidInput
from quanzi.store import migrate
from quanzi.store.db import get_engine

db_app = typer.Typer(help="数据库结构（迁移）", no_args_is_help=True)
users_app = typer.Typer(help="控制台账号", no_args_is_help=True)
people_app = typer.Typer(help="个人信息（PIPL：查阅与删除）", no_args_is_help=True)


@db_app.command("upgrade")
@guarded
def db_upgrade(db: DbOption = None) -> None:
    """把数据库结构升级到最新版本。"""
    engine = get_engine(db or get_settings().database_url)
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    console.print(f"数据库结构：{before or '（空）'} → [bold]{after}[/]")


@db_app.command("current")
@guarded
def db_current(db: DbOption = None) -> None:
    """显示数据库结构的当前版本。"""
    engine = get_engine(db or get_settings().database_url)
    current = migrate.current_revision(engine)
    head = migrate.head_revision(engine)
    state = "最新" if current == head else "需要升级：quanzi db upgrade"
    console.print(f"当前 {current or '（空）'}，程序需要 {head}（{state}）")


@guarded
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出")] = False,
    db: DbOption = None,
) -> None:
    """统计库中的社群、人员、成员关系与事件。"""
    from quanzi.analytics.stats import database_stats

    figures = database_stats(open_database(db))
    if as_json:
        sys.stdout.write(json.dumps(figures, ensure_ascii=False) + "\n")
        return
    print_stats(figures)


def print_stats(figures: dict) -> None:
    """Print the stats as a Chinese table."""
    console.print(
        f"社群 [bold]{figures['communities']}[/] 个 · 人员 [bold]{figures['people']}[/] 人 · "
        f"成员关系 [bold]{figures['memberships']}[/] 条 · 事件 [bold]{figures['events']}[/] 条"
    )
    table = Table("事件类型", "kind", "数量", title="事件构成")
    for kind, count in sorted(figures["events_by_kind"].items(), key=lambda kv: -kv[1]):
        table.add_row(vocab.KINDS.get(kind, kind), kind, str(count))
    console.print(table)


@users_app.command("add")
@guarded
def users_add(
    name: Annotated[str, typer.Argument(help="登录名")],
    role: Annotated[str, typer.Option(help="角色：admin / operator / viewer")] = "operator",
    db: DbOption = None,
) -> None:
    """添加控制台账号；密码从提示输入，或从标准输入读一行。"""
    from quanzi.services.operators import add_operator

    if role not in vocab.OPERATOR_ROLES:
        raise InvalidInput(f"角色 {role!r} 无效，应为：{'、'.join(vocab.OPERATOR_ROLES)}")
    engine = open_database(db)
    if sys.stdin.isatty():
        password = typer.prompt("密码", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    operator = add_operator(engine, name, password, role)
    console.print(f"已添加账号 [bold]{operator.username}[/]（{vocab.OPERATOR_ROLES[role]}）")


@people_app.command("export")
@guarded
def people_export(
    key: Annotated[str, typer.Argument(help="人员标识，如 qq:10001")],
    db: DbOption = None,
) -> None:
    """以 JSON 导出库中关于此人的全部数据。"""
    from quanzi.services.privacy import export_person

    data = export_person(open_database(db), key)
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


@people_app.command("forget")
@guarded
def people_forget(
    key: Annotated[str, typer.Argument(help="人员标识，如 qq:10001")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="不再确认")] = False,
    db: DbOption = None,
) -> None:
    """删除此人的个人信息并匿名化其事件（总数与金额保留）。"""
    from quanzi.services.privacy import forget_person

    engine = open_database(db)
    if not yes and not typer.confirm(f"确认删除 {key} 的个人信息？此操作不可撤销"):
        raise typer.Abort()
    result = forget_person(engine, key)
    console.print(
        f"已删除个人信息，此人现记为 [bold]{result['person']}[/]，"
        f"匿名化事件 {result['events_anonymised']} 条"
    )
