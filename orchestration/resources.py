"""Resources: the warehouse and the dump folder, configured by typed fields resolved at run time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from pydantic import Field
from sqlalchemy import Engine

from etl.pipeline import default_listing_year, default_raw_dir
from etl.warehouse import default_warehouse_path, warehouse_engine


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file, opened through SQLAlchemy (modelled on dagster-duckdb's resource)."""

    path: str | None = Field(
        default=None,
        description="DuckDB file. Unset: $PAPERHOUSE_WAREHOUSE, else warehouse/paperhouse.duckdb.",
    )

    def resolved_path(self) -> Path:
        """The warehouse file this run uses."""
        return Path(self.path) if self.path else default_warehouse_path()

    @contextmanager
    def engine(self) -> Iterator[Engine]:
        """An engine on the warehouse, disposed (file released) on exit, even on error."""
        engine = warehouse_engine(self.resolved_path())
        try:
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
        description="Listing year for dumps whose file name has no ISO date. "
        "Unset: $PAPERHOUSE_LISTING_YEAR, else inferred from the cards or the file's modification time.",
    )

    def resolved_path(self) -> Path:
        """The dump folder this run reads."""
        return Path(self.path) if self.path else default_raw_dir()

    def resolved_listing_year(self) -> int | None:
        """The configured listing year, if any."""
        return self.listing_year if self.listing_year is not None else default_listing_year()
