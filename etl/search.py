"""The full-text search index of a batch's papers (docs/search.md): postings and document lengths.

A paper's words are its title, a space and its abstract as the warehouse's macro `search_words`
splits them (lowercased, runs of letters and digits), a stop word (`models.SEARCH_STOPWORDS`, the rows of
`search_stopwords`) left out, each under its term (the macro `search_term`: a plural folded into
its singular). The query side splits with the same macros, in SQL, in every client; so the words
are found by those very macros (`sql/functions/duckdb/`), run by an in-memory DuckDB on the
distinct pieces of text only: Python's, Polars' and DuckDB's lowercasing and letter classes
disagree on some letters (`İ`, a final `Σ`, letters newer than a library's Unicode tables).

Strings are handled once per distinct piece: the texts are cut at spaces (a literal split, which
the word rule agrees with), the pieces coded by a categorical, only the distinct ones split into
words by the macros, and the counting runs on integer codes (one sort of `term << 32 | paper`).
"""

from __future__ import annotations

import threading
from functools import cached_property

import duckdb
import numpy as np
import polars as pl

from etl.sql import sql_file
from models import SEARCH_STOPWORDS

_TERMS_SQL = """SELECT p.code, list_transform(
    list_filter(search_words(p.piece), lambda w: NOT list_contains(s.words, w)), lambda w: search_term(w)
) AS terms
FROM search_pieces AS p, (SELECT list(word) AS words FROM search_stopwords) AS s"""


class WordRule:
    """The warehouse's word rule (its macros), run by an in-memory DuckDB (a cursor per thread)."""

    def __init__(self) -> None:
        self._local = threading.local()

    @cached_property
    def _database(self) -> duckdb.DuckDBPyConnection:
        database = duckdb.connect(":memory:")
        for name in ("search_words", "search_term"):
            database.execute(sql_file("functions", name, "duckdb"))
        database.execute(
            "CREATE TABLE search_stopwords AS SELECT unnest(?::VARCHAR[]) AS word", [SEARCH_STOPWORDS]
        )
        return database

    def terms(self, pieces: pl.DataFrame) -> pl.DataFrame:
        """(code, term) of each indexed word of each piece of `pieces` (code, piece), in no order."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._local.cursor = self._database.cursor()
        cursor.register("search_pieces", pieces.to_arrow())
        try:
            found = cursor.sql(_TERMS_SQL).pl().explode("terms").drop_nulls()
            return found.select(pl.col("code").cast(pl.UInt32), term=pl.col("terms").cast(pl.String))
        finally:
            cursor.unregister("search_pieces")


WORD_RULE = WordRule()  # shared by every load of this process: it holds no data between calls


def search_index(papers: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (search_postings, search_documents) for papers with `paper_id`, `title` and `abstract`.

    Postings: one row per term and paper, with its count (`tf`), ordered by term then paper.
    Documents: one row per paper, with its number of indexed words (0 when it has none).
    """
    papers = papers.select("paper_id", "title", "abstract").sort("paper_id")
    split = papers.select(pl.concat_str("title", "abstract", separator=" ").str.split(" ").alias("pieces"))
    paper = pl.Series(
        np.repeat(np.arange(papers.height, dtype=np.uint64), split["pieces"].list.len().to_numpy())
    )
    # Codes dense from 0 in the order of the categories (of this call alone): a code indexes a series.
    coded = split["pieces"].explode().cast(pl.Categorical(pl.Categories.random()))
    codes = coded.to_physical()
    distinct = coded.dtype.categories.to_series()  # type: ignore[attr-defined]
    # The distinct pieces: their words (none, one or several: `GPT-4o,`, a URL), stop words left out, as terms.
    vocabulary = WORD_RULE.terms(
        pl.DataFrame({"code": pl.int_range(len(distinct), dtype=pl.UInt32, eager=True), "piece": distinct})
    )
    terms = vocabulary["term"].unique().sort()
    vocabulary = vocabulary.select(
        "code", term_key=pl.col("term").cast(pl.Enum(terms)).to_physical().cast(pl.UInt64) * 2**32
    )
    # Each piece's term by a gather when it has one (most), by a join for the few with several.
    per_code = pl.DataFrame({"code": pl.int_range(len(distinct), dtype=pl.UInt32, eager=True)}).join(
        vocabulary.group_by("code").agg(words=pl.len(), term_key=pl.col("term_key").first()),
        on="code",
        how="left",
        maintain_order="left",
    )
    single = per_code.select(pl.when(pl.col("words") == 1).then("term_key"))["term_key"]
    several = per_code["words"].fill_null(0) > 1
    # Counted by one sort of term << 32 | paper: postings come out ordered by term, then paper_id.
    keys = pl.concat(
        [
            (single.gather(codes) + paper).drop_nulls(),
            pl.DataFrame({"paper": paper, "code": codes})
            .filter(several.gather(codes))
            .join(vocabulary, on="code")
            .select(key=pl.col("term_key") + pl.col("paper"))["key"],
        ]
    )
    lengths = np.bincount((keys % 2**32).to_numpy(), minlength=papers.height)
    documents = papers.select("paper_id", terms=pl.Series(lengths, dtype=pl.Int32))
    counted = keys.sort().rle().struct.unnest()
    postings = pl.DataFrame(
        {
            "term": terms.gather(counted["value"] // 2**32),
            "paper_id": papers["paper_id"].gather(counted["value"] % 2**32),
            "tf": counted["len"].cast(pl.Int32),
        }
    )
    return postings, documents
