"""Schema migrations (Alembic) run from code: `quanzi db upgrade`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """Return an Alembic config pointing at the packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database schema up to `revision`."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _label(revisions: tuple[str, ...] | list[str]) -> str | None:
    # Areas add migrations on their own branches from 0001, so the schema can have
    # several heads at once; they are named together as "0002+0003".
    return "+".join(sorted(revisions)) or None


def current_revision(engine: Engine) -> str | None:
    """Return the schema revision(s) the database is at, or None when empty."""
    with engine.connect() as connection:
        return _label(MigrationContext.configure(connection).get_current_heads())


def head_revision(engine: Engine) -> str | None:
    """Return the newest revision(s) the code knows."""
    return _label(ScriptDirectory.from_config(alembic_config(engine)).get_heads())


def is_current(engine: Engine) -> bool:
    """Tell whether the database schema matches the code."""
    return current_revision(engine) == head_revision(engine)
