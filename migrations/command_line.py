"""The warehouse the `alembic` command line works on, opened with plain SQLAlchemy: no `etl` import.

A load migrates on its own connection: `etl.warehouse.migrate` hands it to `env.py` in
`config.attributes["connection"]`. Without one (`alembic upgrade head`, `alembic check`,
`alembic downgrade`, run from the checkout), `env.py` opens the warehouse named by
$PAPERHOUSE_WAREHOUSE, a DuckDB file path or a PostgreSQL URL as `paperhouse load` takes it, else
by alembic.ini's `sqlalchemy.url` (the settings' default warehouse). A DuckDB file is opened as the
library opens it where it matters to the file: created with its folder, in the settings' default
storage format, with no extension downloaded; memory and timeouts are the engines' own defaults.
`tests/test_migrations.py` holds these names and values to the library's.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import URL, make_url

DUCKDB_DIALECT = "duckdb+paperhouse"  # models.duckdb_dialect, registered by pyproject.toml's entry point
POSTGRES_DRIVER = "postgresql+psycopg"
DUCKDB_CONFIG = {
    "storage_compatibility_version": "v1.0.0",  # a new file opens in every DuckDB client from 1.0 on
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


def warehouse_url(environ: Mapping[str, str], ini_url: str | None) -> URL:
    """$PAPERHOUSE_WAREHOUSE (a path, or a PostgreSQL URL), else `ini_url`, as the URL SQLAlchemy opens."""
    raw = environ.get("PAPERHOUSE_WAREHOUSE", "").strip() or (ini_url or "").strip()
    if not raw:
        raise SystemExit("no warehouse to migrate: set PAPERHOUSE_WAREHOUSE or alembic.ini's sqlalchemy.url")
    if "://" not in raw:
        return URL.create(DUCKDB_DIALECT, database=str(Path(raw).expanduser()))
    url = make_url(raw)
    return url.set(drivername=POSTGRES_DRIVER) if url.get_backend_name() == "postgresql" else url


def open_warehouse(url: URL) -> Engine:
    """An engine on `url`; a DuckDB file's folder is created first, and a new file gets `DUCKDB_CONFIG`."""
    if url.get_backend_name() != "duckdb":
        return create_engine(url)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url, connect_args={"config": dict(DUCKDB_CONFIG)})
