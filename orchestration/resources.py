"""Resources: the warehouse and the dump folder, configured by typed fields resolved at run time.

Unset fields fall back to `etl.settings.Settings` (the environment, validated once per run).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from pydantic import Field
from sqlalchemy import Engine

from etl.settings import Settings, SettingsError
from etl.warehouse import WarehouseLocked, engine_for, ensure_storage_format, hold_writer_lock

DEFAULT_LOCK_WAIT_SECONDS = 600.0


def run_settings(**overrides: object) -> Settings:
    """The settings of this run, or a Dagster `Failure` naming the bad setting."""
    try:
        return Settings.from_env(**overrides)
    except SettingsError as exc:
        raise dg.Failure(description=f"bad setting: {exc}") from None


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file, opened through SQLAlchemy (modelled on dagster-duckdb's resource)."""

    path: str | None = Field(
        default=None,
        description="DuckDB file. Unset: $PAPERHOUSE_WAREHOUSE, else warehouse/paperhouse.duckdb.",
    )
    lock_wait_seconds: float = Field(
        default=DEFAULT_LOCK_WAIT_SECONDS,
        description="How long a run waits for another writer (a `paperhouse load` from cron) to release the file.",
    )

    def settings(self) -> Settings:
        """This run's settings, with this resource's fields over the environment."""
        return run_settings(warehouse=self.path)

    def resolved_path(self) -> Path:
        """The warehouse file this run uses (absolute)."""
        return self.settings().warehouse.absolute()

    def serving_path(self) -> Path:
        """The serving copy this run publishes (absolute)."""
        return self.settings().serving_path.absolute()

    @contextmanager
    def engine(self) -> Iterator[Engine]:
        """An engine on the warehouse holding its write lock, disposed (file released) on exit, even on error."""
        settings = self.settings()
        try:
            ensure_storage_format(
                settings.warehouse, settings.storage_version, settings.duckdb_memory, self.lock_wait_seconds
            )
        except WarehouseLocked as exc:
            raise dg.Failure(description=str(exc)) from None
        engine = engine_for(settings)
        try:
            try:
                lock = hold_writer_lock(engine, settings.warehouse, self.lock_wait_seconds)
            except WarehouseLocked as exc:
                raise dg.Failure(description=str(exc)) from None
            with lock:
                yield engine
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

    def settings(self) -> Settings:
        """This run's settings, with this resource's fields over the environment."""
        return run_settings(raw_dir=self.path, listing_year=self.listing_year)

    def resolved_path(self) -> Path:
        """The dump folder this run reads (absolute)."""
        return self.settings().raw_dir.absolute()

    def resolved_listing_year(self) -> int | None:
        """The configured listing year, if any."""
        return self.settings().listing_year
