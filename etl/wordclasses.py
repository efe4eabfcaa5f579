"""What each distinct token is to the keyword extractor: its role in a phrase and its canonical words.

Computed once per distinct token, by whole-column Polars joins against the word tables of
`etl/lexicon` (parts of speech, plurals, spellings, compounds, acronyms, generic words), and
cached for the life of the process: a load meets most of its tokens in its first chunk.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import polars as pl

from etl.lexicon import read_frame
from etl.stopwords import STOPWORDS

# Small words that may join a term's words ("mixture of experts", "text-to-image").
CONNECTIVES = frozenset(
    {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "the", "to", "with"}
)
# Words after which a word that may be a finite verb is one: "shaping helps stabilize", "models the data".
DETERMINERS = frozenset(
    {"a", "an", "the", "this", "that", "these", "those", "our", "their", "its", "it", "them", "us"}
)
# Log probability in general English above which an adjective is a generic modifier ("entire",
# "precise") and below which a noun is specific enough to be a keyword alone ("grokking").
COMMON_MODIFIER = -11.0
SPECIFIC_WORD = -12.5
SINGLE_EXCLUDED_TAGS = "[VZDAR]"
# Words after which a bare verb form is a verb: "to train neural networks", "can handle".
BEFORE_VERBS = frozenset(
    {"to", "can", "cannot", "could", "may", "might", "must", "shall", "should", "will", "would"}
)
# Number-led tokens that name a topic rather than a quantity.
NUMBERED_WORDS = frozenset({"2d", "3d", "4d", "6d"})
# The marker `etl.keywords` puts before an acronym a paper defines: "large language models (LLMs)".
DEFINED = "\x01"
# Rolling hash of a phrase's canonical words: H(w1..wn) = sum h(wi) * BASE^(n-i), wrapping.
BASE = np.uint64(0x100000001B3)
MAX_CANONICAL_WORDS = 8
POWERS = np.array([pow(int(BASE), k, 1 << 64) for k in range(MAX_CANONICAL_WORDS + 1)], dtype=np.uint64)
BYTE_BASE = np.uint64(0x9E3779B97F4A7C15)  # of `byte_hashes`: the bytes of a text, joined ones too

# The boolean attributes, packed into `role_bits` (bit i is ROLES[i]) so a chunk gathers them once.
# `kept`: a break a later step reads (a connective, a prefix, a defined acronym).
ROLES = (
    "breaks",
    "lead",
    "soft",
    "tail",
    "connective",
    "prefix",
    "verbal",
    "base_verb",
    "determiner",
    "plural",
    "single",
    "compound_start",
    "compound_end",
    "acronym",
    "defines",
    "kept",
    "term_first",
    "concept",
    "before_verb",
    "concept_first",
)
ATTRIBUTES = {
    "token": pl.String,
    "role_bits": pl.UInt32,
    "initial": pl.UInt32,
    "letters": pl.String,
    "letters_hash": pl.UInt64,
    "key": pl.String,
    "key_hash": pl.UInt64,
    "key_shift": pl.UInt64,
    "canonical": pl.String,
    "piece": pl.String,
    "h": pl.UInt64,
    "words": pl.Int32,
}


@cache
def tables_digest() -> str:
    """SHA-256 of every word table, so that a changed table changes the extractor's version."""
    digest = hashlib.sha256()
    for name in sorted(p.name for p in resources.files("etl.lexicon").iterdir() if p.name.endswith(".tsv")):
        digest.update(name.encode() + b"\0" + resources.files("etl.lexicon").joinpath(name).read_bytes())
    digest.update(" ".join(sorted(STOPWORDS | CONNECTIVES | NUMBERED_WORDS)).encode())
    return digest.hexdigest()


def word_hashes(words: pl.Series) -> np.ndarray:
    """The hash of each canonical word (in-process only, never stored)."""
    return words.hash(seed=0x5EED).to_numpy()


def fold(hashes: list[np.ndarray], counts: np.ndarray) -> np.ndarray:
    """Rolling hash of up to len(hashes) words per row, of which the first `counts` are real."""
    acc = np.zeros(counts.size, dtype=np.uint64)
    for i, h in enumerate(hashes):
        real = counts > i
        acc[real] = acc[real] * BASE + h[real]
    return acc


def _frame(name: str, columns: list[str]) -> pl.DataFrame:
    return read_frame(name.removesuffix(".tsv"), columns)


@dataclass(frozen=True)
class Lexicon:
    """The word tables as frames, ready to join."""

    pos: pl.DataFrame  # word, tags
    frequency: pl.DataFrame  # word, logp: how common the word is in general English
    plural: pl.DataFrame  # plural, singular
    spelling: pl.DataFrame  # british, american
    generic: pl.DataFrame  # word, role
    compounds: pl.DataFrame  # key, compound
    acronyms: pl.DataFrame  # letters, expansion (canonical words)
    terms: pl.DataFrame  # first, connective, last, display: the last word as the term writes it
    compound_starts: frozenset[str]
    compound_ends: frozenset[str]  # every ending of a compound's key: what the last token of one may be
    compound_hashes: HashSet  # the byte_hashes of the compounds' keys
    prefix_pattern: str  # a prefix word and the space after it: "multi stage" reads "multi-stage"
    concept_hashes: HashSet  # phrase hashes of the acronyms' expansions and topics of several words
    concept_prefixes: HashSet  # the hashes of their leading words, whole ones too, and 0 (no word yet)
    topic_hashes: HashSet  # phrase hashes of the listed topics (topics.tsv)
    topic_words: frozenset[str]  # the listed topics of one word


def _canonical_words(lexicon_frames: dict[str, pl.DataFrame], frame: pl.DataFrame) -> pl.DataFrame:
    """Add `canon`: each (lowercase) `word` in American spelling, singular, and as its listed compound."""
    spelled = frame.join(
        lexicon_frames["spelling"], left_on="word", right_on="british", how="left"
    ).with_columns(canon=pl.coalesce("american", "word"))
    singular = spelled.join(
        lexicon_frames["plural"], left_on="canon", right_on="plural", how="left"
    ).with_columns(
        canon=pl.when(pl.col("plural_acronym"))
        .then(pl.col("canon").str.slice(0, pl.col("canon").str.len_chars() - 1))
        .otherwise(pl.coalesce("singular", "canon")),
        plural_form=pl.col("singular").is_not_null(),
    )
    keyed = singular.with_columns(compound_key=pl.col("canon").str.replace_all("-", "", literal=True))
    return (
        keyed.join(lexicon_frames["compounds"], left_on="compound_key", right_on="key", how="left")
        .with_columns(canon=pl.coalesce("compound", "canon"), compound_kind=pl.col("kind").fill_null(""))
        .drop("american", "singular", "compound_key", "compound", "kind", strict=False)
    )


@cache
def lexicon() -> Lexicon:
    """The word tables, read once."""
    frames = {
        "spelling": _frame("spelling.tsv", ["british", "american"]),
        "plural": _frame("plural.tsv", ["plural", "singular"]),
        "compounds": _frame("compounds.tsv", ["key", "compound", "kind"]),
    }
    generic = _frame("generic.tsv", ["word", "role"])
    plurals_of_generic = generic.join(frames["plural"], left_on="word", right_on="singular").select(
        word="plural", role="role"
    )
    generic = pl.concat([generic, plurals_of_generic]).unique("word", keep="first")
    terms = _term_triples(read_frame("terms", ["term"]), frames)
    acronyms = _frame("acronyms.tsv", ["letters", "expansion"])
    acronyms = acronyms.with_columns(
        expansion=pl.Series(
            canonical_phrases(acronyms["expansion"].to_list(), frames, terms), dtype=pl.String
        )
    )
    topics = pl.Series(
        canonical_phrases(read_frame("topics", ["topic"])["topic"].to_list(), frames, terms), dtype=pl.String
    )
    concepts = pl.concat([acronyms["expansion"], topics])
    several = concepts.filter(concepts.str.contains(" "))
    keys = frames["compounds"]["key"].to_list()
    starts = frozenset(key[:cut] for key in keys for cut in range(2, len(key) - 1))
    return Lexicon(
        pos=_frame("pos.tsv", ["word", "tags"]),
        frequency=_frame("frequency.tsv", ["word", "logp"]).with_columns(pl.col("logp").cast(pl.Float64)),
        plural=frames["plural"],
        spelling=frames["spelling"],
        generic=generic,
        compounds=frames["compounds"],
        acronyms=acronyms,
        terms=terms,
        compound_starts=starts,
        compound_ends=frozenset(key[cut:] for key in keys for cut in range(len(key))),
        compound_hashes=HashSet(byte_hashes(frames["compounds"]["key"])[0]),
        concept_hashes=HashSet(phrase_hash(several)[0]),
        concept_prefixes=HashSet(_leading_hashes(several)),
        topic_hashes=HashSet(phrase_hash(topics)[0]),
        topic_words=frozenset(t for t in topics.to_list() if " " not in t),
        prefix_pattern=r"\b(" + "|".join(generic.filter(pl.col("role") == "prefix")["word"].sort()) + r") ",
    )


def _leading_hashes(phrases: pl.Series) -> np.ndarray:
    """The hashes of the first k words of these phrases, for every k (sorted, with 0: no word yet)."""
    words = phrases.str.split(" ")
    longest = int(words.list.len().max() or 0)
    leading = [
        phrase_hash(words.filter(words.list.len() >= k).list.head(k).list.join(" "))[0]
        for k in range(1, longest + 1)
    ]
    return np.unique(np.concatenate([np.zeros(1, dtype=np.uint64), *leading]))


def _words_canonical(words: pl.Series, frames: dict[str, pl.DataFrame]) -> pl.Series:
    frame = pl.DataFrame({"word": words}).with_columns(plural_acronym=pl.lit(False))
    return _canonical_words(frames, frame)["canon"]


def _term_triples(terms: pl.DataFrame, frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Each term as (first, connective, last) canonical words, and its last word as the term writes it."""
    parts = terms.select(words=pl.col("term").str.split(" ")).filter(pl.col("words").list.len() == 3)
    first = _words_canonical(parts["words"].list.get(0), frames)
    last = _words_canonical(parts["words"].list.get(2), frames)
    return pl.DataFrame(
        {
            "first": first,
            "connective": parts["words"].list.get(1),
            "last": last,
            "display": parts["words"].list.get(2),
        }
    )


def _with_terms(words: list[str], terms: pl.DataFrame) -> list[str]:
    for first, connective, last, display in terms.iter_rows():
        for i in range(len(words) - 2):
            if words[i : i + 3] == [first, connective, last]:
                words[i + 2] = display
    return words


def canonical_phrases(phrases: list[str], frames: dict[str, pl.DataFrame], terms: pl.DataFrame) -> list[str]:
    """Phrases of a word table in canonical words, as the extractor keys the same words in a text.

    As in a text, a hyphen splits a word ("test-time" is two words) unless the word is a listed
    compound ("in-context" is one).
    """
    compounds = set(frames["compounds"]["key"].to_list())
    split = [
        [part for word in phrase.split(" ") for part in _hyphen_parts(word, compounds)] for phrase in phrases
    ]
    flat = pl.Series([word for words in split for word in words], dtype=pl.String)
    canon = iter(_words_canonical(flat, frames).to_list())
    return [" ".join(_with_terms([next(canon) for _ in words], terms)) for words in split]


def _hyphen_parts(word: str, compounds: set[str]) -> list[str]:
    return [word] if word.replace("-", "") in compounds else [p for p in word.split("-") if p]


def _listed(words: frozenset[str]) -> pl.Expr:
    return pl.lit(pl.Series(sorted(words), dtype=pl.String)).implode()


def phrase_hash(canonical: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(hash, word count) of canonical phrases, words separated by single spaces."""
    words = canonical.str.split(" ")
    counts = words.list.len().to_numpy().astype(np.int64)
    hashes = [
        np.nan_to_num(word_hashes(words.list.get(i, null_on_oob=True).fill_null("")), nan=0).astype(np.uint64)
        for i in range(int(counts.max()) if counts.size else 0)
    ]
    return fold(hashes, counts), counts


def byte_hashes(texts: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """(hash, shift) of each text's UTF-8 bytes: two texts joined hash as hash1 * shift2 + hash2.

    The hash is sum(byte * BYTE_BASE^(bytes after it)), wrapping; the shift is BYTE_BASE^length.
    """
    array = texts.fill_null("").cast(pl.Binary).to_arrow(compat_level=pl.CompatLevel.oldest())  # offsets
    _, offsets, data = array.buffers()
    offsets = np.frombuffer(offsets, dtype=np.int64)[array.offset : array.offset + len(array) + 1]
    data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    length = np.diff(offsets)
    powers = np.cumprod(np.full(int(length.max(initial=0)) + 1, BYTE_BASE, dtype=np.uint64))
    powers = np.r_[np.uint64(1), powers]  # BYTE_BASE^k
    at = np.arange(offsets[0], offsets[-1])
    owner = np.repeat(np.arange(length.size), length)
    terms = data[at] * powers[offsets[owner + 1] - 1 - at]
    hashes = np.zeros(length.size, dtype=np.uint64)
    filled = np.flatnonzero(length > 0)
    if filled.size:  # each text's terms are contiguous: one sum per text (np.add.at is far slower)
        hashes[filled] = np.add.reduceat(terms, offsets[filled] - offsets[0])
    return hashes, powers[length]


def canonical_piece(canonical: pl.Expr) -> pl.Expr:
    """Canonical words as a part of a phrase's: a prefix joins the next word ("multi stage" reads "multi-stage").

    The words end with the separator before the next ones (a space, or a hyphen after a prefix): the
    prefix pattern needs only a word and the space after it, so it reads each part as it would the phrase.
    """
    return (canonical + " ").str.replace_all(lexicon().prefix_pattern, "${1}-")


def attributes(tokens: pl.Series) -> pl.DataFrame:
    """Role and canonical words of each distinct token (as written, case kept)."""
    lex = lexicon()
    frames = {"spelling": lex.spelling, "plural": lex.plural, "compounds": lex.compounds}
    token = pl.col("token")
    defines = token.str.starts_with(DEFINED) & (token.str.len_chars() > 2)  # a lone marker is a break
    bare = pl.when(defines).then(token.str.slice(1)).otherwise(token)
    frame = pl.DataFrame({"token": tokens}).with_columns(
        defines=defines,
        acronym=bare.str.count_matches(r"\p{Lu}") >= 2,
        plural_acronym=bare.str.contains(r"^\p{Lu}[\p{L}\p{N}]*\p{Lu}s$"),
        word=bare.str.to_lowercase().str.replace(r"['’]s$", ""),
    )
    frame = _canonical_words(frames, frame).with_columns(
        letters=pl.when(pl.col("acronym")).then(pl.col("canon"))
    )
    frame = (
        frame.join(lex.acronyms, on="letters", how="left")
        .join(lex.pos, on="word", how="left")
        .join(lex.frequency, on="word", how="left")
    )
    # A word no table knows that ends like a plural is one: "reasoners", "logits".
    unknown_plural = (
        pl.col("tags").is_null()
        & pl.col("logp").is_null()
        & ~pl.col("acronym")
        & (pl.col("canon") == pl.col("word"))
        & pl.col("word").str.contains(r"^\p{Ll}[\p{Ll}\-]{2,}[^sui]s$")
    )
    frame = (
        frame.with_columns(
            canon=pl.when(unknown_plural)
            .then(pl.col("canon").str.slice(0, pl.col("canon").str.len_chars() - 1))
            .otherwise(pl.col("canon"))
        )
        .with_columns(canonical=pl.coalesce("expansion", "canon"))
        .join(lex.generic, on="word", how="left")
        .join(lex.generic.rename({"role": "canon_role"}), left_on="canon", right_on="word", how="left")
    )
    tags = pl.col("tags").fill_null("")
    role = pl.coalesce("role", "canon_role").fill_null("")
    noun = tags.str.contains("N") | (tags == "")
    word = pl.col("word")
    verb_only = tags.str.contains("[VZD]") & ~tags.str.contains("[NA]")
    expanded = pl.col("expansion").is_not_null()
    frame = frame.with_columns(
        connective=word.is_in(_listed(CONNECTIVES)),
        prefix=role == "prefix",
        breaks=(
            (word == "|")
            | defines
            | word.is_in(_listed(STOPWORDS))
            | pl.col("canon").is_in(_listed(STOPWORDS))
            | (word.str.len_chars() < 2)
            | ~word.str.contains(r"\p{L}")
            | word.str.contains(r"^\p{L}{1,3}(\.\p{L}{1,3})+\.?$")  # e.g. i.e. w.r.t.
            | (word.str.contains(r"^\p{N}") & ~word.is_in(_listed(NUMBERED_WORDS)))
            | (role == "break")
            | (pl.col("compound_kind") == "verb")
            | (verb_only & ~tags.str.contains("G"))
            | (tags.str.contains("R") & ~tags.str.contains("[NA]"))
        ),
        lead=(role == "lead")
        | (tags.str.contains("[GD]") & ~tags.str.contains("N"))
        | (
            tags.str.contains("A")
            & ~tags.str.contains("N")
            & (pl.col("logp").fill_null(-99) > COMMON_MODIFIER)
            & (role != "topic")
        ),
        soft=tags.str.contains("G") & tags.str.contains("N") & (role != "topic"),
        tail=(role == "tail") | (~noun & ~tags.str.contains("G")) | (pl.col("compound_kind") == "modifier"),
        verbal=tags.str.contains("[VZ]"),
        base_verb=tags.str.contains("V") & ~word.str.ends_with("s"),
        determiner=word.is_in(_listed(DETERMINERS)) | verb_only,
        before_verb=word.is_in(_listed(BEFORE_VERBS)),
        single=(pl.col("canonical").is_in(_listed(lex.topic_words)) & (role != "break"))
        | role.is_in(["", "topic"])
        & (
            expanded
            | (pl.col("compound_kind") == "noun")
            | (
                (pl.col("compound_kind") == "")
                & ~tags.str.contains(SINGLE_EXCLUDED_TAGS)
                & (pl.col("logp").fill_null(-99) <= SPECIFIC_WORD)
                & (word.str.len_chars() >= 3)
                & ~pl.col("acronym")
            )
        ),
        compound_start=word.is_in(_listed(lex.compound_starts)),
        compound_end=word.str.replace_all("-", "", literal=True).is_in(_listed(lex.compound_ends)),
    ).with_columns(lead=pl.col("lead") | pl.col("connective"), tail=pl.col("tail") | pl.col("connective"))
    frame = frame.with_columns(
        plural=pl.col("plural_form") | pl.col("plural_acronym"),
        term_first=pl.col("canonical").is_in(lex.terms["first"].implode()),
    ).with_columns(
        kept=pl.col("connective")
        | pl.col("prefix")
        | defines
        | pl.col("compound_start")
        | pl.col("term_first"),
        concept=(pl.col("compound_kind") == "noun") | expanded,
    )
    h, words = phrase_hash(frame["canonical"])
    frame = frame.with_columns(concept_first=pl.Series(lex.concept_prefixes.contains(h)))
    role_bits = pl.sum_horizontal(
        pl.col(name).fill_null(False).cast(pl.UInt32) * (1 << bit) for bit, name in enumerate(ROLES)
    )
    initial = frame["word"].str.slice(0, 1).fill_null("").to_numpy().astype("U1").view(np.uint32)
    frame = frame.with_columns(
        letters=pl.when(pl.col("defines") | pl.col("acronym")).then(pl.col("canon")),
        key=pl.col("word").str.replace_all("-", "", literal=True),
    )
    key_hash, key_shift = byte_hashes(frame["key"])
    return frame.select(
        "token",
        role_bits=role_bits.cast(pl.UInt32),
        initial=pl.Series(initial, dtype=pl.UInt32),
        letters="letters",
        letters_hash=pl.col("letters").fill_null("").hash(),  # a paper's acronyms are matched by it
        key="key",
        key_hash=pl.Series(key_hash, dtype=pl.UInt64),
        key_shift=pl.Series(key_shift, dtype=pl.UInt64),
        canonical="canonical",
        piece=canonical_piece(pl.col("canonical")),
        h=pl.Series(h, dtype=pl.UInt64),
        words=pl.Series(np.minimum(words, 255).astype(np.int32)),
    )


class HashSet:
    """A small set of 64-bit hashes: membership by one bitmap read, then a search only on the few that pass."""

    _BITS = 16

    def __init__(self, hashes: np.ndarray) -> None:
        self.hashes = np.unique(hashes.astype(np.uint64))
        self._bitmap = np.zeros(1 << self._BITS, dtype=bool)
        self._bitmap[self._bucket(self.hashes)] = True

    def _bucket(self, values: np.ndarray) -> np.ndarray:
        return (values >> np.uint64(64 - self._BITS)).view(np.intp)

    def contains(self, values: np.ndarray) -> np.ndarray:
        """Whether each value is in the set."""
        found = self._bitmap[self._bucket(values)]
        maybe = np.flatnonzero(found)
        if maybe.size and self.hashes.size:
            at = np.minimum(np.searchsorted(self.hashes, values[maybe]), self.hashes.size - 1)
            found[maybe] = self.hashes[at] == values[maybe]
        return found


class HashTable:
    """An open-addressing table from distinct 64-bit hashes to rows: one numpy gather per lookup, no join."""

    _MIX = np.uint64(0x9E3779B97F4A7C15)  # Polars' hash is good, but the table reads only its top bits

    def __init__(self, hashes: np.ndarray) -> None:
        bits = max(10, int(4 * max(hashes.size, 1) - 1).bit_length())  # at most a quarter full
        self._shift = np.uint64(64 - bits)
        self._mask = (1 << bits) - 1
        self._keys = np.zeros(1 << bits, dtype=np.uint64)
        self._rows = np.full(1 << bits, -1, dtype=np.int32)
        self._insert(hashes, np.arange(hashes.size, dtype=np.int32))

    def _home(self, hashes: np.ndarray) -> np.ndarray:
        home = hashes * self._MIX
        home >>= self._shift
        return home.view(np.intp)

    def _insert(self, hashes: np.ndarray, rows: np.ndarray) -> None:
        slot = self._home(hashes)
        pending = np.arange(hashes.size)
        while pending.size:  # each free slot goes to one of its claimants; the rest probe the next slot
            at = slot[pending]
            free = self._rows[at] < 0
            claim, at = pending[free], at[free]
            # Of the claims on one slot the last write wins: written backwards, the first row (a frequent token).
            self._rows[at[::-1]] = rows[claim[::-1]]
            won = self._rows[at] == rows[claim]
            self._keys[at[won]] = hashes[claim[won]]
            pending = np.concatenate([pending[~free], claim[~won]])
            slot[pending] = (slot[pending] + 1) & self._mask

    def full(self, size: int) -> bool:
        """Whether a table holding `size` keys would be more than a quarter full."""
        return 4 * size > self._rows.size

    def find(self, hashes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the row of each hash, -1 for one not in the table; where those are)."""
        slot = self._home(hashes)
        rows = self._rows[slot]
        pending = np.flatnonzero((self._keys[slot] != hashes) | (rows < 0))  # an empty slot's key reads 0
        missing = [np.zeros(0, dtype=np.intp)]
        while pending.size:  # a miss, or a slot taken by another key: probe on until an empty slot
            empty = rows[pending] < 0
            missing.append(pending[empty])
            pending = pending[~empty]
            slot[pending] = (slot[pending] + 1) & self._mask
            rows[pending] = self._rows[slot[pending]]
            pending = pending[self._keys[slot[pending]] != hashes[pending]]
        return rows, np.sort(np.concatenate(missing))

    def with_rows(self, hashes: np.ndarray, rows: np.ndarray) -> HashTable:
        """A copy with these new hashes added (readers of the old table are never disturbed)."""
        table = object.__new__(HashTable)
        table._shift, table._mask = self._shift, self._mask
        table._keys, table._rows = self._keys.copy(), self._rows.copy()
        table._insert(hashes, rows)
        return table


class TokenCache:
    """Attributes of every distinct token met so far, keyed by the token's in-process hash."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known = pl.DataFrame(schema={"hash": pl.UInt64, **ATTRIBUTES})
        self._slots = HashTable(np.zeros(0, dtype=np.uint64))

    def rows(self, tokens: pl.Series, hashes: np.ndarray) -> tuple[np.ndarray, pl.DataFrame]:
        """(row of each token in the second, attributes of every token met so far), computing only new ones."""
        with self._lock:
            slots, known = self._slots, self._known
        rows, missing = slots.find(hashes)
        if not missing.size:
            return rows, known
        new_hashes = pl.Series(hashes[missing])
        first = new_hashes.arg_unique().to_numpy()
        computed = attributes(tokens.gather(missing[first])).with_columns(hash=new_hashes.gather(first))
        with self._lock:
            fresh = self._slots.find(computed["hash"].to_numpy())[0] < 0  # another thread may have met some
            computed = computed.filter(pl.Series(fresh)).select(self._known.columns)
            size = self._known.height
            self._known = pl.concat([self._known, computed], rechunk=True)
            if self._slots.full(self._known.height):
                self._slots = HashTable(self._known["hash"].to_numpy())
            else:
                added = np.arange(size, self._known.height, dtype=np.int32)
                self._slots = self._slots.with_rows(computed["hash"].to_numpy(), added)
            slots, known = self._slots, self._known
        rows[missing] = slots.find(hashes[missing])[0]
        return rows, known

    def lookup(self, tokens: pl.Series, hashes: pl.Series) -> pl.DataFrame:
        """Attributes of these tokens (with `hash`), in their order, computing only those not met before."""
        rows, known = self.rows(tokens, hashes.to_numpy())
        return known[rows]


TOKENS = TokenCache()
