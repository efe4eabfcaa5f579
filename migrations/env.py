"""Alembic environment: models.metadata is the target; a caller may inject its connection.

Nothing here imports `etl`: the library passes its connection, and the `alembic` command line
opens the warehouse with plain SQLAlchemy (`migrations/command_line.py`).
"""

from __future__ import annotations

import os

from alembic import context

import migrations.duckdb_support  # noqa: F401  (registers Alembic's DuckDB implementation)
import models
from migrations.command_line import open_warehouse, warehouse_url
from migrations.compare import include_object
from migrations.docs import persist_docs_at_head


def run_migrations(connection) -> None:  # noqa: ANN001
    """Run the migrations on one connection inside one transaction, then apply the descriptions."""
    context.configure(
        connection=connection,
        target_metadata=models.metadata,
        include_object=include_object,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        persist_docs_at_head()


def run_migrations_online() -> None:
    """Use the injected connection (Alembic cookbook, "Sharing a Connection") or open the warehouse."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    engine = open_warehouse(warehouse_url(os.environ, context.config.get_main_option("sqlalchemy.url")))
    try:
        with engine.connect() as connection:
            run_migrations(connection)
            connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported for DuckDB")
run_migrations_online()
