"""The engine of the configured warehouse, which names the assets' kind and the writers' pool.

Decided when the definitions load, from the warehouse setting's text alone (a URL or a path:
no connection). A run whose resource names another warehouse still writes that one; only the
labels follow the environment. A bad value is that run's error, not the definitions': the
labels then are those of the default warehouse.
"""

from dataclasses import fields

from etl.engines import WarehouseEngine, engine_at
from etl.settings import Settings, SettingsError


def configured_engine() -> WarehouseEngine:
    """The engine of $PAPERHOUSE_WAREHOUSE (DuckDB when unset or bad)."""
    try:
        warehouse = Settings.read_one("warehouse")
    except SettingsError:
        warehouse = next(f.default for f in fields(Settings) if f.name == "warehouse")
    return engine_at(warehouse)


WAREHOUSE_ENGINE = configured_engine()
