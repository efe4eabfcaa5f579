"""The keyword extractor beside the RAKE extractor it replaced, on one frame, in one process.

    python -m bench.keywords_speed [FRAMES_DIR] [--rounds 5] [--json]

The frame is the papers of a pipeline run's saved batches (`FRAMES_DIR/papers/*.parquet`, as
`bench.keywords_alone` reads them), or, without one, the 411 sample papers repeated 50 times
under new ids (20,550 papers; the token cache then meets every word in the first chunk, as a
load meets most of its words early). Each round times both extractors on the whole frame, in
alternating order, after one untimed warm-up call each; the ratio is taken per round (shared
machines are noisy) and its median printed with each one's best papers/s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import polars as pl

from bench import rake
from bench.keywords_gold import RAW, sample_papers
from etl import keywords


def frame_of(frames: Path | None) -> pl.DataFrame:
    """The papers to extract from: a run's saved batches, or the sample repeated."""
    if frames is not None:
        files = sorted((frames / "papers").glob("*.parquet"))
        return pl.concat(pl.read_parquet(f, columns=["paper_id", "title", "abstract"]) for f in files).unique(
            "paper_id", keep="first", maintain_order=True
        )
    sample = sample_papers(RAW).select("paper_id", "title", "abstract")
    return pl.concat(sample.with_columns(paper_id=pl.col("paper_id") + i) for i in range(50))


def compare(frame: pl.DataFrame, rounds: int) -> dict:
    """Papers/s of both extractors over `rounds` alternating rounds, and the median ratio."""
    extractors = {"topics": keywords.extract_keywords, "rake": rake.extract_keywords}
    for extract in extractors.values():
        extract(frame.head(200))
    speeds: dict[str, list[float]] = {name: [] for name in extractors}
    for round_ in range(rounds):
        order = list(extractors) if round_ % 2 == 0 else list(reversed(extractors))
        for name in order:
            started = time.perf_counter()
            extractors[name](frame)
            speeds[name].append(frame.height / (time.perf_counter() - started))
    ratios = [t / r for t, r in zip(speeds["topics"], speeds["rake"], strict=True)]
    return {
        "papers": frame.height,
        "rounds": rounds,
        "papers_per_second": {name: max(values) for name, values in speeds.items()},
        "topics_over_rake": {"median": statistics.median(ratios), "per_round": ratios},
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.keywords_speed", description=__doc__.splitlines()[0]
    )
    parser.add_argument("frames", nargs="?", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = compare(frame_of(args.frames), args.rounds)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    best = result["papers_per_second"]
    print(
        f"{result['papers']:,} papers, {result['rounds']} rounds: topics {best['topics']:,.0f} papers/s, "
        f"RAKE {best['rake']:,.0f} papers/s; topics/RAKE median {result['topics_over_rake']['median']:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
