"""Our keyphrases beside YAKE's on the bundled sample: examples, overlap, speed, and rules.

    python -m bench.keywords_quality [RAW_DIR] [--examples 10]

For every paper of the sample, YAKE (the `yake` package, n-grams up to 3, top 10) and our
RAKE extraction each rank ten keyphrases of title + abstract. Prints ten papers side by side,
the mean overlap of the two top-10 lists over the whole sample (exact phrase match, and a
looser match where one phrase contains the other), both throughputs in papers/s, and counts
of our keyphrases that begin or end with a stopword or hold no letter (must be 0).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import polars as pl

from etl.dedupe import identify_papers, latest_paper_texts
from etl.extract import discover_dumps, read_dumps
from bench.rake import keyphrases
from etl.parse import parse_dumps
from etl.settings import Settings
from etl.stopwords import STOPWORDS

TOP_N = 10


def sample_papers(raw_dir: Path) -> pl.DataFrame:
    """The deduplicated papers of a dump folder."""
    parsed = parse_dumps(read_dumps(discover_dumps(raw_dir)))
    return latest_paper_texts(identify_papers(parsed.entries)).sort("paper_id")


def yake_keyphrases(papers: pl.DataFrame) -> tuple[dict[int, list[str]], float]:
    """YAKE's top keyphrases per paper id, and the seconds it took."""
    import yake  # only the benchmark needs it

    extractor = yake.KeywordExtractor(lan="en", n=3, top=TOP_N)
    started = time.perf_counter()
    found = {
        paper_id: [phrase.lower() for phrase, _ in extractor.extract_keywords(f"{title}. {abstract}")]
        for paper_id, title, abstract in papers.select("paper_id", "title", "abstract").iter_rows()
    }
    return found, time.perf_counter() - started


def ours(papers: pl.DataFrame) -> tuple[dict[int, list[str]], float]:
    """Our top keyphrases per paper id, and the seconds it took."""
    started = time.perf_counter()
    ranked = keyphrases(papers, TOP_N).sort("paper_id", "rank")
    seconds = time.perf_counter() - started
    grouped = ranked.group_by("paper_id", maintain_order=True).agg("keyword")
    return dict(zip(grouped["paper_id"], grouped["keyword"].to_list(), strict=True)), seconds


def overlap(a: list[str], b: list[str], loose: bool = False) -> float:
    """Share of the top-10 list `a` found in `b` (loosely: one phrase contains the other)."""
    if not a:
        return 0.0
    if loose:
        hits = sum(any(x in y or y in x for y in b) for x in a)
    else:
        hits = len(set(a) & set(b))
    return hits / TOP_N


def rule_breaks(phrases: list[str]) -> dict[str, int]:
    """Our keyphrases that start or end with a stopword, or have no letter (all must be 0)."""
    words = [p.split(" ") for p in phrases]
    return {
        "starts_with_stopword": sum(w[0] in STOPWORDS for w in words),
        "ends_with_stopword": sum(w[-1] in STOPWORDS for w in words),
        "no_letter": sum(not any(c.isalpha() for c in p) for p in phrases),
    }


def compare(raw_dir: Path, examples: int) -> dict:
    """All figures of the comparison."""
    papers = sample_papers(raw_dir)
    mine, my_seconds = ours(papers)
    theirs, their_seconds = yake_keyphrases(papers)
    ids = papers["paper_id"].to_list()
    titles = dict(zip(ids, papers["title"], strict=True))
    step = max(1, len(ids) // examples)
    return {
        "papers": len(ids),
        "examples": [
            {"title": titles[i], "ours": mine.get(i, []), "yake": theirs[i]} for i in ids[::step][:examples]
        ],
        "mean_exact_overlap": sum(overlap(mine.get(i, []), theirs[i]) for i in ids) / len(ids),
        "mean_loose_overlap": sum(overlap(mine.get(i, []), theirs[i], loose=True) for i in ids) / len(ids),
        "ours_papers_per_second": len(ids) / my_seconds,
        "yake_papers_per_second": len(ids) / their_seconds,
        "rule_breaks": rule_breaks([p for phrases in mine.values() for p in phrases]),
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.keywords_quality", description=__doc__.splitlines()[0]
    )
    parser.add_argument("raw_dir", nargs="?", type=Path)
    parser.add_argument("--examples", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = compare(args.raw_dir or Settings.from_env().raw_dir, args.examples)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    for example in result["examples"]:
        print(f"\n{example['title']}")
        for rank, (a, b) in enumerate(
            zip(example["ours"] + [""] * TOP_N, example["yake"] + [""] * TOP_N, strict=False), 1
        ):
            if rank > TOP_N:
                break
            print(f"  {rank:>2}. {a:<42} {b}")
    print(
        f"\n{result['papers']} papers; mean overlap of our top {TOP_N} with YAKE's: "
        f"{result['mean_exact_overlap']:.1%} exact, {result['mean_loose_overlap']:.1%} loose (one contains the other)"
    )
    print(
        f"speed on the sample: ours {result['ours_papers_per_second']:,.0f} papers/s, "
        f"YAKE {result['yake_papers_per_second']:,.0f} papers/s"
    )
    print("our keyphrases breaking a rule:", result["rule_breaks"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
