"""Merge saved staging frames into a new warehouse with our loader: the same input dlt gets.

    python -m bench.load_frames FRAMES DATABASE [--timed-batches N]

FRAMES holds one folder per table with one Parquet file per batch (see `bench.measure
--frames`). Each batch is merged in one transaction with its integrity checks, as
`etl.pipeline.load_paths` does, then the warehouse is checkpointed. Reading the Parquet files
and the first imports (a throwaway warehouse is migrated first) are not timed, as in
`bench.dlt_merge`; only the first N batches are timed. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from etl.batch import StagingFrames
from etl.pipeline import BatchPlan, commit_batch, table_counts
from etl.stopping import StopSwitch
from etl.warehouse import checkpoint, migrate, warehouse_engine


def read_batch(frames: Path, name: str) -> StagingFrames:
    """One saved batch, as the frames the pipeline merged."""
    return StagingFrames(**{f.name: pl.read_parquet(frames / f.name / name) for f in fields(StagingFrames)})


def warm_up(scratch: Path) -> None:
    """Migrate a throwaway warehouse, so that Python's first imports are not timed (as in `bench.dlt_merge`)."""
    engine = warehouse_engine(scratch)
    migrate(engine)
    engine.dispose()
    for path in (scratch, scratch.with_name(scratch.name + ".wal")):
        path.unlink(missing_ok=True)


def run(frames: Path, database: Path, timed_batches: int | None = None) -> dict:
    """Merge every batch of `frames` into a new warehouse at `database`; return seconds and row counts."""
    warm_up(database.with_name(f"{database.stem}.warmup.duckdb"))
    engine = warehouse_engine(database)
    started = time.perf_counter()
    migrate(engine)
    seconds = time.perf_counter() - started
    batches = sorted(p.name for p in (frames / "papers").glob("*.parquet"))
    today = datetime.now(UTC).date()
    with engine.connect() as connection:
        for number, name in enumerate(batches):
            batch = read_batch(frames, name)
            started = time.perf_counter()
            commit_batch(connection, BatchPlan(number, [], False, None), batch, today, StopSwitch())
            if number == (timed_batches or len(batches)) - 1:
                checkpoint(connection)
                seconds += time.perf_counter() - started
                with connection.begin():
                    rows = table_counts(connection)  # what the timed batches stored
            elif timed_batches is None or number < timed_batches:
                seconds += time.perf_counter() - started
    engine.dispose()
    return {
        "batches": len(batches),
        "timed_batches": min(len(batches), timed_batches or len(batches)),
        "seconds": seconds,
        "rows_after_timed_batches": rows,
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.load_frames", description=__doc__.splitlines()[0])
    parser.add_argument("frames", type=Path)
    parser.add_argument("database", type=Path)
    parser.add_argument("--timed-batches", type=int)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.frames, args.database, args.timed_batches)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
