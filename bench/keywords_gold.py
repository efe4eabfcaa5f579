"""Keywords against hand labels: precision@10 and recall of today's, the previous and YAKE's keywords.

    python -m bench.keywords_gold [--split heldout|tune|all] [--json]

`tests/data/keywords_gold.jsonl` holds 96 real papers of `data/raw`, each labelled by hand
with the 3 to 6 keyphrases an analyst would tag, before any extractor's output was seen; half
are `tune` (used to adjust the extractor), half `heldout` (reported, never tuned on). For each
paper, each extractor's top 10 keyphrases are compared with the labels:

- precision@10: the share of a paper's (at most 10) keyphrases that match a label;
- recall: the share of a paper's labels matched by one of its keyphrases;

both averaged over papers. `exact` compares casefolded strings; `lenient` also reads hyphens
as spaces and every word in the singular (a plain suffix rule, independent of the extractor's
word tables). The previous extractor is RAKE (`bench.rake`); YAKE is the `yake` package (n-grams
up to 3, top 10), a reference the project did not write. Papers/s of each is printed too.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import polars as pl

from bench import rake
from etl import keywords
from etl.dedupe import identify_papers, latest_paper_texts
from etl.extract import discover_dumps, read_dumps
from etl.parse import parse_dumps

GOLD = Path(__file__).resolve().parents[1] / "tests" / "data" / "keywords_gold.jsonl"
TOP_N = 10
RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


def sample_papers(raw_dir: Path) -> pl.DataFrame:
    """The deduplicated papers of a dump folder."""
    parsed = parse_dumps(read_dumps(discover_dumps(raw_dir)))
    return latest_paper_texts(identify_papers(parsed.entries)).sort("paper_id")


def yake_keyphrases(papers: pl.DataFrame) -> tuple[dict[int, list[str]], float]:
    """YAKE's top keyphrases per paper id (n-grams up to 3, top 10), and the seconds it took."""
    import yake  # only the benchmark needs it

    extractor = yake.KeywordExtractor(lan="en", n=3, top=TOP_N)
    started = time.perf_counter()
    found = {
        paper_id: [phrase.lower() for phrase, _ in extractor.extract_keywords(f"{title}. {abstract}")]
        for paper_id, title, abstract in papers.select("paper_id", "title", "abstract").iter_rows()
    }
    return found, time.perf_counter() - started


def read_gold(split: str) -> list[dict]:
    """The labelled papers of a split (`tune`, `heldout` or `all`)."""
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line]
    return [row for row in rows if split == "all" or row["split"] == split]


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def normalize(phrase: str, lenient: bool) -> str:
    """A phrase as compared: casefolded; leniently also hyphens as spaces and words singular."""
    phrase = phrase.casefold().strip()
    if not lenient:
        return phrase
    words = re.split(r"[\s\-]+", phrase)
    return " ".join(_singular(w) for w in words if w)


def score(found: dict[int, list[str]], gold: list[dict], lenient: bool) -> dict[str, float]:
    """Mean precision@10 and recall of `found` (paper id -> ranked keyphrases) against the labels."""
    precisions, recalls = [], []
    for row in gold:
        labels = {normalize(p, lenient) for p in row["keyphrases"]}
        top = [normalize(p, lenient) for p in found.get(row["paper_id"], [])[:TOP_N]]
        precisions.append(sum(p in labels for p in top) / len(top) if top else 0.0)
        recalls.append(len(labels & set(top)) / len(labels))
    return {"precision_at_10": sum(precisions) / len(gold), "recall": sum(recalls) / len(gold)}


def _ranked(frame: pl.DataFrame) -> dict[int, list[str]]:
    grouped = frame.sort("paper_id", "rank").group_by("paper_id", maintain_order=True).agg("keyword")
    return dict(zip(grouped["paper_id"], grouped["keyword"].to_list(), strict=True))


def extractors(papers: pl.DataFrame) -> dict[str, tuple[dict[int, list[str]], float]]:
    """Each extractor's keyphrases per paper id, and its papers/s, on these papers."""
    results = {}
    for name, extract in (("topics (now)", keywords.keyphrases), ("RAKE (before)", rake.keyphrases)):
        extract(papers.head(20))  # first-call costs (word tables, caches) are not the method's
        started = time.perf_counter()
        frame = extract(papers, TOP_N)
        results[name] = (_ranked(frame), papers.height / (time.perf_counter() - started))
    found, seconds = yake_keyphrases(papers)
    results["YAKE (reference)"] = (found, papers.height / seconds)
    return results


def compare(split: str, raw_dir: Path = RAW) -> dict:
    """Scores of every extractor on a split of the gold set."""
    gold = read_gold(split)
    papers = sample_papers(raw_dir).filter(pl.col("paper_id").is_in([row["paper_id"] for row in gold]))
    if papers.height != len(gold):
        raise SystemExit(f"{len(gold) - papers.height} labelled papers are not in {raw_dir}")
    return {
        "split": split,
        "papers": len(gold),
        "extractors": {
            name: {
                "exact": score(found, gold, lenient=False),
                "lenient": score(found, gold, lenient=True),
                "papers_per_second": speed,
            }
            for name, (found, speed) in extractors(papers).items()
        },
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.keywords_gold", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--split", choices=["heldout", "tune", "all"], default="heldout")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = compare(args.split)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{result['papers']} hand-labelled papers ({result['split']}); precision@10 / recall")
    print(f"  {'extractor':<18} {'exact':>15} {'lenient':>15}")
    for name, figures in result["extractors"].items():
        exact, lenient = figures["exact"], figures["lenient"]
        print(
            f"  {name:<18} {exact['precision_at_10']:>6.2f} / {exact['recall']:.2f}"
            f" {lenient['precision_at_10']:>6.2f} / {lenient['recall']:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
