"""CPU-seconds of every transform stage of a first backfill, each stage alone, beside nothing else.

    python -m bench.cpu_stages CORPUS [--batch-mb 32]

Runs the pipeline's own transform (`etl.transform.prepare_batch`: read, parse, dedupe, links,
keywords, search, assemble) over CORPUS in the pipeline's batches, one batch after another on
this thread, with the load's `PapersSeen`, and writes nothing. In a load these stages run on a
worker thread beside the merge, so their wall time there includes waiting for a core and their
CPU cannot be told apart from the merge's; here each stage's CPU is this process's user plus
system seconds while it ran (Polars' and DuckDB's own threads included). A load's CPU minus
these is what its merge, checks, commits, views and serving copy take. Also the peak RSS sampled
within each stage (`bench.measure.RssSampler`). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from bench.measure import RssSampler
from etl.extract import discover_dumps, stat_dump
from etl.pipeline import plan_batches
from etl.settings import Settings
from etl.timing import StageClock
from etl.transform import PapersSeen, ReadOptions, prepare_batch


def process_cpu() -> float:
    """User plus system CPU-seconds of this process so far, every thread included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class CpuClock(StageClock):
    """A `StageClock` that also sums the process's CPU-seconds per stage (stages must not overlap)."""

    def __init__(self) -> None:
        super().__init__()
        self.cpu: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the enclosed block's wall and CPU as one pass through stage `name`."""
        started = process_cpu()
        with super().stage(name):
            try:
                yield
            finally:
                self.cpu[name] = self.cpu.get(name, 0.0) + process_cpu() - started


def cpu_stages(corpus: Path, batch_bytes: int) -> dict:
    """Wall and CPU seconds of each transform stage over `corpus`, in the pipeline's batches."""
    files = [stat_dump(p) for p in discover_dumps(corpus)]
    clock, seen, entries, papers = CpuClock(), PapersSeen(), 0, 0
    options = ReadOptions(listing_year=None, today=date.today(), max_dump_bytes=None, clock=clock, seen=seen)
    sampler = RssSampler()
    sampler.start()
    cpu, started = process_cpu(), time.perf_counter()
    for batch in plan_batches(files, batch_bytes):
        frames = prepare_batch(batch, frozenset(), options).batch
        entries += frames.paper_appearances.height
        papers += frames.papers.height
    sampler.stop()
    peaks = {
        name: round(sampler.peak([(a, b) for stage, a, b in clock.intervals if stage == name]) / 2**20)
        for name in clock.cpu
    }
    wall = {name: round(seconds, 3) for name, seconds in clock.seconds().items() if name in clock.cpu}
    return {
        "entries": entries,
        "papers_staged": papers,
        "wall_seconds": wall,
        "cpu_seconds": {name: round(seconds, 3) for name, seconds in clock.cpu.items()},
        "peak_rss_mib": peaks,
        "total_wall_seconds": round(time.perf_counter() - started, 3),
        "total_cpu_seconds": round(process_cpu() - cpu, 3),
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.cpu_stages", description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--batch-mb", type=float, default=Settings().batch_mb)
    args = parser.parse_args(argv)
    print(json.dumps(cpu_stages(args.corpus, int(args.batch_mb * 1_000_000))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
