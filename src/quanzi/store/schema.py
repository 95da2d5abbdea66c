"""Make sure the database is at the code's schema before a command uses it."""

from __future__ import annotations

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import OperationalError

from quanzi.errors import StorageError
from quanzi.store import migrate


def ensure_schema(engine: Engine) -> None:
    """Create the schema in an empty database; refuse to run on an outdated one."""
    try:
        current = migrate.current_revision(engine)
        if current is None:
            if inspect(engine).get_table_names():
                raise StorageError(
                    "数据库里已有其他表，但不是 quanzi 的库："
                    "请换一个数据库地址（QUANZI_DATABASE_URL）",
                    code="foreign_database",
                )
            migrate.upgrade(engine)
        elif current != migrate.head_revision(engine):
            raise StorageError(
                f"数据库结构版本为 {current}，程序需要 {migrate.head_revision(engine)}："
                "请先运行 quanzi db upgrade",
                code="schema_outdated",
            )
    except OperationalError as exc:
        raise StorageError(f"无法连接数据库：{exc.orig}", code="database_unreachable") from None
