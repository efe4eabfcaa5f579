"""Keyword extraction against its oracle (the Polars-only RAKE it replaced), side by side in one process.

    python -m bench.keywords_vs_oracle [CORPUS]   (default: the bench's generated 100 MB corpus)

Prints one JSON object: papers, each one's seconds and papers/s, the ratio, and whether every
paper's top 10 (phrase, score, rank) is identical.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import polars as pl

from bench.run import corpus
from etl.dedupe import identify_papers, latest_paper_texts
from etl.extract import discover_dumps, read_dumps
from etl.keywords import keyphrases
from etl.parse import parse_dumps
from tests.etl.keywords_oracle import keyphrases as oracle_keyphrases


def corpus_papers(folder: Path, dumps_per_read: int = 100) -> pl.DataFrame:
    """The distinct papers of a corpus (paper_id, title, abstract), parsed 100 dumps at a time."""
    paths, frames = discover_dumps(folder), []
    for start in range(0, len(paths), dumps_per_read):
        entries = parse_dumps(read_dumps(paths[start : start + dumps_per_read])).entries
        frames.append(latest_paper_texts(identify_papers(entries)).select("paper_id", "title", "abstract"))
    return pl.concat(frames).unique("paper_id", keep="first", maintain_order=True)


def compare(papers: pl.DataFrame) -> dict:
    """Both extractors over `papers` (each warmed up first), timed alone, and their outputs compared."""
    seconds = {}
    results = {}
    for name, extract in (("oracle", oracle_keyphrases), ("ours", keyphrases)):
        extract(papers.head(100))
        started = time.perf_counter()
        results[name] = extract(papers).sort("paper_id", "rank")
        seconds[name] = time.perf_counter() - started
    return {
        "papers": papers.height,
        **{f"{n}_seconds": s for n, s in seconds.items()},
        **{f"{n}_papers_per_second": papers.height / s for n, s in seconds.items()},
        "speedup": seconds["oracle"] / seconds["ours"],
        "identical": results["ours"].equals(results["oracle"]),
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.keywords_vs_oracle", description=__doc__.splitlines()[0]
    )
    parser.add_argument("corpus", nargs="?", type=Path)
    args = parser.parse_args(argv)
    folder = args.corpus or corpus(Path("/tmp/paperhouse-bench"), 100)
    figures = compare(corpus_papers(folder))
    print(json.dumps(figures))
    return 0 if figures["identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
