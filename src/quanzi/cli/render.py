"""The CLI's error renderer: a clean Chinese message and an exit code, never a traceback."""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from quanzi.errors import QuanziError

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])
ERROR_LOG = Path("quanzi-error.log")


def fail(error: QuanziError) -> None:
    """Print a QuanziError the way a user should see it and exit 2."""
    err_console.print(f"[bold red]错误[/] [dim]({error.code})[/] {error.message}")
    raise typer.Exit(2)


def guarded(command: F) -> F:
    """Wrap a command so errors become messages and exit codes."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt, SystemExit):
            raise
        except QuanziError as error:
            fail(error)
        except OperationalError as error:
            fail(QuanziError(f"数据库出错：{error.orig}", code="database_error"))
        except SQLAlchemyError as error:
            _log(error)
            fail(
                QuanziError(
                    f"数据库出错（{type(error).__name__}），详情见 {ERROR_LOG}",
                    code="database_error",
                )
            )
        except Exception as error:
            _log(error)
            err_console.print(
                f"[bold red]内部错误[/] {type(error).__name__}：{error}。"
                f"详情已写入 {ERROR_LOG.resolve()}，请附上它报告问题。"
            )
            raise typer.Exit(1) from None
        return None

    return wrapper  # type: ignore[return-value]


def _log(error: BaseException) -> None:
    # The traceback goes to a file for developers, never to the user's screen.
    try:
        with ERROR_LOG.open("a", encoding="utf-8") as handle:
            handle.write("".join(traceback.format_exception(error)))
    except OSError:
        logging.getLogger("quanzi").exception("could not write error log", exc_info=error)
