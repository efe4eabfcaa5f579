"""The engine of the configured warehouse, which names the assets' kind and the writers' pool.

Decided when the definitions load, from the warehouse setting's text alone (a URL or a path:
no connection). A run whose resource names another warehouse still writes that one; only the
labels follow the environment. A bad value is that run's error, not the definitions': the
labels then are those of the default warehouse.
"""

from dataclasses import fields
from pathlib import Path

from sqlalchemy.engine import URL

from etl.engines import WarehouseEngine, engine_at
from etl.settings import Settings, SettingsError


def configured_warehouse() -> Path | URL:
    """$PAPERHOUSE_WAREHOUSE (the default warehouse when unset or bad)."""
    try:
        return Settings.read_one("warehouse")
    except SettingsError:
        return next(f.default for f in fields(Settings) if f.name == "warehouse")


def configured_engine() -> WarehouseEngine:
    """The engine of $PAPERHOUSE_WAREHOUSE (DuckDB when unset or bad)."""
    return engine_at(configured_warehouse())


def qualified_name(name: str, warehouse: Path | URL | None = None) -> str:
    """A table's or view's name as `catalog.schema.name`, the catalog being the DuckDB file's stem or the database.

    PostgreSQL's schema is taken to be `public`, the loader's usual search path: the
    definitions never connect.
    """
    warehouse = configured_warehouse() if warehouse is None else warehouse
    if isinstance(warehouse, URL):
        return f"{warehouse.database}.public.{name}"
    return f"{warehouse.stem}.main.{name}"


WAREHOUSE_ENGINE = configured_engine()
