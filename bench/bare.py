"""The bare pipeline the benchmark measures ours against: the floor of what a load of these dumps costs.

    python -m bench.bare CORPUS [--load WAREHOUSE] [--files-per-batch 500]

Parse: Polars scans each batch of dumps as lines, flags blank lines, numbers the blocks of
non-blank lines by a running sum over those flags, and pairs the one-line blocks after the
page header as title and abstract (three-line blocks are cards, skipped). No validation,
no dates, no identities, no links, no keywords.
Load (with --load): every title and abstract written once, as Arrow, into a fresh DuckDB
file in one transaction. Prints one JSON object: entries, parse and load seconds, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import duckdb
import polars as pl

FILES_PER_BATCH = 500
HEADER_BLOCKS = 6  # new, Get trending…, Subscribe, Daily Papers, byAK…, the listing date


def parse_files(paths: list[Path]) -> pl.DataFrame:
    """Title and abstract of every entry of `paths`, by line structure alone."""
    blocks = (
        pl.scan_lines([str(p) for p in paths], include_file_paths="file")
        .with_columns(blank=pl.col("line").str.contains(r"\S").not_())
        .with_columns(block=pl.col("blank").cum_sum())
        .filter(~pl.col("blank"))
        .with_columns(lines=pl.len().over("file", "block"))
        .filter(pl.col("lines") == 1)
        .with_columns(nth=pl.int_range(pl.len()).over("file") - HEADER_BLOCKS)
        .with_columns(abstract=pl.col("line").shift(-1).over("file"))
    )
    return (
        blocks.filter((pl.col("nth") >= 0) & (pl.col("nth") % 2 == 0))
        .select("file", title="line", abstract="abstract")
        .collect()
    )


def bare(corpus: Path, warehouse: Path | None, files_per_batch: int = FILES_PER_BATCH) -> dict:
    """Parse `corpus` in batches (and, given `warehouse`, write each batch's texts in one transaction).

    Without `warehouse`, each parsed batch is dropped: the parse alone, memory bounded by a batch.
    """
    paths = sorted(corpus.glob("*.txt"))
    con = duckdb.connect(str(warehouse)) if warehouse is not None else None
    if con is not None:
        con.execute("BEGIN")
        con.execute("CREATE TABLE papers (title VARCHAR, abstract VARCHAR)")
    parse_seconds = load_seconds = 0.0
    entries = 0
    for first in range(0, len(paths), files_per_batch):
        started = time.perf_counter()
        frame = parse_files(paths[first : first + files_per_batch])
        parsed = time.perf_counter()
        entries += frame.height
        if con is not None:
            texts = frame.select("title", "abstract").to_arrow()  # noqa: F841 (read by name below)
            con.execute("INSERT INTO papers SELECT * FROM texts")
        parse_seconds += parsed - started
        load_seconds += time.perf_counter() - parsed
    rows = 0
    if con is not None:
        started = time.perf_counter()
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
        load_seconds += time.perf_counter() - started
        rows = con.execute("SELECT count(*) FROM papers").fetchone()[0]
        con.close()
    return {
        "dumps": len(paths),
        "entries": entries,
        "rows_written": rows,
        "parse_seconds": parse_seconds,
        "load_seconds": load_seconds,
        "total_seconds": parse_seconds + load_seconds,
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.bare", description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--load", type=Path, help="also write the texts into this new DuckDB file")
    parser.add_argument("--files-per-batch", type=int, default=FILES_PER_BATCH)
    args = parser.parse_args(argv)
    if args.load is not None:
        args.load.unlink(missing_ok=True)
    print(json.dumps(bare(args.corpus, args.load, args.files_per_batch)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
