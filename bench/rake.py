"""The keyphrases paperhouse extracted before topic keywords: RAKE (Rose et al., 2010), kept for the benchmarks.

RAKE splits a text at stopwords and punctuation into candidate phrases, scores each word
by degree / frequency over the candidates, and each phrase by the sum of its words' scores.
A paper's keywords depend only on its own title and abstract.

Strings are handled once, by whole-column Polars operations: the text is cut into tokens,
each token gets one 64-bit hash, and whether it ends a phrase (a stopword, punctuation, a
single character, no letter) is decided once per distinct token. From there on everything
is integers in numpy: phrase numbers are a running sum over the break flags; word degree
and frequency, "each distinct phrase at its first position" and the score-then-position
ranking are each one sort of a packed 64-bit key (paper index above; a hash, or a score and
a position, below). A phrase is its words' hashes, never a joined string: strings are built
only for each paper's winners. Papers go in chunks of `CHUNK_PAPERS`, so the working arrays
stay small (in cache; memory bounded by the chunk, whatever the frame), on two threads
(Polars and numpy release the GIL). The hashes are in-process only and never stored; stored
keys come from `etl.keys.stable_id_expr`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import polars as pl

from etl.keys import stable_id_expr
from etl.keywords import method_names  # the method names are the same under both extractors
from etl.links import URL_RE
from etl.stopwords import STOPWORDS

METHOD = "RAKE"
TOP_N = 10
MAX_PHRASE_WORDS = 3
CHUNK_PAPERS = 4096  # about 10 MB of working arrays; chunks of 32k papers were 30% slower
THREADS = 2
_BREAK = " | "
# Anything but letters, digits, whitespace and in-word joiners ends a phrase; so do joiners
# (' ’ - .) at a word's edge or doubled: "Qwen2.5-Math" stays one word, "models." does not.
_PUNCTUATION_RE = r"[^\p{L}\p{N}\s'’.\-]+|[.'’\-]+(?:\s|$)|(?:^|\s)[.'’\-]+|[.'’\-]{2,}"
_STOPWORDS = pl.Series("stopword", sorted(STOPWORDS), dtype=pl.String)

_HASH_BITS = 40  # word and phrase keys: the paper index (12 bits) above 40 bits of a hash
_DROPPED_BITS = np.uint64(64 - _HASH_BITS)
_POSITION_BITS = 20  # rank keys: the paper index, then 24 bits of inverted score, then 20 of position
_SCORE_BITS = 24
_SCORE_SCALE = (
    10**6
)  # scores rank at 6 decimals (at most 9 * 10^6 < 2^24), so float noise cannot reorder ties
_MAX_SCORE = (1 << _SCORE_BITS) - 1
_MAX_POSITION = (1 << _POSITION_BITS) - 1
# Odd 64-bit multipliers that fold a phrase's word hashes, in order, into one (wrapping).
_FOLD = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))


def tokens(papers: pl.DataFrame) -> pl.DataFrame:
    """One row per token of title and abstract, in text order: paper (row index), token, hash, breaks.

    `breaks` marks what ends a phrase: punctuation, a stopword, a single character, a token without a letter.
    """
    text = (
        pl.concat_str(pl.col("title"), pl.lit(" . "), pl.col("abstract"))
        .str.replace_all(URL_RE, _BREAK)  # a URL is no phrase, nor part of the word glued to it
        .str.to_lowercase()
        .str.replace_all(_PUNCTUATION_RE, _BREAK)
        .str.replace_all(r"[^\S ]", " ")
    )
    split = (
        papers.select(paper=pl.int_range(pl.len(), dtype=pl.UInt32), token=text.str.split(" "))
        .explode("token")
        .filter(pl.col("token") != "")
    )
    hashes = split["token"].hash()  # in-process, never stored
    first = hashes.arg_unique()
    token = pl.col("token")
    breaking = pl.DataFrame({"token": split["token"].gather(first), "hash": hashes.gather(first)}).filter(
        (token == "|")
        | token.is_in(pl.lit(_STOPWORDS).implode())
        | (token.str.len_chars() < 2)
        | ~token.str.contains(r"\p{L}")
    )
    return split.with_columns(hash=hashes, breaks=hashes.is_in(breaking["hash"].implode()))


def _run_starts(keys: np.ndarray) -> np.ndarray:
    """Whether each row starts a run of equal keys (the first row does)."""
    starts = np.empty(keys.size, dtype=bool)
    if keys.size:
        starts[0] = True
        np.not_equal(keys[1:], keys[:-1], out=starts[1:])
    return starts


def _run_first(starts: np.ndarray) -> np.ndarray:
    """For each row, the index of the first row of its run."""
    return np.maximum.accumulate(np.where(starts, np.arange(starts.size), 0))


def _keyed(paper: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """A 64-bit key equal for equal hashes within one paper: the paper above 40 bits of the hash."""
    return (paper << _HASH_BITS) | (hashes >> _DROPPED_BITS).astype(np.int64)


def _candidate_words(chunk: pl.DataFrame) -> dict[str, np.ndarray]:
    """The words of the chunk's RAKE candidates of at most MAX_PHRASE_WORDS words, in text order.

    Arrays: token (row in `chunk`), paper, hash, phrase (a number increasing through the chunk), n (its words).
    """
    paper, breaks = chunk["paper"].to_numpy(), chunk["breaks"].to_numpy()
    # A run is its break token (none at a paper's start) and the words after it: one candidate.
    starts = breaks | _run_starts(paper)
    phrase = np.cumsum(starts) - 1
    n = np.bincount(phrase)[phrase] - breaks[_run_first(starts)]
    token = np.flatnonzero(~breaks & (n <= MAX_PHRASE_WORDS))
    hashes = chunk["hash"].to_numpy()
    return {
        "token": token,
        "paper": paper[token].astype(np.int64),
        "hash": hashes[token],
        "phrase": phrase[token],
        "n": n[token],
    }


def _word_scores(words: dict[str, np.ndarray]) -> np.ndarray:
    """Degree / frequency of each candidate word within its paper, one value per word."""
    keys = _keyed(words["paper"], words["hash"])
    order = np.argsort(keys)
    same = np.cumsum(_run_starts(keys[order])) - 1
    degree = np.bincount(same, weights=words["n"][order])  # sums of small integers: exact
    scores = np.empty(keys.size)
    scores[order] = (degree / np.bincount(same))[same]
    return scores


def _phrases(words: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One row per candidate: its head word's row, paper, position in the paper, score and folded hash."""
    scores = _word_scores(words)
    head = np.flatnonzero(_run_starts(words["phrase"]))
    n = words["n"][head]
    score, folded = scores[head], words["hash"][head].copy()
    for i, multiplier in enumerate(_FOLD, start=1):  # a candidate's words are contiguous
        longer = np.flatnonzero(n > i)
        score[longer] += scores[head[longer] + i]  # added in word order, as RAKE sums them
        folded[longer] = folded[longer] * multiplier + words["hash"][head[longer] + i]
    paper, phrase = words["paper"][head], words["phrase"][head]
    position = phrase - phrase[_run_first(_run_starts(paper))]
    return {"head": head, "paper": paper, "position": position, "score": score, "hash": folded}


def _ranked(phrases: dict[str, np.ndarray], top_n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The winners: (candidate row, quantized score, rank) of each paper's top_n distinct phrases."""
    keys = _keyed(phrases["paper"], phrases["hash"])
    order = np.argsort(keys)
    firsts = np.flatnonzero(_run_starts(keys[order]))
    position = np.minimum.reduceat(phrases["position"][order], firsts)  # each distinct phrase at its first
    row = order[firsts]
    quantized = np.rint(phrases["score"][row] * _SCORE_SCALE).astype(np.int64)
    rank_key = (
        (phrases["paper"][row] << (_SCORE_BITS + _POSITION_BITS))
        + ((_MAX_SCORE - quantized) << _POSITION_BITS)
        + np.minimum(position, _MAX_POSITION)
    )
    order = np.argsort(rank_key)
    rank = np.arange(order.size) - _run_first(_run_starts(phrases["paper"][row][order])) + 1
    won = np.flatnonzero(rank <= top_n)
    return row[order[won]], quantized[order[won]], rank[won]


def _chunk_keyphrases(chunk: pl.DataFrame, top_n: int) -> pl.DataFrame:
    """Top keyphrases of at most CHUNK_PAPERS papers: paper_id, keyword, score, rank."""
    chunk_tokens = tokens(chunk)
    words = _candidate_words(chunk_tokens)
    if not words["token"].size:
        return pl.DataFrame(schema=KEYPHRASE_SCHEMA)
    phrases = _phrases(words)
    row, quantized, rank = _ranked(phrases, top_n)
    first_token = words["token"][phrases["head"][row]]
    n = words["n"][phrases["head"][row]]
    texts = chunk_tokens["token"]
    columns = {
        f"w{i}": texts.gather(np.where(n > i, first_token + i, first_token)) for i in range(MAX_PHRASE_WORDS)
    }
    return pl.DataFrame(
        {
            "paper_id": chunk["paper_id"].to_numpy()[phrases["paper"][row]],
            **columns,
            "n": n,
            "quantized": quantized,
            "rank": rank.astype(np.int32),
        }
    ).select(
        "paper_id",
        keyword=pl.concat_str(
            [pl.when(pl.col("n") > i).then(pl.col(name)) for i, name in enumerate(columns)],
            separator=" ",
            ignore_nulls=True,
        ),
        score=pl.col("quantized") / _SCORE_SCALE,
        rank="rank",
    )


KEYPHRASE_SCHEMA = {"paper_id": pl.Int64, "keyword": pl.String, "score": pl.Float64, "rank": pl.Int32}


def keyphrases(papers: pl.DataFrame, top_n: int = TOP_N) -> pl.DataFrame:
    """Return the top RAKE keyphrases per paper: paper_id, keyword, score, rank (chunks of papers on two threads)."""
    chunks = [papers.slice(offset, CHUNK_PAPERS) for offset in range(0, papers.height, CHUNK_PAPERS)]
    with ThreadPoolExecutor(THREADS, thread_name_prefix="paperhouse-keywords") as pool:
        parts = list(pool.map(lambda chunk: _chunk_keyphrases(chunk, top_n), chunks))
    return pl.concat([pl.DataFrame(schema=KEYPHRASE_SCHEMA), *parts])


def extract_keywords(papers: pl.DataFrame, top_n: int = TOP_N) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (keywords, paper_keywords) for papers with `paper_id`, `title` and `abstract`."""
    phrases = keyphrases(papers, top_n).with_columns(kind=pl.lit("keyphrase"))
    methods = method_names(papers).with_columns(
        kind=pl.lit("method"), score=pl.lit(None, dtype=pl.Float64), rank=pl.lit(0, dtype=pl.Int32)
    )
    scored = pl.concat([phrases, methods.select(phrases.columns)])
    keywords = (
        scored.select("keyword", "kind")
        .unique()
        .with_columns(keyword_id=stable_id_expr("kind", "keyword"))  # hashed once per distinct keyword
        .select("keyword_id", "keyword", "kind")
        .sort("keyword_id")
    )
    scored = scored.join(keywords, on=["keyword", "kind"], maintain_order="left")
    paper_keywords = (
        scored.select("paper_id", "keyword_id", "score", "rank")
        .unique(["paper_id", "keyword_id"], keep="first")
        .sort("paper_id", "keyword_id")
    )
    return keywords, paper_keywords
