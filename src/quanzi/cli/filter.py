"""`quanzi screen` and `quanzi moderate`: the filter's command-line contract."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from quanzi.cli.common import DbOption, open_database
from quanzi.cli.render import console, err_console, guarded
from quanzi.domain import filter_rules
from quanzi.domain.events import EventError
from quanzi.errors import InvalidInput

screen_app = typer.Typer(
    help="入群审核：按规则判定入群申请（通过 / 人工审核 / 拒绝）并给出理由",
    invoke_without_command=True,
)
avatars_app = typer.Typer(help="网红/盗图头像黑名单", no_args_is_help=True)
screen_app.add_typer(avatars_app, name="avatars")
T = TypeVar("T")

InputOption = Annotated[
    Path | None, typer.Option("--input", "-i", help="JSON Lines 输入文件（- 表示标准输入）")
]
RulesOption = Annotated[Path | None, typer.Option("--rules", help="TOML 规则文件（覆盖默认规则）")]
JsonOption = Annotated[bool, typer.Option("--json", help="每行输出一个 JSON 结果")]


def read_rules(path: Path | None) -> dict[str, Any]:
    """Load the defaults with a rules file laid over them; a bad file is a Chinese error."""
    if path is None:
        return filter_rules.DEFAULTS
    if not path.is_file():
        raise InvalidInput(f"找不到规则文件 {path}", code="file_not_found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"规则文件 {path} 不是 UTF-8 文本", code="invalid_rules") from None
    try:
        return filter_rules.load(text, names=(f"规则文件 {path} ",))
    except filter_rules.RulesError as exc:
        raise InvalidInput(str(exc), code="invalid_rules") from None


def read_lines(path: Path, parse: Callable[[Any], T]) -> Iterator[tuple[int, T | str]]:
    """Yield (line number, parsed item or the Chinese reason it is bad), skipping blanks."""
    if str(path) != "-" and not path.is_file():
        raise InvalidInput(f"找不到文件 {path}", code="file_not_found")
    handle = sys.stdin if str(path) == "-" else path.open(encoding="utf-8-sig")
    try:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield number, parse(json.loads(line))
            except json.JSONDecodeError as exc:
                yield number, f"不是有效的 JSON：{exc.msg}（第 {exc.colno} 列）"
            except EventError as exc:
                yield number, str(exc)
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} 不是 UTF-8 文本", code="invalid_input") from None
    finally:
        if handle is not sys.stdin:
            handle.close()


def emit(line: dict[str, Any]) -> None:
    """Write one JSON result line."""
    sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")


def bad_line(number: int, reason: str, as_json: bool) -> None:
    """Report a line that could not be read, on stderr, and carry on with the rest."""
    if as_json:
        sys.stderr.write(json.dumps({"line": number, "error": reason}, ensure_ascii=False) + "\n")
    else:
        err_console.print(f"[red]第 {number} 行[/]：{reason}")


@screen_app.callback()
@guarded
def screen(
    ctx: typer.Context,
    input: InputOption = None,
    rules: RulesOption = None,
    as_json: JsonOption = False,
) -> None:
    """按规则判定入群申请：每行一个 join_request（含 id），无需数据库。"""
    if ctx.invoked_subcommand is not None:
        return
    if input is None:
        raise InvalidInput(
            "请用 --input 指定 JSON Lines 文件，或使用子命令（quanzi screen --help）"
        )
    from quanzi.domain.screening import Screener
    from quanzi.domain.screening_stream import StreamHistory, request_from_raw

    screener = Screener(read_rules(rules))
    history = StreamHistory(screener)
    for number, item in read_lines(input, request_from_raw):
        if isinstance(item, str):
            bad_line(number, item, as_json)
            continue
        verdict = screener.screen(item, history.before(item))
        history.record(item, verdict)
        if as_json:
            emit(verdict.to_dict(item.id))
        else:
            why = "；".join(f"{r.rule}：{r.detail}" for r in verdict.reasons) or "—"
            console.print(
                f"{item.id}\t[bold]{verdict.verdict}[/]\t{why}", highlight=False, soft_wrap=True
            )


@guarded
def moderate(
    input: InputOption = None, rules: RulesOption = None, as_json: JsonOption = False
) -> None:
    """按规则处理群消息（放行 / 警告 / 撤回 / 禁言 / 移出），每行一条 message。"""
    from quanzi.domain.moderation import Moderator, message_from_raw

    if input is None:
        raise InvalidInput("请用 --input 指定 JSON Lines 文件")
    moderator = Moderator(read_rules(rules))
    for number, item in read_lines(input, message_from_raw):
        if isinstance(item, str):
            bad_line(number, item, as_json)
            continue
        decision = moderator.moderate(item)
        if as_json:
            emit(decision.to_dict(item.id))
        else:
            why = "；".join(f"{r.rule}：{r.detail}" for r in decision.reasons) or "—"
            console.print(
                f"{item.id}\t[bold]{decision.action}[/]\t{why}", highlight=False, soft_wrap=True
            )


def _since(value: str) -> datetime:
    from quanzi.domain.screening_stream import parse_when

    try:
        return parse_when(value)
    except EventError:
        raise InvalidInput(f"--since 应为日期，如 2026-05-01，实际为 {value!r}") from None


@screen_app.command("backtest")
@guarded
def backtest(
    community: Annotated[str, typer.Option("--community", help="社群 key")],
    since: Annotated[str, typer.Option("--since", help="从哪天起，如 2026-05-01")],
    rules: RulesOption = None,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """回测：用一套规则重判过去的入群申请，并统计误拒了多少后来付费的人。"""
    from quanzi.services.screening_replay import replay

    text = None
    if rules is not None:
        read_rules(rules)  # a bad file is reported with its line before any database work
        text = rules.read_text(encoding="utf-8")
    result = replay(open_database(db), community, since=_since(since), rules=text).summary()
    if as_json:
        emit(result)
        return
    v = result["verdicts"]
    console.print(
        f"社群 [bold]{community}[/] 自 {since} 起 {result['requests']} 个申请："
        f"通过 {v['admit']}、人工审核 {v['review']}、拒绝 [bold red]{v['reject']}[/]；"
        f"与当时的决定不同 {result['changed']} 个"
    )
    console.print(
        f"误拒代价：会被拒绝的人里有 [bold]{result['rejected_buyers']}[/] 人后来付了款，"
        f"共 ¥{result['rejected_revenue']:,.2f}；"
        f"转人工的人里有 {result['review_buyers']} 人后来付款"
    )
    table = Table("规则", "命中次数", title="各规则命中")
    for rule, count in result["rules"].items():
        table.add_row(rule, str(count))
    console.print(table)


@avatars_app.command("add")
@guarded
def avatars_add(
    avatars: Annotated[
        list[str], typer.Argument(help="图片文件，或头像的感知哈希 phash:<16 位十六进制>")
    ],
    note: Annotated[str, typer.Option("--note", help="备注，如“网红头像”")] = "",
    db: DbOption = None,
) -> None:
    """把头像加入黑名单：与之相近（汉明距离小）的头像在审核时会被拦下。"""
    from quanzi.services.screening_review import add_avatars, phash_of_image

    hashes = []
    for value in avatars:
        if value.lower().startswith("phash:"):
            hashes.append(value)
        elif Path(value).is_file():
            hashes.append(phash_of_image(Path(value)))
            console.print(f"{value} → {hashes[-1]}", highlight=False)
        else:
            raise InvalidInput(f"{value} 既不是 phash:<16 位十六进制>，也不是存在的图片文件")
    added = add_avatars(open_database(db), hashes, note, actor="cli")
    console.print(f"已加入 {added} 个头像（重复的忽略）")
