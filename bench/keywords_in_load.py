"""A whole `paperhouse load` with a chosen keyword extractor, to time extractors inside the pipeline.

    python -m bench.keywords_in_load CORPUS WAREHOUSE [--extractor topics|topics-empty-forms|rake|rake-empty-forms|none]

`topics` is the load as shipped. `none` extracts neither keywords nor search words (both
extractors are handed no papers, so their tables stay empty): the load without them, for issue
36's "keywords and search add at most 25%". `rake` swaps in the RAKE extractor the project used before
(`bench.rake`), each paper's row keeping the keyword as its `form`; `rake-empty-forms` and
`topics-empty-forms` store an empty `form` instead, which isolates what storing the written forms
costs (the most any other way of storing them could save). Everything else (SQL,
batches, checks, publish) is the shipped code, so a paired A/B of two of these measures the
extractor alone: run them in turn (A B A B ...), each timed whole, for instance

    /usr/bin/time -v python -m bench.keywords_in_load C /tmp/a.duckdb
    /usr/bin/time -v python -m bench.keywords_in_load C /tmp/b.duckdb --extractor rake

and take the ratio pair by pair.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import polars as pl

import etl.merge
import etl.transform
from bench import rake
from etl.cli import main as paperhouse


def _rake(empty_forms: bool):
    def extract(papers: pl.DataFrame, top_n: int = rake.TOP_N) -> tuple[pl.DataFrame, pl.DataFrame]:
        keywords, paper_keywords = rake.extract_keywords(papers, top_n)
        form = (
            paper_keywords.with_columns(form=pl.lit(""))
            if empty_forms
            else paper_keywords.join(
                keywords.select("keyword_id", form="keyword"), on="keyword_id", how="left"
            )
        )
        return keywords, form.select("paper_id", "keyword_id", "form", "score", "rank")

    return extract


def _empty_forms(extract):
    def empty(papers: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        keywords, paper_keywords = extract(papers)
        return keywords, paper_keywords.with_columns(form=pl.lit(""))

    return empty


def _nothing(extract):
    def none(papers: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        return extract(papers.head(0))

    return none


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: the load's exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.keywords_in_load", description=__doc__.splitlines()[0]
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("warehouse", type=Path)
    parser.add_argument(
        "--extractor",
        choices=["topics", "topics-empty-forms", "rake", "rake-empty-forms", "none"],
        default="topics",
    )
    args = parser.parse_args(argv)
    shutil.rmtree(args.warehouse.parent, ignore_errors=True)  # a fresh warehouse in its own folder
    shipped = etl.transform.extract_keywords, etl.merge.extract_keywords
    shipped_search = etl.transform.search_index, etl.merge.search_index
    if args.extractor == "none":
        etl.transform.extract_keywords = etl.merge.extract_keywords = _nothing(shipped[0])
        etl.transform.search_index = etl.merge.search_index = _nothing(shipped_search[0])
    elif args.extractor == "topics-empty-forms":
        etl.transform.extract_keywords = etl.merge.extract_keywords = _empty_forms(shipped[0])
    elif args.extractor != "topics":
        etl.transform.extract_keywords = etl.merge.extract_keywords = _rake(
            args.extractor == "rake-empty-forms"
        )
    try:
        return paperhouse(["load", str(args.corpus), "--warehouse", str(args.warehouse), "--json"])
    finally:  # the shipped extractor again, for whatever else runs in this process
        etl.transform.extract_keywords, etl.merge.extract_keywords = shipped
        etl.transform.search_index, etl.merge.search_index = shipped_search


if __name__ == "__main__":
    raise SystemExit(main())
