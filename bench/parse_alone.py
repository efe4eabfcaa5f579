"""Our read, parse, identify and links stages alone, batch by batch, beside nothing else.

    python -m bench.parse_alone CORPUS [--batch-mb 32]

In the pipeline these stages run on a worker thread while the previous batch merges, so
their wall time there includes waiting for a core. Here the same batches go through
`etl.extract.read_dump_files`, `etl.parse.parse_dumps`, `etl.dedupe` and `etl.links` with
nothing else running, to compare with the bare parse (`bench.bare`) in the same run.
Prints one JSON object: seconds per stage, their sum, CPU seconds, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from bench.cpu_stages import process_cpu
from etl.dedupe import identify_papers, latest_paper_texts
from etl.extract import discover_dumps, read_dump_files, stat_dump
from etl.links import extract_links
from etl.parse import parse_dumps
from etl.pipeline import plan_batches
from etl.settings import Settings
from etl.timing import StageClock


def parse_alone(corpus: Path, batch_bytes: int) -> dict:
    """Seconds of each of our first four stages over `corpus`, in the pipeline's batches."""
    files = [stat_dump(p) for p in discover_dumps(corpus)]
    clock, entries = StageClock(), 0
    cpu, started = process_cpu(), time.perf_counter()
    for batch in plan_batches(files, batch_bytes):
        with clock.stage("read"):
            dumps, _, _ = read_dump_files(batch)
        with clock.stage("parse"):
            parsed = parse_dumps(dumps, None)
        with clock.stage("dedupe"):
            papers = latest_paper_texts(identify_papers(parsed.entries))
        with clock.stage("links"):
            extract_links(papers)
        entries += parsed.entries.height
    seconds = {k: v for k, v in clock.seconds().items() if k in ("read", "parse", "dedupe", "links")}
    return {
        "entries": entries,
        "stages": seconds,
        "total_seconds": time.perf_counter() - started,
        "cpu_seconds": process_cpu() - cpu,
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.parse_alone", description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--batch-mb", type=float, default=Settings().batch_mb)
    args = parser.parse_args(argv)
    print(json.dumps(parse_alone(args.corpus, int(args.batch_mb * 1_000_000))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
