"""Resources: the warehouse and the dump folder, configured by typed fields resolved at run time.

Unset fields fall back to `etl.settings.Settings` (the environment, validated once per run).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from pydantic import Field
from sqlalchemy import Engine

from etl.settings import Settings, SettingsError
from etl.warehouse import (
    WarehouseLocked,
    engine_for,
    ensure_storage_format,
    hold_writer_lock,
    pinned,
    release_writer_lock,
)

DEFAULT_LOCK_WAIT_SECONDS = 600.0


def run_settings(
    dumps: DumpFolderResource | None = None, warehouse: WarehouseResource | None = None, **overrides: object
) -> Settings:
    """This run's settings: the resources' fields, then `overrides`, over the environment, validated once.

    A bad setting is a Dagster `Failure` naming it.
    """
    fields = {"raw_dir": dumps.path, "listing_year": dumps.listing_year} if dumps is not None else {}
    if warehouse is not None:
        fields["warehouse"] = warehouse.path
    try:
        return Settings.from_env(**fields, **overrides)
    except SettingsError as exc:
        raise dg.Failure(description=f"bad setting: {exc}") from None


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse, a DuckDB file or a PostgreSQL database, opened through SQLAlchemy (after dagster-duckdb's resource)."""

    path: str | None = Field(
        default=None,
        description="DuckDB file, or PostgreSQL URL without a password (postgresql+psycopg://loader@db:5432/papers; "
        "PGPASSWORD or ~/.pgpass holds it). Unset: $PAPERHOUSE_WAREHOUSE, else warehouse/paperhouse.duckdb.",
    )
    lock_wait_seconds: float = Field(
        default=DEFAULT_LOCK_WAIT_SECONDS,
        description="How long a run waits for another writer (a `paperhouse load` from cron) to release the "
        "DuckDB file, or PostgreSQL's load lock.",
    )

    @contextmanager
    def engine(self, settings: Settings) -> Iterator[Engine]:
        """An engine on the run's warehouse holding its write lock, disposed (file released) on exit, even on error."""
        said = dg.get_dagster_logger().info  # whom a run waits for, in the run's log
        try:
            ensure_storage_format(
                settings.warehouse,
                settings.storage_version,
                settings.duckdb_memory,
                self.lock_wait_seconds,
                on_wait=said,
            )
        except WarehouseLocked as exc:
            raise dg.Failure(description=str(exc)) from None
        with pinned(settings.warehouse):
            engine = engine_for(settings)
            try:
                try:
                    lock = hold_writer_lock(engine, settings.warehouse, self.lock_wait_seconds, on_wait=said)
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

    path: str | None = Field(
        default=None,
        description="Dump folder. Unset: $PAPERHOUSE_RAW_DIR, else data/raw (the bundled sample).",
    )
    listing_year: int | None = Field(
        default=None,
        description="Listing year for dumps whose page and file name print none. "
        "Unset: $PAPERHOUSE_LISTING_YEAR, else inferred from the cards or the file's modification time.",
    )
