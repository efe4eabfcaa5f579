"""Keywords of each paper: the topics its title and abstract name, one canonical key per concept.

A candidate is a run of words between breaks: punctuation, stopwords, numbers, boilerplate, and
words that can only be finite verbs or adverbs. A run loses generic modifiers and `-ing` or
`-ed` verb forms from its start ("applying", "complex") and generic heads and non-nouns from
its end ("tasks", "performance"); a connective joins words only inside a hyphenated word
("text-to-image") or a listed term ("mixture of experts"). Every suffix of a run of at most
four words is a phrase too ("online reinforcement learning" counts for "reinforcement
learning"), unless it never occurs apart from the longer phrase. A phrase scores its
occurrences, plus a bonus in the title; a single word must be specific and occur twice or in
the title.

Phrases are keyed by canonical words: casefolded, American spelling, singular, listed compounds
written one way ("fine tuning", "finetuning" -> "fine-tuning"), and acronyms as their expansion,
from the paper's own "long form (ACR)" first, then from `etl/lexicon/acronyms.tsv`. The
keyword is the canonical phrase; each paper's row keeps the form it first writes.

As in the extractor it replaced, strings are handled once per distinct token (`etl.wordclasses`,
cached across chunks and loads of one process, found by each token's hash in a numpy table); the
rest is integers in numpy over chunks of one size, at most `CHUNK_PAPERS` papers, on `THREADS`
threads. The steps keep to few passes over the chunk's arrays and touch the sparse cases (verbs,
connectives, compounds, definitions) only where they occur; strings are built for the winners
only, each distinct canonical phrase once. A paper's keywords depend only on its own text and the
word tables.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np
import polars as pl
import pyarrow as pa

from etl.keys import stable_id_expr
from etl.links import URL_RE
from etl.wordclasses import (
    DEFINED,
    POWERS,
    ROLES,
    TOKENS,
    HashTable,
    canonical_piece,
    lexicon,
    phrase_hash,
    tables_digest,
)

METHOD = "topic phrases"
TOP_N = 10
MAX_WORDS = 4
MAX_TOKENS = 6  # four words may span six tokens: "pre-trained" is two tokens, one word
MAX_ACRONYM = 8
TITLE_BONUS = 2.0
TOPIC_BONUS = 2.0
CHUNK_PAPERS = 4096
THREADS = 2
ALGORITHM = 1
_BREAK = " | "
_TITLE_END = "\x02"
_MARKERS = f"[{DEFINED}{_TITLE_END}]"
_MARKER_HASH, _HYPHEN_HASH = pl.Series([_TITLE_END, "-"]).hash().to_numpy()  # as the tokens' hashes
# Anything but letters, digits, whitespace and in-word joiners ends a phrase; so do joiners
# (' ’ - .) at a word's edge or doubled: "Qwen2.5-Math" stays one word, "models." does not.
_PUNCTUATION_RE = r"[^\p{L}\p{N} '’.\-\x01\x02]+|[.'’\-]+(?:\s|$)|(?:^|\s)[.'’\-]+|[.'’\-]{2,}"
# "large language models (LLMs)": the parenthesized acronym becomes one marked token.
_DEFINITION_RE = r"\(\s*(\p{Lu}[\p{L}\p{N}]{1,7})\s*\)"
# A URL (no phrase, nor part of the word glued to it) or punctuation (whitespace other than a
# space too) becomes a lone marker, a break. (A capture group here would make the pass 2x slower.)
_CLEAN_RE = f"(?:{URL_RE})|{_PUNCTUATION_RE}"
# A title such as "RAFT: Reward rAnked ..." announces the method it names before the colon.
METHOD_NAME_RE = r"^\s*([^\s:,;]{2,40}(?:\s[^\s:,;]{1,20}){0,2}):\s"
_KEY_BITS = 40  # phrase keys: the paper index (at most 12 bits) above 40 bits of the phrase hash
_DROPPED = np.uint64(64 - _KEY_BITS)

KEYPHRASE_SCHEMA = {
    "paper_id": pl.Int64,
    "keyword": pl.String,
    "form": pl.String,
    "score": pl.Float64,
    "rank": pl.Int32,
}


def extractor_version() -> str:
    """The extractor's version: its algorithm's number and a digest of its word tables.

    A change to what the code extracts raises ALGORITHM; a changed table changes the digest.
    """
    return f"topics-{ALGORITHM}-{tables_digest()[:12]}"


# What the warehouse records in `extractor_versions`: a warehouse whose keywords another version
# derived derives them all again on its next load (etl.rederive).
EXTRACTOR_VERSION = extractor_version()


def _unmarked(text: pl.Expr) -> pl.Expr:
    """The text without the extractor's own marker characters, which it never reads from a text."""
    return text.str.replace_all(DEFINED, " ", literal=True).str.replace_all(_TITLE_END, " ", literal=True)


def _tokens(chunk: pl.DataFrame) -> pl.DataFrame:
    """One row per token of title, marker, then abstract, as written: paper (row index), token."""
    named = _announced(pl.col("title").str.extract(METHOD_NAME_RE, 1)).fill_null(False)
    title = (
        pl.when(named).then(pl.col("title").str.replace(METHOD_NAME_RE, _BREAK)).otherwise(pl.col("title"))
    )
    abstract = pl.col("abstract")
    # The markers are all but never in a text: two quick searches spare four replacements.
    if chunk.select(pl.any_horizontal(pl.col("title", "abstract").str.contains(_MARKERS).any())).item():
        title, abstract = _unmarked(title), _unmarked(abstract)
    text = (
        pl.concat_str(title.fill_null(""), pl.lit(f" {_TITLE_END} "), abstract.fill_null(""))
        .str.replace_all(_DEFINITION_RE, f" {DEFINED}${{1}} ")
        .str.replace_all(_CLEAN_RE, f" {DEFINED} ")
        .str.replace_all("-", " - ", literal=True)
    )
    return (  # lazily: the engine splits, explodes and filters without a frame of lists between
        chunk.lazy()
        .select(paper=pl.int_range(pl.len(), dtype=pl.UInt32), token=text.str.split(" "))
        .explode("token")
        .filter(pl.col("token") != "")
        .collect()
    )


_ROLE_BITS = {name: 1 << i for i, name in enumerate(ROLES)}


@cache
def _compound_attributes() -> pl.DataFrame:
    """Each listed compound's key, and the attributes of the compound as one token."""
    compounds = lexicon().compounds
    merged = TOKENS.lookup(compounds["compound"], compounds["compound"].hash())
    return merged.select("h", "words", "role_bits", "piece").with_columns(key=compounds["key"])


@cache
def _term_table() -> tuple[np.ndarray, np.ndarray, np.ndarray, pl.Series]:
    """The listed terms' (first, connective, last) hashes sorted, their order, and each term's last word as
    the term writes it: its hash and canonical piece."""
    terms = lexicon().terms
    first, _ = phrase_hash(terms["first"])
    connective, _ = phrase_hash(terms["connective"])
    last, _ = phrase_hash(terms["last"])
    table = (first * POWERS[2] + connective * POWERS[1] + last).astype(np.uint64)
    order = np.argsort(table)
    return table[order], order, phrase_hash(terms["display"])[0], _pieces(terms["display"])


class _Chunk:
    """The token arrays of one chunk, edited in place as compounds, terms and acronyms are read."""

    def __init__(self, chunk: pl.DataFrame) -> None:
        split = _tokens(chunk)
        tokens = split["token"]
        hashes = tokens.hash().to_numpy()
        row, known = TOKENS.rows(tokens, hashes)
        marker, hyphen = hashes == _MARKER_HASH, hashes == _HYPHEN_HASH
        # Each field a number: 2p for paper p's title (before its marker), 2p + 1 for its abstract.
        field = np.cumsum(marker, dtype=np.int32)
        field += split["paper"].to_numpy().view(np.int32)
        # A word before a hyphen of its own field is joined to the next word.
        after = np.flatnonzero(hyphen[1:]) + 1
        after = after[(field[after - 1] == field[after]) & ~hyphen[after - 1] & ~marker[after - 1]]
        joined = np.zeros(hashes.size, dtype=bool)
        joined[after - 1] = True
        hyphen |= marker
        words = np.flatnonzero(~hyphen)  # from here on, positions count words only
        field, joined, row = field[words], joined[words], row[words]
        role = known["role_bits"].to_numpy()[row]
        n = words.size

        def has(at: np.ndarray | slice, name: str) -> np.ndarray:
            return (role[at] & _ROLE_BITS[name]) != 0

        # A word that may be a finite verb is one before a determiner or a bare verb ("shaping helps
        # stabilize"), or when it is a bare verb after a plural noun ("models struggle").
        verbal = np.flatnonzero(has(slice(0, n - 1), "verbal"))
        verbal = verbal[has(verbal + 1, "determiner")]
        verbal = verbal[field[verbal] == field[verbal + 1]]
        bare = np.flatnonzero(has(slice(1, n), "base_verb")) + 1
        bare = bare[has(bare - 1, "plural") | has(bare - 1, "before_verb")]
        bare = bare[field[bare - 1] == field[bare]]
        verb = np.zeros(n, dtype=bool)
        verb[verbal] = verb[bare] = True
        # Breaks that nothing later reads are dropped, leaving a gap that ends the run. A connective
        # is read inside a hyphenated word, after a term's first word, or before a defined acronym.
        ahead = np.zeros(n, dtype=bool)
        defined = np.flatnonzero(has(slice(None), "defines"))
        for back in range(1, 2 * MAX_ACRONYM + 1):
            ahead[np.maximum(defined - back, 0)] = True
        breaks, readable = _ROLE_BITS["breaks"], _ROLE_BITS["breaks"] | _ROLE_BITS["kept"]
        sort = role & readable
        drop = sort == breaks
        drop |= verb
        maybe = sort == readable
        maybe[verbal[has(verbal, "kept")]] = maybe[bare[has(bare, "kept")]] = True
        maybe = np.flatnonzero(maybe)
        previous = np.maximum(maybe - 1, 0)
        context = (
            joined[maybe] | ahead[maybe] | ((maybe > 0) & (joined[previous] | has(previous, "term_first")))
        )
        drop[maybe] = ~(~has(maybe, "connective") | has(maybe, "compound_start") | context)
        kept = np.flatnonzero(np.logical_not(drop, out=drop))
        self._tokens, self._kept = tokens, words[kept]  # the strings are gathered for the winners only
        field, row, bits = field[kept], row[kept], role[kept]
        self.paper, self.title = field >> 1, (field & 1) == 0
        self.same = np.zeros(kept.size, dtype=bool)
        self.same[:-1] = (kept[1:] == kept[:-1] + 1) & (field[1:] == field[:-1])
        self.joined = joined[kept] & self.same
        for name in (
            "breaks",
            "lead",
            "soft",
            "tail",
            "connective",
            "prefix",
            "single",
            "compound_start",
            "compound_end",
            "acronym",
            "defines",
            "concept_first",
            "concept",  # a listed compound or an acronym
        ):
            setattr(self, name, (bits & _ROLE_BITS[name]) != 0)
        self.breaks |= verb[kept]
        self.paper_ids = chunk["paper_id"].to_numpy()
        self.known = known
        self.h = known["h"].to_numpy()[row]
        self.words = known["words"].to_numpy()[row]
        self.row = row
        self.letters = known["letters"]
        self.pieces = known["piece"]
        self.override = np.full(kept.size, -1, dtype=np.int32)  # index into self.overrides
        self.overrides: list[pl.Series] = []
        self.override_count = 0
        self.extra: list[tuple[np.ndarray, np.ndarray]] = []  # terms inside longer runs: (start, end)

    def _add_overrides(self, texts: pl.Series) -> np.ndarray:
        """Register canonical strings that replace some tokens' own; returns their indices."""
        first = self.override_count
        self.overrides.append(texts)
        self.override_count += texts.len()
        return np.arange(first, self.override_count)

    def merge_compounds(self) -> None:
        """Read listed compounds written in two or three tokens ("fine tuning", "end-to-end") as one word."""
        n = self.h.size
        starts = np.flatnonzero(self.compound_start & self.same)
        if not starts.size:
            return
        # Runs of tokens whose keys, joined, hash as a compound's are compared as strings, in one query;
        # what the merges change (breaks, words, starts) is checked at each length, longest first.
        key_hash, key_shift = self.known["key_hash"].to_numpy(), self.known["key_shift"].to_numpy()
        at, lengths = [], []
        for length in (4, 3, 2):
            start = starts[starts + length - 1 < n]
            start = start[self.compound_end[start + length - 1]]
            for t in range(1, length - 1):
                start = start[self.same[start + t]]
            joined_hash = key_hash[self.row[start]]
            for t in range(1, length):
                row = self.row[start + t]
                joined_hash = joined_hash * key_shift[row] + key_hash[row]
            at.append(start[lexicon().compound_hashes.contains(joined_hash)])
            lengths.append(np.full(at[-1].size, length))
        at, lengths = np.concatenate(at), np.concatenate(lengths)
        if not at.size:
            return
        parts = [
            _gather(self.known["key"], self.row[np.minimum(at + t, n - 1)], lengths > t) for t in range(4)
        ]
        found = (
            pl.LazyFrame({"at": at, "length": lengths})
            .with_columns(key=pl.concat_str(parts, ignore_nulls=True))
            .join(_compound_attributes().lazy(), on="key", how="inner")
            .collect()
        )
        lengths, bits = found["length"].to_numpy(), found["role_bits"].to_numpy()
        for length in (4, 3, 2):
            which = np.flatnonzero(lengths == length)
            start = found["at"].to_numpy()[which]
            ok = self.compound_start[start] & (self.words[start] == 1)
            for t in range(length - 1):
                i = start + t
                ok &= (self.joined[i] | (~self.breaks[i] & ~self.breaks[i + 1])) & (self.words[i + 1] == 1)
            which, at = which[ok], start[ok]
            if not at.size:
                continue
            self.h[at] = found["h"].to_numpy()[which]
            self.words[at] = found["words"].to_numpy()[which]
            for name in ("breaks", "lead", "tail", "single", "concept_first"):
                getattr(self, name)[at] = (bits[which] & _ROLE_BITS[name]) != 0
            self.override[at] = self._add_overrides(found["piece"].gather(which))
            for t in range(1, length):
                rest = at + t
                self.h[rest], self.words[rest] = 0, 0
                self.breaks[rest], self.lead[rest], self.tail[rest], self.single[rest] = (
                    False,
                    True,
                    False,
                    False,
                )
                self.connective[rest] = False
            self.compound_start[at] = False
            self.concept[at] = True

    def keep_hyphenated(self) -> None:
        """A hyphenated word is never cut by a trim, and a prefix joins it ("non-contrastive")."""
        left = self.joined & self.same
        right = np.zeros_like(left)
        right[1:] = left[:-1]
        self.breaks[left & self.prefix] = False
        self.lead[left & ~self.connective] = False
        self.soft[left] = False
        self.tail[right & ~self.connective] = False

    def join_terms(self) -> None:
        """Let a connective join words inside a hyphenated word or a listed term ("mixture of experts")."""
        n = self.h.size
        inner = np.flatnonzero(self.connective)
        inner = inner[(inner > 0) & (inner < n - 1)]
        inner = inner[self.same[inner - 1] & self.same[inner]]
        hyphenated = inner[self.joined[inner - 1] & self.joined[inner]]
        self.breaks[hyphenated] = False
        self._hyphenated_terms(hyphenated)
        table, order, display_h, display = _term_table()
        if not table.size or not inner.size:
            return
        single = (self.words[inner - 1] == 1) & (self.words[inner + 1] == 1)
        inner = inner[single]
        triple = (self.h[inner - 1] * POWERS[2] + self.h[inner] * POWERS[1] + self.h[inner + 1]).astype(
            np.uint64
        )
        found = np.searchsorted(table, triple)
        found = np.minimum(found, table.size - 1)
        match = table[found] == triple
        at = inner[match]
        which = order[found[match]]
        self.breaks[at - 1] = self.breaks[at] = self.breaks[at + 1] = False  # "out" of "out of distribution"
        self.lead[at - 1] = self.tail[at + 1] = False
        self.extra.append((at - 1, at + 1))
        self.h[at + 1] = display_h[which]
        self.concept_first[at + 1] = lexicon().concept_prefixes.contains(display_h[which])
        self.override[at + 1] = self._add_overrides(display.gather(which))

    def _hyphenated_terms(self, connectives: np.ndarray) -> None:
        """A hyphenated word with a connective inside is a candidate of its own: "chain-of-thought" supervision."""
        if not connectives.size:
            return
        start, end = connectives - 1, connectives + 1
        for _ in range(4):  # the whole hyphenated word: "mixture-of-experts", "state-of-the-art"
            back = (start > 0) & self.joined[np.maximum(start - 1, 0)]
            start = np.where(back, start - 1, start)
            forward = (end < self.h.size - 1) & self.joined[end]
            end = np.where(forward, end + 1, end)
        broken = np.cumsum(self.breaks)
        whole = broken[end] - broken[start] + self.breaks[start] == 0
        self.extra.append((start[whole], end[whole]))

    def read_definitions(self) -> None:
        """Key a paper's acronyms as the long form it gives them: "large language models (LLMs)"."""
        define = np.flatnonzero(self.defines)
        if not define.size:
            return
        letters = self.letters.gather(self.row[define]).fill_null("").to_numpy().astype(f"U{MAX_ACRONYM}")
        codes = letters.view(np.uint32).reshape(-1, MAX_ACRONYM)
        length = (codes != 0).sum(axis=1)
        define, codes, length = define[length >= 2], codes[length >= 2], length[length >= 2]
        # Words of a long form: no hard break, all in one run (checked over its first 2 * MAX_ACRONYM).
        bad = np.zeros(self.h.size + 1, dtype=np.int32)
        np.cumsum((self.breaks & ~self.connective) | ~self.same, out=bad[1:])
        initial = self.known["initial"].to_numpy()
        best_start = np.full(define.size, -1, dtype=np.int64)
        for skip_connectives in (False, True):
            eligible = np.flatnonzero(~self.connective) if skip_connectives else None
            position = np.searchsorted(eligible, define) if skip_connectives else define
            for k in range(2, MAX_ACRONYM + 1):
                pick = np.flatnonzero((length == k) & (position >= k) & (best_start < 0))
                if not pick.size:
                    continue
                members = position[pick, None] - k + np.arange(k)
                members = eligible[members] if skip_connectives else members
                ok = np.all(initial[self.row[members]] == codes[pick, :k], axis=1)
                span_start = members[:, 0]
                span_end = np.minimum(define[pick], span_start + 2 * MAX_ACRONYM)
                ok &= bad[span_end] == bad[span_start]
                best_start[pick[ok]] = span_start[ok]
        found = best_start >= 0
        define, start = define[found], best_start[found]
        # A long form is a phrase: it neither starts nor ends with a connective ("in-distribution (ID)").
        phrase = ~self.connective[start] & ~self.connective[define - 1]
        define, start = define[phrase], start[phrase]
        if not define.size:
            return
        h = np.zeros(define.size, dtype=np.uint64)
        words = np.zeros(define.size, dtype=np.int64)
        for offset in range(2 * MAX_ACRONYM):
            i = start + offset
            inside = i < define
            i = np.minimum(i, self.h.size - 1)
            h[inside] = h[inside] * POWERS[self.words[i[inside]]] + self.h[i[inside]]
            words[inside] += self.words[i[inside]]
        short = words <= MAX_WORDS
        define, start, h, words = define[short], start[short], h[short], words[short]
        if not define.size:
            return
        # Every acronym token of the paper whose letters are the defined ones takes the long form (the first).
        acronym = np.flatnonzero(self.acronym & (self.words > 0) & ~self.defines)
        if not acronym.size:
            return
        defined_key = self._letter_keys(define)
        order = np.argsort(defined_key, kind="stable")
        table = defined_key[order]
        token_key = self._letter_keys(acronym)
        at = np.minimum(np.searchsorted(table, token_key), table.size - 1)
        hit = table[at] == token_key
        t, d = acronym[hit], order[at[hit]]
        if not t.size:
            return
        used, which = np.unique(d, return_inverse=True)  # long forms written out only where one is read
        overrides = self._add_overrides(
            _pieces(self.distinct_canonical_strings(start[used], define[used] - 1, h[used]))
        )
        self.h[t], self.words[t], self.override[t] = h[d], words[d], overrides[which]
        self.concept_first[t] = lexicon().concept_prefixes.contains(h[d])
        self.breaks[t], self.lead[t], self.tail[t], self.single[t] = False, False, False, True

    def count_known_concepts(self) -> None:
        """A listed concept of several words counts wherever it stands: "large language model agents"."""
        concepts, prefixes = lexicon().concept_hashes, lexicon().concept_prefixes
        n = self.h.size
        if not concepts.hashes.size or n < 2:
            return
        # Only windows whose words so far begin a concept are followed (a word-less token adds nothing).
        at = np.flatnonzero((self.concept_first | (self.words == 0)) & ~self.breaks)
        h = self.h[at]
        for length in range(2, MAX_TOKENS + 1):
            last = at + length - 1
            open_ = last < n  # the concept's words so far are all words of one run
            open_[open_] = self.same[last[open_] - 1] & ~self.breaks[last[open_]]
            at, last, h = at[open_], last[open_], h[open_]
            h = h * POWERS[self.words[last]] + self.h[last]
            leading = prefixes.contains(h)
            at, last, h = at[leading], last[leading], h[leading]
            found = np.flatnonzero(concepts.contains(h))
            if found.size:
                self.extra.append((at[found], last[found]))

    def count_modifiers(self) -> None:
        """A listed compound or acronym counts where it modifies another word: "LLM agents", "fine-tuning recipe"."""
        n = self.h.size
        concept = np.flatnonzero((self.concept | (self.words >= 2)) & ~self.breaks)
        end = concept.copy()
        for _ in range(3):  # the absorbed rest of a compound: "fine" "tuning"
            later = np.minimum(end + 1, n - 1)
            end = np.where(self.same[end] & (self.words[later] == 0) & (end + 1 < n), end + 1, end)
        following = np.minimum(end + 1, n - 1)
        modifies = self.same[end] & ~self.breaks[following] & (end + 1 < n)
        self.extra.append((concept[modifies], end[modifies]))

    def _letter_keys(self, at: np.ndarray) -> np.ndarray:
        """A key of (paper, acronym letters) for tokens at these positions."""
        letters = self.known["letters_hash"].to_numpy()[self.row[at]]
        return _key(self.paper[at], letters)

    def canonical_strings(self, start: np.ndarray, end: np.ndarray) -> pl.Series:
        """The canonical words of the token spans [start, end], overrides applied."""
        if not start.size:
            return pl.Series(dtype=pl.String)
        at, inside = _positions(start, end)
        counted = inside & (self.words[at] > 0)
        override = self.override[at]
        overrides = pl.concat(self.overrides) if self.overrides else _NULL
        pieces = pl.select(
            pl.coalesce(
                _gather(overrides, override, counted & (override >= 0)),
                _gather(self.pieces, self.row[at], counted & (override < 0)),
            )
        ).to_series()
        columns = [pieces.slice(t, start.size) for t in range(0, at.size, start.size)]
        joined = pl.concat_str(columns, ignore_nulls=True)
        return pl.select(joined.str.head(-1)).to_series()  # each piece ends with a separator

    def distinct_canonical_strings(self, start: np.ndarray, end: np.ndarray, h: np.ndarray) -> pl.Series:
        """canonical_strings of spans whose words hash to h: each distinct phrase is written out once."""
        distinct = pl.Series(h).arg_unique().to_numpy()
        which, _ = HashTable(h[distinct]).find(h)
        return self.canonical_strings(start[distinct], end[distinct]).gather(which)

    def written_strings(self, start: np.ndarray, end: np.ndarray) -> pl.Series:
        """The token spans [start, end] as written: words joined by a space, or by a hyphen inside a word."""
        if not start.size:
            return pl.Series(dtype=pl.String)
        at, inside = _positions(start, end)
        words = _gather(self._tokens, self._kept[at], inside)
        later = slice(start.size, None)  # a word after the first follows a space, or a hyphen in a word
        separators = _gather(_SEPARATORS, self.joined[at[later] - 1], inside[later])
        columns = [words.slice(0, start.size)]
        for t in range(start.size, at.size, start.size):
            columns += [separators.slice(t - start.size, start.size), words.slice(t, start.size)]
        return pl.select(pl.concat_str(columns, ignore_nulls=True)).to_series()


def _positions(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first token of every span, then the second, and so on: (position, whether inside the span).

    Positions past a span's end repeat its end, so every span has as many as the longest.
    """
    at = start + np.arange(int((end - start).max()) + 1)[:, None]
    return np.minimum(at, end).ravel(), (at <= end).ravel()


def _pieces(canonical: pl.Series) -> pl.Series:
    """Canonical phrases as pieces of longer ones (`etl.wordclasses.canonical_piece`)."""
    return pl.select(canonical_piece(pl.lit(canonical))).to_series()


def _gather(values: pl.Series, at: np.ndarray, where: np.ndarray) -> pl.Series:
    """values[at] where `where` holds, null elsewhere."""
    return values.gather(pl.Series(pa.array(at.astype(np.uint32), mask=~where)))


_NULL = pl.Series([None], dtype=pl.String)
_SEPARATORS = pl.Series([" ", "-"], dtype=pl.String)  # between words, inside a word


def _spans(c: _Chunk) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) token positions of every candidate, trimmed at both ends."""
    n = c.h.size
    words = ~c.breaks
    linked = np.zeros(n, dtype=bool)  # positions i and i + 1 are in one run
    linked[:-1] = c.same[:-1] & words[:-1] & words[1:]
    first, last = words.copy(), words & ~linked
    first[1:] &= ~linked[:-1]
    first, last = np.flatnonzero(first), np.flatnonzero(last)
    # A run's candidate starts on its first word that may lead a phrase and ends on its last that may end one.
    leading, ending = words & ~c.lead, words & ~c.tail
    if not leading.any() or not ending.any():
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    at = np.cumsum(leading, dtype=np.int32)[first] - leading[first]  # leading words before the run's first
    leading = np.flatnonzero(leading)
    s = leading[np.minimum(at, leading.size - 1)]
    before = np.cumsum(ending, dtype=np.int32)[last] - 1  # ending words up to its last, less one
    e = np.flatnonzero(ending)[np.maximum(before, 0)]
    keep = np.flatnonzero((at < leading.size) & (before >= 0) & (s <= last) & (e >= first) & (s <= e))
    s, e = s[keep], e[keep]
    # An -ing word that may be a noun goes when two words follow it: "scaling reinforcement learning".
    cum = np.cumsum(c.words)
    soft = np.flatnonzero(c.soft[s] & (cum[e] - cum[s] >= 2))
    s[soft] += 1
    for _ in range(2):  # and so does the rest of its compound
        soft = soft[(c.words[np.minimum(s[soft], n - 1)] == 0) & (s[soft] < e[soft])]
        s[soft] += 1
    later = np.flatnonzero(e + 1 < n)
    for _ in range(2):  # the rest of a compound the trim cut off ("pre-" kept, "trained" absorbed)
        next_ = e[later] + 1
        later = later[(c.words[next_] == 0) & c.same[e[later]] & ~c.breaks[next_]]
        e[later] += 1
        later = later[e[later] + 1 < n]
    if not c.extra:
        return s, e
    # A term inside a run is a span of its own, unless it ends the run: then the run's suffixes count it.
    extra_s = np.concatenate([a for a, _ in c.extra])
    extra_e = np.concatenate([b for _, b in c.extra])
    run = np.minimum(np.searchsorted(e, extra_e), max(e.size - 1, 0))
    counted = (e.size > 0) & (e[run] == extra_e) & (s[run] <= extra_s)
    return np.r_[s, extra_s[~counted]], np.r_[e, extra_e[~counted]]


def _records(c: _Chunk, s: np.ndarray, e: np.ndarray) -> dict[str, np.ndarray]:
    """Every phrase occurrence: each suffix of a span of at most MAX_WORDS words, starting on a word."""
    s, e = s.astype(np.int32), e.astype(np.int32)  # positions in a chunk: half the bytes to move
    length = e - s + 1
    span = np.repeat(np.arange(s.size, dtype=np.int32), length)
    j = np.arange(span.size, dtype=np.int32) - np.repeat(
        np.cumsum(length, dtype=np.int32) - length - s, length
    )
    end = e[span]
    before = np.zeros(c.words.size + 1, dtype=np.int32)  # words before each position
    np.cumsum(c.words, dtype=np.int32, out=before[1:])
    words = before[end + 1] - before[j]
    # A phrase starts on a word that may lead one, not on the second half of a hyphenated word; a
    # word that may not stand alone counts for nothing alone.
    starts = ~c.lead & ~c.breaks
    starts[1:] &= ~c.joined[:-1]
    ok = starts[j] & (words <= MAX_WORDS) & (words > 0) & (end - j < MAX_TOKENS) & ((words > 1) | c.single[j])
    ok = np.flatnonzero(ok)
    j, end, words, span = j[ok], end[ok], words[ok], span[ok]
    h = c.h[j]
    longer = np.flatnonzero(end > j)
    for t in range(1, MAX_TOKENS):  # fold each phrase's words in; most are one or two tokens long
        at = j[longer] + t
        h[longer] = h[longer] * POWERS[c.words[at]] + c.h[at]
        longer = longer[end[longer] > at]
    return {
        "start": j,
        "end": end,
        "words": words,
        "full": j == s[span],
        "title": c.title[j],
        "paper": c.paper[j],
        "h": h,
    }


def _key(paper: np.ndarray, h: np.ndarray) -> np.ndarray:
    """A key equal for equal hashes within one paper: the paper index above 40 bits of the hash."""
    return (paper.astype(np.int64) << _KEY_BITS) | (h >> _DROPPED).astype(np.int64)


def _winners(c: _Chunk, r: dict[str, np.ndarray], top_n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(record of each winner's first occurrence, score, rank): each paper's top_n phrases."""
    keys = _key(r["paper"], r["h"])
    order = np.argsort(keys, kind="stable")  # records come in text order: each phrase's first comes first
    sorted_keys = keys[order]
    firsts = (
        np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        if keys.size
        else np.zeros(0, np.int64)
    )
    first = order[firsts]
    tf = np.diff(np.r_[firsts, keys.size])
    full = np.add.reduceat(r["full"][order].astype(np.int64), firsts) if firsts.size else tf
    title = np.maximum.reduceat(r["title"][order], firsts) if firsts.size else tf.astype(bool)
    words = r["words"][first]
    single_ok = c.single[r["start"][first]] & ((tf >= 2) | title)
    eligible = np.where(words >= 2, (full >= 1) | (tf >= 2), single_ok)
    listed = lexicon().topic_hashes.contains(r["h"][first])
    score = tf + TITLE_BONUS * title + TOPIC_BONUS * listed
    picked = np.flatnonzero(eligible)
    paper = r["paper"][first[picked]]
    position = r["start"][first[picked]]
    rank_order = _rank_order(paper, score[picked], position)
    ranked_paper = paper[rank_order]
    run_start = np.r_[True, ranked_paper[1:] != ranked_paper[:-1]] if ranked_paper.size else np.zeros(0, bool)
    rank = (
        np.arange(rank_order.size)
        - np.maximum.accumulate(np.where(run_start, np.arange(rank_order.size), 0))
        + 1
    )
    # A phrase met once, outside the title and off the topic list, never takes the last place.
    won = (rank <= top_n) & ((score[picked[rank_order]] >= 2) | (rank < top_n))
    chosen = picked[rank_order[won]]
    return first[chosen], score[chosen], rank[won]


def _rank_order(paper: np.ndarray, score: np.ndarray, position: np.ndarray) -> np.ndarray:
    """The stable order of (paper, -score, position), as np.lexsort gives it."""
    points = score.astype(np.int64)
    bits = [int(v.max(initial=0)).bit_length() for v in (paper, points, position)]
    if sum(bits) > 63 or not np.array_equal(points, score):  # packed into one integer if they fit
        return np.lexsort((position, -score, paper))
    below = np.int64(bits[2])
    packed = (
        paper.astype(np.int64) << np.int64(bits[1]) | (points.max(initial=0) - points)
    ) << below | position
    return np.argsort(packed, kind="stable")


def _chunk_keyphrases(chunk: pl.DataFrame, top_n: int) -> pl.DataFrame:
    """Top keyphrases of at most CHUNK_PAPERS papers: paper_id, keyword, form, score, rank."""
    c = _Chunk(chunk)
    if not c.h.size:
        return pl.DataFrame(schema=KEYPHRASE_SCHEMA)
    c.merge_compounds()
    c.keep_hyphenated()
    c.join_terms()
    c.read_definitions()
    c.count_known_concepts()
    c.count_modifiers()
    s, e = _spans(c)
    records = _records(c, s, e)
    if not records["start"].size:
        return pl.DataFrame(schema=KEYPHRASE_SCHEMA)
    row, score, rank = _winners(c, records, top_n)
    start, end = records["start"][row], records["end"][row]
    return pl.DataFrame(
        {
            "paper_id": c.paper_ids[records["paper"][row]],
            "keyword": c.distinct_canonical_strings(start, end, records["h"][row]),
            "form": c.written_strings(start, end),
            "score": score.astype(np.float64),
            "rank": rank.astype(np.int32),
        },
        schema=KEYPHRASE_SCHEMA,
    )


def keyphrases(papers: pl.DataFrame, top_n: int = TOP_N) -> pl.DataFrame:
    """Return each paper's top topic keyphrases: paper_id, keyword (canonical), form (as written), score, rank."""
    # As many chunks as CHUNK_PAPERS needs, rounded up to a multiple of THREADS, all of one size:
    # no thread waits for the last one, as behind a whole chunk and a short one.
    count = -(-papers.height // CHUNK_PAPERS)
    count = -(-count // THREADS) * THREADS
    size = -(-papers.height // count) if count else 0
    chunks = [papers.slice(offset, size) for offset in range(0, papers.height, size or 1)]
    _compound_attributes(), _term_table()  # the word tables, read once here rather than by both threads
    with ThreadPoolExecutor(THREADS, thread_name_prefix="paperhouse-keywords") as pool:
        parts = list(pool.map(lambda chunk: _chunk_keyphrases(chunk, top_n), chunks))
    return pl.concat([pl.DataFrame(schema=KEYPHRASE_SCHEMA), *parts])


def _announced(name: pl.Expr) -> pl.Expr:
    """Whether the text a title puts before its colon reads as a method's name (not "A Survey")."""
    return name.str.contains(r"\p{L}\p{Lu}|\p{N}") | ~name.str.contains(r"\s")


def method_names(papers: pl.DataFrame) -> pl.DataFrame:
    """Return the method name a title announces before its colon ("RAFT: ..." gives RAFT)."""
    return papers.select("paper_id", keyword=pl.col("title").str.extract(METHOD_NAME_RE, 1)).filter(
        _announced(pl.col("keyword")).fill_null(False)
    )


def extract_keywords(papers: pl.DataFrame, top_n: int = TOP_N) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (keywords, paper_keywords) for papers with `paper_id`, `title` and `abstract`."""
    phrases = keyphrases(papers, top_n).with_columns(kind=pl.lit("keyphrase"))
    methods = method_names(papers).with_columns(
        form=pl.col("keyword"),
        kind=pl.lit("method"),
        score=pl.lit(None, dtype=pl.Float64),
        rank=pl.lit(0, dtype=pl.Int32),
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
        scored.select("paper_id", "keyword_id", "form", "score", "rank")
        .unique(["paper_id", "keyword_id"], keep="first")  # in order of `scored`; sorted just after
        .sort("paper_id", "keyword_id")
    )
    return keywords, paper_keywords
