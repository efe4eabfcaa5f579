"""Load the staging frames our pipeline produced into DuckDB with dlt's `merge`, for comparison.

    python -m bench.dlt_merge FRAMES DATABASE [--timed-batches N]

FRAMES holds one folder per table with one Parquet file per batch (see `bench.measure
--frames`). Each batch goes through one `pipeline.run` with write_disposition "merge" and our
identity keys as primary keys. Only `pipeline.run` of the first N batches is timed (later
ones are loaded for the comparison of stored results), after a throwaway one-row merge has
done dlt's first imports. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import time
from pathlib import Path

import polars as pl

PRIMARY_KEYS = {
    "source_files": ["file_id"],
    "dates": ["date_id"],
    "organizations": ["organization_id"],
    "papers": ["paper_id"],
    "paper_appearances": ["file_id", "position"],
    "links": ["link_id"],
    "paper_links": ["paper_id", "link_id"],
    "keywords": ["keyword_id"],
    "paper_keywords": ["paper_id", "keyword_id"],
}
DATASET = "paperhouse"


def warm_up(dlt, scratch: Path) -> None:
    """Merge one row with a throwaway pipeline, so that dlt's first imports are not timed (as in `bench.load_frames`)."""
    pipeline = dlt.pipeline(
        pipeline_name="paperhouse_warmup",
        destination=dlt.destinations.duckdb(str(scratch / "warmup.duckdb")),
        dataset_name=DATASET,
        pipelines_dir=str(scratch),
    )
    pipeline.run(
        dlt.resource(
            pl.DataFrame({"id": [1]}).to_arrow(), name="t", primary_key="id", write_disposition="merge"
        )
    )
    shutil.rmtree(scratch, ignore_errors=True)


def run(frames: Path, database: Path, workdir: Path, timed_batches: int | None = None) -> dict:
    """Merge every batch of `frames` into `database` with dlt; return seconds and row counts."""
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "ERROR")
    import dlt  # imported here: only the benchmark needs it

    warm_up(dlt, workdir / "warmup")
    pipeline = dlt.pipeline(
        pipeline_name="paperhouse_bench",
        destination=dlt.destinations.duckdb(str(database)),
        dataset_name=DATASET,
        pipelines_dir=str(workdir),
    )
    batches = sorted(p.name for p in (frames / "papers").glob("*.parquet"))
    seconds = 0.0
    for number, batch in enumerate(batches):
        resources = [
            dlt.resource(
                pl.read_parquet(frames / table / batch).to_arrow(),
                name=table,
                primary_key=keys,
                write_disposition="merge",
            )
            for table, keys in PRIMARY_KEYS.items()
        ]
        started = time.perf_counter()
        pipeline.run(resources)
        if timed_batches is None or number < timed_batches:
            seconds += time.perf_counter() - started
    with pipeline.sql_client() as client:
        rows = {table: client.execute_sql(f"SELECT count(*) FROM {table}")[0][0] for table in PRIMARY_KEYS}
    return {
        "batches": len(batches),
        "timed_batches": min(len(batches), timed_batches or len(batches)),
        "seconds": seconds,
        "rows": rows,
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.dlt_merge", description=__doc__.splitlines()[0])
    parser.add_argument("frames", type=Path)
    parser.add_argument("database", type=Path)
    parser.add_argument("--timed-batches", type=int)
    args = parser.parse_args(argv)
    workdir = args.database.parent / "dlt_pipelines"
    print(json.dumps(run(args.frames, args.database, workdir, args.timed_batches)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
