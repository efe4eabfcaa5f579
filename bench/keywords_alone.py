"""Keyword extraction alone, on the papers of the batches a pipeline run saved, with both cores to itself.

    python -m bench.keywords_alone FRAMES_DIR [--timed-batches N]

In the pipeline the keywords stage shares the two cores with the previous batch's merge;
here the same papers (those whose text is new to the load, see `etl.transform.PapersSeen`) go through `etl.keywords.extract_keywords` batch by batch and nothing
else runs. Prints one JSON object: papers, seconds, papers/s, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import polars as pl

from etl.keywords import extract_keywords
from etl.transform import PapersSeen


def keywords_alone(frames: Path, timed_batches: int | None = None) -> dict:
    """Seconds `extract_keywords` takes over each saved batch's papers new to the load, as in the pipeline.

    The first call warms up, untimed.
    """
    files = sorted((frames / "papers").glob("*.parquet"))[:timed_batches]
    if files:
        extract_keywords(pl.read_parquet(files[0]).head(100))  # first-call costs are not the method's
    papers, seconds, seen = 0, 0.0, PapersSeen()
    for path in files:
        saved = pl.read_parquet(path, columns=["paper_id", "text_id", "title", "abstract"])
        batch = seen.unseen(saved)
        seen.add(saved)
        started = time.perf_counter()
        extract_keywords(batch)
        seconds += time.perf_counter() - started
        papers += batch.height
    return {
        "papers": papers,
        "seconds": seconds,
        "papers_per_second": papers / seconds if seconds else 0.0,
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.keywords_alone", description=__doc__.splitlines()[0]
    )
    parser.add_argument("frames", type=Path)
    parser.add_argument("--timed-batches", type=int)
    args = parser.parse_args(argv)
    print(json.dumps(keywords_alone(args.frames, args.timed_batches)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
