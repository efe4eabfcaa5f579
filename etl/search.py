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
import pyarrow as pa

from etl.sql import sql_file
from models import SEARCH_STOPWORDS

# Each piece's words in order, a stop word as NULL (it keeps its place, unindexed), the others as terms.
_TERMS_SQL = """SELECT p.code, list_transform(
    search_words(p.piece), lambda w: CASE WHEN list_contains(s.words, w) THEN NULL ELSE search_term(w) END
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

    def terms(self, pieces: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(code, offset, term) of each indexed word of each piece of `pieces` (code, piece), in no
        order, its offset its place in the piece from 0 (stop words counted); and (code, places):
        each piece's number of words, stop words included (0 for none)."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._local.cursor = self._database.cursor()
        cursor.register("search_pieces", pieces.to_arrow())
        try:
            found = cursor.sql(_TERMS_SQL).pl()
            places = found.select(
                pl.col("code").cast(pl.UInt32), places=pl.col("terms").list.len().cast(pl.UInt32)
            )
            words = (
                found.select(
                    pl.col("code").cast(pl.UInt32),
                    offset=pl.int_ranges(pl.col("terms").list.len(), dtype=pl.UInt32),
                    term=pl.col("terms").cast(pl.List(pl.String)),
                )
                .explode("offset", "term")
                .drop_nulls()
            )
            return words, places
        finally:
            cursor.unregister("search_pieces")


CHUNK_PAPERS = 4_096  # papers counted at once: bounds the words held (about 100 per paper)
WORD_RULE = WordRule()  # shared by every load of this process: it holds no data between calls


def search_index(papers: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (search_postings, search_documents) for papers with `paper_id`, `title` and `abstract`.

    Postings: one row per term and paper, with its count (`tf`), its paper's number of indexed words
    (`length`, the paper's `terms` in documents) and its places (`positions`, from 1, stop words
    counted, ascending), ordered by term then paper.
    Documents: one row per paper, with its number of indexed words (0 when it has none).
    """
    papers = papers.select("paper_id", "title", "abstract").sort("paper_id")
    # Counted `CHUNK_PAPERS` papers at a time: every word of a batch at once held tens of bytes per
    # word several times over, the transform's largest peak. The chunks are consecutive papers, so
    # a stable sort by term puts their postings in term then paper order again.
    chunks = [
        _chunk_index(papers.slice(start, CHUNK_PAPERS))
        for start in range(0, max(papers.height, 1), CHUNK_PAPERS)
    ]
    postings = pl.concat([postings for postings, _ in chunks])
    if len(chunks) > 1:
        postings = postings.sort("term", maintain_order=True)
    return postings, pl.concat([documents for _, documents in chunks])


def _chunk_index(papers: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`search_index` of papers already sorted by `paper_id`, all at once."""
    split = papers.select(pl.concat_str("title", "abstract", separator=" ").str.split(" ").alias("pieces"))
    paper = pl.Series(
        np.repeat(np.arange(papers.height, dtype=np.uint64), split["pieces"].list.len().to_numpy())
    )
    # Codes dense from 0 in the order of the categories (of this call alone): a code indexes a series.
    coded = split["pieces"].explode().cast(pl.Categorical(pl.Categories.random()))
    codes = coded.to_physical()
    distinct = coded.dtype.categories.to_series()  # type: ignore[attr-defined]
    # The distinct pieces: their words (none, one or several: `GPT-4o,`, a URL), stop words left out, as terms.
    vocabulary, places = WORD_RULE.terms(
        pl.DataFrame({"code": pl.int_range(len(distinct), dtype=pl.UInt32, eager=True), "piece": distinct})
    )
    terms = vocabulary["term"].unique().sort()
    vocabulary = vocabulary.select(
        "code", "offset", term_key=pl.col("term").cast(pl.Enum(terms)).to_physical().cast(pl.UInt64) * 2**32
    )
    # Each piece's term by a gather when it has one (most), by a join for the few with several.
    per_code = (
        pl.DataFrame({"code": pl.int_range(len(distinct), dtype=pl.UInt32, eager=True)})
        .join(
            vocabulary.group_by("code").agg(
                words=pl.len(), term_key=pl.col("term_key").first(), offset=pl.col("offset").first()
            ),
            on="code",
            how="left",
            maintain_order="left",
        )
        .join(places, on="code", how="left", maintain_order="left")
    )
    single = per_code.select(pl.when(pl.col("words") == 1).then("term_key"))["term_key"]
    several = per_code["words"].fill_null(0) > 1
    # Each piece's first place in the text of all papers (stop words counted): a word's is its piece's
    # plus its offset in the piece; places only compare within a paper.
    occurrence_places = places["places"].fill_null(0).cast(pl.UInt64).gather(codes)
    first_place = occurrence_places.cum_sum() - occurrence_places
    single_words = pl.DataFrame(
        {
            "place": first_place + per_code["offset"].cast(pl.UInt64).gather(codes),
            "key": single.gather(codes) + paper,
        }
    ).drop_nulls()
    several_words = (
        pl.DataFrame({"paper": paper, "code": codes, "first_place": first_place})
        .filter(several.gather(codes))
        .join(vocabulary, on="code", maintain_order="left_right")
        .select(
            place=pl.col("first_place") + pl.col("offset").cast(pl.UInt64),
            key=pl.col("term_key") + pl.col("paper"),
        )
        .sort("place")
    )
    # Every indexed word of every paper, in the papers' order and each paper's word order.
    words = single_words.merge_sorted(several_words, key="place")
    keys = words["key"]
    lengths = np.bincount((keys % 2**32).to_numpy(), minlength=papers.height)
    documents = papers.select("paper_id", terms=pl.Series(lengths, dtype=pl.Int32))
    # Each word's place in its paper, from 1, stop words counted (the paper's first piece's place is
    # its first place): kept with the postings, for phrases.
    first_piece = split["pieces"].list.len().cum_sum() - split["pieces"].list.len()
    paper_index = keys % 2**32
    position = words["place"] - first_place.gather(first_piece).gather(paper_index) + 1
    term_bits = max(1, (len(terms) - 1).bit_length())
    paper_bits = max(1, (papers.height - 1).bit_length())
    position_bits = max(1, int(position.max() or 0).bit_length())
    if term_bits + paper_bits + position_bits <= 64:  # one key, one sort; NumPy in place
        packed = keys.to_numpy().copy()  # term << 32 | paper
        np.right_shift(packed, np.uint64(32), out=packed)
        np.left_shift(packed, np.uint64(paper_bits), out=packed)
        np.bitwise_or(packed, paper_index.to_numpy(), out=packed)
        np.left_shift(packed, np.uint64(position_bits), out=packed)
        np.bitwise_or(packed, position.to_numpy(), out=packed)
        packed = pl.Series(packed).sort().to_numpy().copy()
        position = pl.Series((packed & np.uint64(2**position_bits - 1)).astype(np.int32))
        np.right_shift(packed, np.uint64(position_bits), out=packed)  # term << paper_bits | paper
        term = pl.Series(packed >> np.uint64(paper_bits))
        paper_index = pl.Series(packed & np.uint64(2**paper_bits - 1))
        packed = pl.Series(packed)
    else:  # a batch of too many terms or papers for one key
        table = pl.DataFrame({"term": keys // 2**32, "paper": paper_index, "position": position}).sort(
            "term", "paper", "position"
        )
        term, paper_index, position = table["term"], table["paper"], table["position"].cast(pl.Int32)
        packed = term * 2**32 + paper_index
    starts = (packed != packed.shift(1)).fill_null(True).arg_true()  # the first word of each (term, paper)
    offsets = pl.concat([starts, pl.Series([len(packed)], dtype=starts.dtype)]).cast(pl.Int32)
    postings = pl.DataFrame(
        {
            "term": terms.gather(term.gather(starts)),
            "paper_id": papers["paper_id"].gather(paper_index.gather(starts)),
            "tf": offsets.diff().drop_nulls(),
            "length": documents["terms"].gather(paper_index.gather(starts)),
            "positions": pl.Series(pa.ListArray.from_arrays(offsets.to_arrow(), position.to_arrow())),
        }
    )
    return postings, documents
