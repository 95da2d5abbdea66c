"""Alembic environment: runs migrations on the connection quanzi hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from quanzi.store.db import get_engine
from quanzi.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    """Run the migrations inside one transaction on `connection`."""
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:
    with get_engine(config.get_main_option("sqlalchemy.url")).connect() as conn:
        run_on(conn)
        conn.commit()
