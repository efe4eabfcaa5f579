"""Headless "Materialize all": register a partition per dump, load them all in one run, refresh views.

    python -m orchestration.backfill [--full-refresh]

Uses the Dagster instance of $DAGSTER_HOME when it is set (runs then show in `dagster dev`),
else a throwaway one.
"""

import argparse
import os
import sys

import dagster as dg

from etl.extract import discover_dumps, text_names
from orchestration.definitions import defs
from orchestration.partitions import dump_partitions
from orchestration.resources import run_settings


def register_partitions(instance: dg.DagsterInstance, names: list[str]) -> list[str]:
    """Add a partition for each name not registered yet, remove those of files gone; return every registered partition."""
    known = set(instance.get_dynamic_partitions(dump_partitions.name))
    for gone in sorted(known - set(names)):  # a stale partition would only be reported missing
        instance.delete_dynamic_partition(dump_partitions.name, gone)
    new = [n for n in names if n not in known]
    if new:
        instance.add_dynamic_partitions(dump_partitions.name, new)
    return list(instance.get_dynamic_partitions(dump_partitions.name))


def materialize_all(instance: dg.DagsterInstance, full_refresh: bool = False) -> bool:
    """Load every dump partition in one run (rebuilding from scratch if asked), then the views."""
    names = text_names(p.name for p in discover_dumps(run_settings().raw_dir))  # a partition key is text
    partitions = register_partitions(instance, names)
    if not partitions:
        return True
    job = defs.resolve_job_def("rebuild_warehouse_job" if full_refresh else "load_dumps_job")
    tags = {
        "dagster/asset_partition_range_start": partitions[0],
        "dagster/asset_partition_range_end": partitions[-1],
    }
    loaded = job.execute_in_process(instance=instance, tags=tags, raise_on_error=False)
    if not loaded.success:
        return False
    return (
        defs.resolve_job_def("refresh_views_job")
        .execute_in_process(instance=instance, raise_on_error=False)
        .success
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.backfill", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--full-refresh", action="store_true", help="empty every table first (rebuild)")
    args = parser.parse_args(argv)
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    return 0 if materialize_all(instance, args.full_refresh) else 1


if __name__ == "__main__":
    sys.exit(main())
