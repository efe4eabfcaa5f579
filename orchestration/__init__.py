"""Dagster wiring of the `etl` functions: `defs` is the project's one `Definitions`."""

from orchestration.definitions import defs

__all__ = ["defs"]
