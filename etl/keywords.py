"""Keyphrases of each paper by RAKE (Rose et al., 2010), vectorized in Polars.

RAKE splits a text at stopwords and punctuation into candidate phrases, scores each word
by degree / frequency over the candidates, and each phrase by the sum of its words' scores.
A paper's keywords depend only on its own title and abstract.
"""

from __future__ import annotations

import polars as pl

from etl.links import URL_RE
from etl.normalize import stable_id_expr
from etl.stopwords import STOPWORDS

METHOD = "RAKE"
TOP_N = 10
MAX_PHRASE_WORDS = 3
# Words keep inner hyphens, apostrophes and version dots (Qwen2.5-Math, Llama-3.1-70B).
TOKEN_RE = r"[\p{L}\p{N}]+(?:['’\-][\p{L}\p{N}]+|\.\p{N}[\p{L}\p{N}]*)*|[^\s\p{L}\p{N}]"
# A title such as "RAFT: Reward rAnked ..." announces the method it names before the colon.
METHOD_NAME_RE = r"^\s*([^\s:,;]{2,40}(?:\s[^\s:,;]{1,20}){0,2}):\s"


def _tokens(papers: pl.DataFrame) -> pl.DataFrame:
    """One row per token of title and abstract, with a running position per paper."""
    text = (
        pl.concat_str(pl.col("title"), pl.lit(" . "), pl.col("abstract"))
        .str.replace_all(URL_RE, " . ")  # a URL is no phrase, nor part of the word glued to it
        .str.to_lowercase()
    )
    return (
        papers.select("paper_id", token=text.str.extract_all(TOKEN_RE))
        .explode("token")
        .drop_nulls("token")
        .with_columns(pos=pl.int_range(pl.len(), dtype=pl.Int32).over("paper_id"))
    )


def keyphrases(papers: pl.DataFrame, top_n: int = TOP_N) -> pl.DataFrame:
    """Return the top RAKE keyphrases per paper: paper_id, keyword, score, rank."""
    tokens = _tokens(papers)
    is_word = (
        pl.col("token").str.contains(r"\p{L}")
        & (pl.col("token").str.len_chars() >= 2)
        & ~pl.col("token").is_in(list(STOPWORDS))
    )
    runs = tokens.with_columns(run=(~is_word).cast(pl.Int32).cum_sum().over("paper_id")).filter(is_word)
    candidates = (
        runs.group_by("paper_id", "run")
        .agg(words=pl.col("token"), first_pos=pl.col("pos").min())
        .with_columns(n=pl.col("words").list.len())
        .filter(pl.col("n") <= MAX_PHRASE_WORDS)
    )
    member_words = candidates.select("paper_id", "run", "n", word=pl.col("words")).explode("word")
    word_scores = member_words.group_by("paper_id", "word").agg(word_score=pl.col("n").sum() / pl.len())
    phrase_scores = (
        member_words.join(word_scores, on=["paper_id", "word"])
        .group_by("paper_id", "run")
        .agg(score=pl.col("word_score").sum().round(9))  # rounded: float sums vary with thread order
    )
    phrases = (
        candidates.join(phrase_scores, on=["paper_id", "run"])
        .with_columns(keyword=pl.col("words").list.join(" "))
        .group_by("paper_id", "keyword")
        .agg(pl.col("score").first(), pl.col("first_pos").min())
    )
    return (
        phrases.sort(["paper_id", "score", "first_pos", "keyword"], descending=[False, True, False, False])
        .group_by("paper_id", maintain_order=True)
        .head(top_n)
        .with_columns(rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over("paper_id"))
        .select("paper_id", "keyword", pl.col("score").round(6), "rank")
    )


def method_names(papers: pl.DataFrame) -> pl.DataFrame:
    """Return the method name a title announces before its colon ("RAFT: ..." gives RAFT)."""
    name = pl.col("keyword")
    single_token = ~name.str.contains(r"\s")
    looks_named = name.str.contains(r"\p{L}\p{Lu}|\p{N}") | single_token
    return papers.select("paper_id", keyword=pl.col("title").str.extract(METHOD_NAME_RE, 1)).filter(
        looks_named.fill_null(False)
    )


def extract_keywords(papers: pl.DataFrame, top_n: int = TOP_N) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (keywords, paper_keywords) for papers with `paper_id`, `title` and `abstract`."""
    phrases = keyphrases(papers, top_n).with_columns(kind=pl.lit("keyphrase"))
    methods = method_names(papers).with_columns(
        kind=pl.lit("method"), score=pl.lit(None, dtype=pl.Float64), rank=pl.lit(0, dtype=pl.Int32)
    )
    scored = pl.concat([phrases, methods.select(phrases.columns)]).with_columns(
        keyword_id=stable_id_expr("kind", "keyword")
    )
    keywords = scored.select("keyword_id", "keyword", "kind").unique("keyword_id").sort("keyword_id")
    paper_keywords = (
        scored.select("paper_id", "keyword_id", "score", "rank")
        .unique(["paper_id", "keyword_id"], keep="first")
        .sort("paper_id", "keyword_id")
    )
    return keywords, paper_keywords
