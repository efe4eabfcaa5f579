"""Resources: the warehouse and the dump folder, configured by typed fields resolved at run time.

Each field is a setting of `etl.settings.Settings`, described by it: unset, it is what the
settings say (its environment variable, else its default), validated once per run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pydantic import Field
from sqlalchemy import Engine

from etl.settings import Settings, SettingsError, unset_means
from etl.warehouse import (
    WarehouseLocked,
    engine_for,
    ensure_storage_format,
    hold_writer_lock,
    pinned,
    release_writer_lock,
)

# A Dagster run is queued: it waits for a `paperhouse load` from cron, which the command line,
# meeting another load, would rather report at once (PAPERHOUSE_LOCK_WAIT still decides).
RUN_LOCK_WAIT_SECONDS = 600.0


def run_settings(
    dumps: DumpFolderResource | None = None, warehouse: WarehouseResource | None = None, **overrides: object
) -> Settings:
    """This run's settings: the resources' fields, then `overrides`, over the environment, validated once.

    A bad setting is a Dagster `Failure` naming it.
    """
    fields = {"raw_dir": dumps.path, "listing_year": dumps.listing_year} if dumps is not None else {}
    if warehouse is not None:
        fields |= {"warehouse": warehouse.path, "lock_wait_seconds": warehouse.lock_wait_seconds}
    defaults = {"lock_wait_seconds": RUN_LOCK_WAIT_SECONDS}
    try:
        return Settings.from_env(defaults=defaults, **fields, **overrides)
    except SettingsError as exc:
        raise dg.Failure(description=f"bad setting: {exc}") from None


def run_holder(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> str:
    """How the warehouse's lock names this run to a writer that meets it (a `paperhouse load`)."""
    return f"Dagster run {context.run.run_id}"


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse, a DuckDB file or a PostgreSQL database, opened through SQLAlchemy (after dagster-duckdb's resource)."""

    path: str | None = Field(default=None, description=unset_means("warehouse"))
    lock_wait_seconds: float | None = Field(
        default=None, description=unset_means("lock_wait_seconds", RUN_LOCK_WAIT_SECONDS)
    )

    @contextmanager
    def engine(self, settings: Settings, holder: str | None = None) -> Iterator[Engine]:
        """An engine on the run's warehouse holding its write lock (named `holder`), disposed (file released) on exit."""
        said = dg.get_dagster_logger().warning  # whom a run waits for, once, in the run's log
        try:
            ensure_storage_format(
                settings.warehouse,
                settings.storage_version,
                settings.duckdb_memory,
                settings.lock_wait_seconds,
                on_wait=said,
            )
        except WarehouseLocked as exc:
            raise dg.Failure(description=str(exc)) from None
        with pinned(settings.warehouse):
            engine = engine_for(settings)
            try:
                try:
                    lock = hold_writer_lock(
                        engine, settings.warehouse, settings.lock_wait_seconds, on_wait=said, holder=holder
                    )
                except WarehouseLocked as exc:
                    raise dg.Failure(description=str(exc)) from None
                try:
                    yield engine
                finally:
                    release_writer_lock(lock)
            finally:
                engine.dispose()


class DumpFolderResource(dg.ConfigurableResource):
    """The folder where dump files arrive."""

    path: str | None = Field(default=None, description=unset_means("raw_dir"))
    listing_year: int | None = Field(default=None, description=unset_means("listing_year"))
