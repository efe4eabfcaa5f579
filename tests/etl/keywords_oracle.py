"""The oracle: RAKE as `etl.keywords` computed it before its integer rewrite (Polars only), kept to test against.

Keyphrases of each paper by RAKE (Rose et al., 2010), vectorized in Polars.

RAKE splits a text at stopwords and punctuation into candidate phrases, scores each word
by degree / frequency over the candidates, and each phrase by the sum of its words' scores.
A paper's keywords depend only on its own title and abstract.

The text is cut into candidates by whole-column string operations, so only candidate words
(not every token) become rows, and per-paper statistics come from sorting one 64-bit key
(paper index above, an in-process word hash below) rather than from group-bys on strings.
Those hashes never leave this module; stored keys come from `etl.normalize.stable_id_expr`.
"""

from __future__ import annotations

import polars as pl

from etl.links import URL_RE
from etl.stopwords import STOPWORDS

METHOD = "RAKE"
TOP_N = 10
MAX_PHRASE_WORDS = 3
_BREAK = " | "
# Anything but letters, digits, whitespace and in-word joiners ends a phrase; so do joiners
# (' ’ - .) at a word's edge or doubled: "Qwen2.5-Math" stays one word, "models." does not.
_PUNCTUATION_RE = r"[^\p{L}\p{N}\s'’.\-]+|[.'’\-]+(?:\s|$)|(?:^|\s)[.'’\-]+|[.'’\-]{2,}"
_STOPWORDS = pl.Series("stopword", sorted(STOPWORDS), dtype=pl.String)
# A title such as "RAFT: Reward rAnked ..." announces the method it names before the colon.
METHOD_NAME_RE = r"^\s*([^\s:,;]{2,40}(?:\s[^\s:,;]{1,20}){0,2}):\s"

_PAPER_SHIFT = 1 << 40  # word and phrase keys: paper index * 2^40 + a 40-bit hash
_RANK_PAPER_SHIFT = 1 << 44  # rank keys: paper index, then 24 bits of inverted score, then 20 of position
_SCORE_SHIFT = 1 << 20
_SCORE_SCALE = (
    10**6
)  # scores rank at 6 decimals (at most 9 * 10^6 < 2^24), so float noise cannot reorder ties
_MAX_POSITION = _SCORE_SHIFT - 1
_PAPERS_PER_CHUNK = 1 << 19  # paper indexes fit the 20 high bits of a rank key
_MAX_SCORE = (1 << 24) - 1


def _segment_bounds(keys: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """For a column whose equal values are adjacent: the first and last row index of each row's run."""
    index = pl.int_range(pl.len(), dtype=pl.Int64)
    first = pl.when((keys != keys.shift(1)).fill_null(True)).then(index).otherwise(0).cum_max()
    last = pl.when((keys != keys.shift(-1)).fill_null(True)).then(index).backward_fill()
    return first, last


def _in_paper_key(paper: pl.Expr, text: pl.Expr) -> pl.Expr:
    """A 64-bit key equal for equal texts of one paper (in-process hash, never stored)."""
    return paper.cast(pl.UInt64) * _PAPER_SHIFT + text.hash() // (1 << 24)


def _tokens(papers: pl.DataFrame) -> pl.DataFrame:
    """One row per token of title and abstract, in text order: paper (row index), token, breaks.

    `breaks` marks what ends a phrase: punctuation, a stopword, a single character, a token without a letter.
    """
    text = (
        pl.concat_str(pl.col("title"), pl.lit(" . "), pl.col("abstract"))
        .str.replace_all(URL_RE, _BREAK)  # a URL is no phrase, nor part of the word glued to it
        .str.to_lowercase()
        .str.replace_all(_PUNCTUATION_RE, _BREAK)
        .str.replace_all(r"[^\S ]", " ")
    )
    # Row-wise string work on both cores; the streaming engine keeps the row order.
    tokens = (
        papers.lazy()
        .select(paper=pl.int_range(pl.len(), dtype=pl.UInt32), token=text.str.split(" "))
        .explode("token")
        .filter(pl.col("token") != "")
        .collect(engine="streaming")
    )
    return tokens.with_columns(breaks=_breaks(tokens["token"]))


def _breaks(tokens: pl.Series) -> pl.Series:
    """Whether each token ends a phrase, decided once per distinct token (a text repeats few words many times)."""
    token = pl.col("token")
    hashes = tokens.hash()  # in-process, never stored: only matches tokens to their distinct values
    first = hashes.arg_unique()
    vocabulary = pl.DataFrame({"token": tokens.gather(first), "hash": hashes.gather(first)})
    breaking = vocabulary.filter(
        (token == "|")
        | token.is_in(pl.lit(_STOPWORDS).implode())
        | (token.str.len_chars() < 2)
        | ~token.str.contains(r"\p{L}")
    )
    return hashes.is_in(breaking["hash"].implode()).alias("breaks")


def candidate_words(papers: pl.DataFrame) -> pl.DataFrame:
    """Words of the RAKE candidates of at most MAX_PHRASE_WORDS words, in text order.

    Columns: paper (row index), word, phrase (a number increasing through each paper), n (its words).
    """
    paper_starts = (pl.col("paper") != pl.col("paper").shift(1)).fill_null(True)
    first, last = _segment_bounds(pl.col("phrase"))
    # A run of one phrase number is its break token (none at a paper's start), then its words.
    n_words = last - first + 1 - pl.col("breaks").gather(first).cast(pl.Int64)
    return (
        _tokens(papers)
        .lazy()
        .with_columns(phrase=(pl.col("breaks") | paper_starts).cum_sum().cast(pl.Int64))
        .with_columns(n=n_words)
        .filter(~pl.col("breaks") & (pl.col("n") <= MAX_PHRASE_WORDS))  # the strings move once
        .select("paper", word="token", phrase="phrase", n="n")
        .collect()
    )


def _word_scores(words: pl.DataFrame) -> pl.Series:
    """Degree / frequency of each candidate word within its paper, one value per row of `words`."""
    first, last = _segment_bounds(pl.col("key"))
    seen = pl.col("seen")
    degree = seen.gather(pl.col("last")) - seen.gather(pl.col("first")) + pl.col("n").gather(pl.col("first"))
    by_key = (
        words.select(
            row=pl.int_range(pl.len(), dtype=pl.Int64),
            n=pl.col("n").cast(pl.Int64),
            key=_in_paper_key(pl.col("paper"), pl.col("word")),
        )
        .sort("key")
        # Integer prefix sums are exact, so every occurrence of a word gets the bit-same score.
        .with_columns(first=first, last=last, seen=pl.col("n").cum_sum())
        .select("row", score=degree / (pl.col("last") - pl.col("first") + 1))
    )
    scores = pl.Series("score", [], dtype=pl.Float64).extend_constant(0.0, words.height)
    return scores.scatter(by_key["row"], by_key["score"])


def candidate_phrases(papers: pl.DataFrame) -> pl.DataFrame:
    """RAKE candidates with their scores: paper (row index), pos (in the paper), phrase, score."""
    words = candidate_words(papers)
    first, _ = _segment_bounds(pl.col("phrase"))
    offsets = range(1, MAX_PHRASE_WORDS)
    # Candidates are contiguous and at most three words long: a head row sees its followers by shifting.
    heads = (
        words.with_columns(word_score=_word_scores(words))
        .with_columns(
            *(pl.when(pl.col("n") > i).then(pl.col("word").shift(-i)).alias(f"word_{i}") for i in offsets),
            *(
                pl.when(pl.col("n") > i).then(pl.col("word_score").shift(-i)).alias(f"score_{i}")
                for i in offsets
            ),
            is_head=pl.int_range(pl.len(), dtype=pl.Int64) == first,
        )
        .filter("is_head")
    )
    paper_first, _ = _segment_bounds(pl.col("paper"))
    return heads.select(
        "paper",
        pos=pl.col("phrase") - pl.col("phrase").gather(paper_first),
        phrase=pl.concat_str(["word", *(f"word_{i}" for i in offsets)], separator=" ", ignore_nulls=True),
        # Added in word order, so equal phrases get bit-equal scores.
        score=pl.sum_horizontal("word_score", *(f"score_{i}" for i in offsets)),
    )


def _top_phrases(papers: pl.DataFrame, top_n: int) -> pl.DataFrame:
    """Top keyphrases of at most _PAPERS_PER_CHUNK papers: paper (row index), keyword, score, rank."""
    scored = candidate_phrases(papers)
    # Each distinct phrase of a paper once, at its first position (the stable sort keeps positions ascending).
    distinct_first, _ = _segment_bounds(pl.col("key"))
    distinct = (
        scored.with_columns(key=_in_paper_key(pl.col("paper"), pl.col("phrase")))
        .sort("key", maintain_order=True)
        .filter(pl.int_range(pl.len(), dtype=pl.Int64) == distinct_first)
    )
    quantized = (pl.col("score") * _SCORE_SCALE).round(0).cast(pl.Int64)
    rank_key = (
        pl.col("paper").cast(pl.Int64) * _RANK_PAPER_SHIFT
        + (_MAX_SCORE - quantized) * _SCORE_SHIFT
        + pl.col("pos").clip(upper_bound=_MAX_POSITION)
    )
    paper_first, _ = _segment_bounds(pl.col("paper"))
    return (
        distinct.select("paper", "phrase", quantized=quantized, rank_key=rank_key)
        .sort("rank_key")
        .with_columns(rank=(pl.int_range(pl.len(), dtype=pl.Int64) - paper_first + 1).cast(pl.Int32))
        .filter(pl.col("rank") <= top_n)
        .select("paper", keyword="phrase", score=pl.col("quantized") / _SCORE_SCALE, rank="rank")
    )


def keyphrases(papers: pl.DataFrame, top_n: int = TOP_N) -> pl.DataFrame:
    """Return the top RAKE keyphrases per paper: paper_id, keyword, score, rank."""
    parts = [
        pl.DataFrame(
            schema={"paper_id": pl.Int64, "keyword": pl.String, "score": pl.Float64, "rank": pl.Int32}
        )
    ]
    for offset in range(0, papers.height, _PAPERS_PER_CHUNK):
        chunk = papers.slice(offset, _PAPERS_PER_CHUNK)
        top = _top_phrases(chunk, top_n)
        parts.append(top.select(chunk["paper_id"].gather(top["paper"]), "keyword", "score", "rank"))
    return pl.concat(parts)
