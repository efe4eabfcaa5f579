"""Cost of new data only: add the same new ~200 KB dump to a small and to a large warehouse.

    python -m bench.incremental [--small 5000] [--large 500000] [--repeat 9] [--workdir /tmp/paperhouse-bench]

Builds (once, cached in --workdir) two warehouses from synthetic dumps of about `small` and
`large` papers, then times, in process, adding one new dump to a fresh copy of each, synced
(`repeat` times, median). Prints the seconds, the ratio large/small, and the time of
publishing the serving copy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import time
from pathlib import Path

from bench.generate import generate
from etl.extract import discover_dumps
from etl.pipeline import load_paths
from etl.serving import publish
from etl.warehouse import warehouse_engine

ENTRIES_PER_DUMP = 200
BUILD_BATCH = 250  # dumps per load while building (memory is bounded by the batch)


def build(workdir: Path, papers: int) -> tuple[Path, Path]:
    """A warehouse of about `papers` papers (cached), and its dump folder."""
    folder, warehouse = workdir / f"raw_{papers}", workdir / f"warehouse_{papers}.duckdb"
    if warehouse.exists():
        return warehouse, folder
    dumps = max(1, round(papers / (ENTRIES_PER_DUMP * 0.9)))
    paths = generate(folder, dumps, ENTRIES_PER_DUMP, repeat_rate=0.1, seed=11)
    engine = warehouse_engine(warehouse)
    for start in range(0, len(paths), BUILD_BATCH):
        load_paths(paths[start : start + BUILD_BATCH], engine)
    engine.dispose()
    return warehouse, folder


def add_one(warehouse: Path, folder: Path, new_dump: Path, scratch: Path) -> tuple[float, float, int]:
    """Seconds to add `new_dump` to a copy of `warehouse` (folder scan included), and to publish."""
    copy = scratch / "w.duckdb"
    shutil.copy(warehouse, copy)
    # At rest on disk, like a real warehouse: otherwise the load's checkpoint (its fsync) would
    # also wait on the write-back of this copy and of the last run's serving copy.
    os.sync()
    shutil.copy2(new_dump, folder / new_dump.name)
    try:
        engine = warehouse_engine(copy)
        started = time.perf_counter()
        report = load_paths(discover_dumps(folder), engine)
        load_seconds = time.perf_counter() - started
        publish_seconds = publish(engine, copy, scratch / "serving.duckdb")
        engine.dispose()
    finally:
        (folder / new_dump.name).unlink()
    return load_seconds, publish_seconds, report.warehouse_rows["papers"]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.incremental", description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--large", type=int, default=500_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/paperhouse-bench"))
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    new_dump = generate(args.workdir / "new", 1, 116, repeat_rate=0.0, seed=999, first_serial=10**8)[0]
    new_dump = new_dump.rename(new_dump.with_name("2025-01-01_new.txt"))
    results = {}
    warm = build(args.workdir, args.small)  # first imports (pyarrow, alembic) are not the warehouse's cost
    scratch = args.workdir / "scratch_warmup"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    add_one(*warm, new_dump, scratch)
    shutil.rmtree(scratch)
    for label, papers in (("small", args.small), ("large", args.large)):
        started = time.perf_counter()
        warehouse, folder = build(args.workdir, papers)
        built = time.perf_counter() - started
        runs = []
        for i in range(args.repeat):
            scratch = args.workdir / f"scratch_{label}_{i}"
            shutil.rmtree(scratch, ignore_errors=True)
            scratch.mkdir()
            runs.append(add_one(warehouse, folder, new_dump, scratch))
            shutil.rmtree(scratch)
        load_s = statistics.median(r[0] for r in runs)
        publish_s = statistics.median(r[1] for r in runs)
        results[label] = load_s
        print(
            f"{label:>5}: {runs[0][2]:>8,} papers after the add | build {built:7.1f} s | "
            f"add one {new_dump.stat().st_size / 1e3:.0f} KB dump: {load_s:.3f} s (median of {args.repeat}) | "
            f"publish serving copy: {publish_s:.3f} s ({warehouse.stat().st_size / 1e6:.0f} MB)"
        )
    print(f"ratio large/small: {results['large'] / results['small']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
