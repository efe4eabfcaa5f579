"""What an analyst sees in `v_keyword_counts` on the sample: the top 100 keyphrases, audited.

    python -m bench.keywords_topics [RAW_DIR] [--json]

Prints, for the papers of a dump folder (default: the bundled sample):

- the 100 keyphrases shared by the most papers (ties by keyword);
- concepts split into variants among them: two keywords that read the same once casefolded,
  hyphens and spaces dropped and words singular ("fine-tuning" / "finetuning"), or where one is
  the initials of the other ("llm" / "large language model"); independent of the extractor's
  word tables;
- how many of them `tests/data/keywords_top100_audit.tsv` judges not a topic (a generic phrase,
  a verb fragment, a number); a keyphrase missing from the audit is listed, so that a change to
  the extractor is audited again;
- how many keyphrases two or more papers share.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import polars as pl

from bench.keywords_gold import RAW, _singular, sample_papers
from etl.keywords import extract_keywords

AUDIT = Path(__file__).resolve().parents[1] / "tests" / "data" / "keywords_top100_audit.tsv"
TOP = 100


def read_audit() -> dict[str, str]:
    """keyword -> `topic` or `not topic`, as judged by hand."""
    rows = [
        line.split("\t") for line in AUDIT.read_text(encoding="utf-8").splitlines() if line and line[0] != "#"
    ]
    return {keyword: verdict for keyword, verdict in rows}


def counts(raw_dir: Path) -> pl.DataFrame:
    """Papers per keyphrase, most shared first (ties by keyword)."""
    keywords, paper_keywords = extract_keywords(sample_papers(raw_dir))
    return (
        paper_keywords.join(keywords.filter(pl.col("kind") == "keyphrase"), on="keyword_id")
        .group_by("keyword")
        .agg(papers=pl.len())
        .sort(["papers", "keyword"], descending=[True, False])
    )


def _squeezed(keyword: str) -> str:
    return "".join(_singular(w) for w in re.split(r"[\s\-]+", keyword.casefold()) if w)


def _initials(keyword: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", keyword.casefold()) if w]
    return "".join(w[0] for w in words) if len(words) >= 2 else ""


def split_concepts(keywords: list[str]) -> list[list[str]]:
    """Groups of keywords that name one concept in different forms."""
    groups: dict[str, list[str]] = {}
    for keyword in keywords:
        groups.setdefault(_squeezed(keyword), []).append(keyword)
    split = [group for group in groups.values() if len(group) > 1]
    singles = {_squeezed(k): k for k in keywords if " " not in k and "-" not in k}
    for keyword in keywords:
        short = singles.get(_initials(keyword))
        if short and short != keyword:
            split.append([short, keyword])
    return split


def report(raw_dir: Path) -> dict:
    """The figures of the audit."""
    table = counts(raw_dir)
    top = table.head(TOP)
    audit = read_audit()
    keywords = top["keyword"].to_list()
    return {
        "keyphrases": table.height,
        "shared_by_two_or_more": table.filter(pl.col("papers") >= 2).height,
        "top": top.rows(),
        "split_concepts": split_concepts(keywords),
        "not_topics": [k for k in keywords if audit.get(k) == "not topic"],
        "unaudited": [k for k in keywords if k not in audit],
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.keywords_topics", description=__doc__.splitlines()[0]
    )
    parser.add_argument("raw_dir", nargs="?", type=Path, default=RAW)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = report(args.raw_dir)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(", ".join(f"{keyword} ({papers})" for keyword, papers in result["top"]))
    print(
        f"\n{result['keyphrases']:,} keyphrases; {result['shared_by_two_or_more']:,} shared by two or more papers"
    )
    print(
        f"concepts split into variants in the top {TOP}: {len(result['split_concepts'])} {result['split_concepts']}"
    )
    print(f"not topics in the top {TOP} (audit): {len(result['not_topics'])} {result['not_topics']}")
    if result["unaudited"]:
        print(f"not yet audited: {result['unaudited']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
