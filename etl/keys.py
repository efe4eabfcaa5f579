"""How every warehouse key is made: the first 53 bits of SHA-256 of a text, so a key never depends on load order.

A paper, link, keyword, organization and dump version is keyed by the content that names it
(its identity text, its URL, its phrase, its handle, its name and sha256), joined by
`KEY_SEPARATOR` where a key has several parts. The same text gives the same key in every
run, on every machine and in every engine, so batches, reloads and subsets of a folder agree
without a lookup of keys already given, and a merge is a join on keys.

A key is below 2^53 (`KEY_BITS`): every client reads it exactly, also those that hold numbers as
IEEE doubles (JavaScript's `Number`, JSON readers, `@duckdb/node-api`'s JSON, BI tools), which
round larger integers (4951195403184159498 read back as 4951195403184159744) and so break joins
between their queries. Keys were the first 63 bits until migration 0016, which shifted every
stored key right by 10 bits: the first 53 bits of the same digest, so no text is hashed again.
With 53 bits, two of a million distinct texts share a key with a chance of about 1 in 18,000 (1 in
18 million with 63). Migration 0016 refuses a warehouse whose keys shortening would make equal, and
the integrity rule `keys_name_one_text` refuses a batch (its transaction rolls back) that gives one
key to two texts: within the batch, two papers (their entries' normalized title and abstract
have a second, independent hash, `etl.dedupe`'s `identity_check`, which differs), two URLs, two
keywords or two handles; against the warehouse, a paper stored under its key with another
`title_id`, a link, keyword or organization stored with another URL, keyword or handle. It does not
tell apart, without storing more, a batch paper whose key is stored for a paper with the same
normalized title and another abstract (the stored identity is not kept, only `title_id`), nor texts
the merge extracts again from stored papers (`sql/retext/`). `row_keys_unique` and
`paper_id_unique` refuse a key stored twice.

Hashing runs where it is fastest. Short texts (keywords, URLs, handles: most keys) are hashed
by DuckDB's `sha256`, which makes no Python object per row; long ones (titles with abstracts)
by Python's hashlib, whose OpenSSL SHA-256 is several times faster on long input. DuckDB's
hashing needs a database: `ShortTextHasher` is one in-memory DuckDB, opened on first use
(about 30 ms) and never written; each thread hashes through a cursor of its own, as a DuckDB
connection is not shared across threads.
"""

from __future__ import annotations

import hashlib
import threading
from functools import cached_property
from itertools import pairwise

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa

KEY_SEPARATOR = "\x1f"  # the ASCII unit separator: it cannot occur in a dump's text
_SHORT_TEXT_MAX_BYTES = 512  # up to this, DuckDB hashes faster than Python's hashlib
KEY_BITS = 53  # every key is below 2**53: exact in a double, so in JavaScript and JSON
_SHIFT = 64 - KEY_BITS  # the first 8 bytes of the digest, shifted right to keep the first KEY_BITS bits
_SHA256_PREFIX_SQL = (
    f"SELECT (('0x' || sha256(text)[1:16])::UBIGINT >> {_SHIFT})::BIGINT AS id FROM short_texts"
)


def stable_id(text: str) -> int:
    """Return a key below 2**53: the first `KEY_BITS` bits of SHA-256 of the UTF-8 text."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") >> _SHIFT


def file_id_for(file_name: str, sha256: str) -> int:
    """Return the key of one version of a dump: its name and content hash."""
    return stable_id(f"{file_name}{KEY_SEPARATOR}{sha256}")


class ShortTextHasher:
    """`stable_id` of many short texts at once, computed by an in-memory DuckDB (a cursor per thread)."""

    def __init__(self) -> None:
        self._local = threading.local()

    @cached_property
    def _database(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(":memory:")

    def ids(self, texts: pl.Series) -> pl.Series:
        """`stable_id` of each text (none null)."""
        cursor = getattr(self._local, "cursor", None)
        if cursor is None:
            cursor = self._local.cursor = self._database.cursor()
        cursor.register("short_texts", texts.alias("text").to_frame().to_arrow())
        try:
            return cursor.sql(_SHA256_PREFIX_SQL).pl()["id"]
        finally:
            cursor.unregister("short_texts")


SHORT_TEXTS = ShortTextHasher()  # shared by every load of this process: it holds no data between calls


def _long_text_ids(texts: pl.Series) -> pl.Series:
    """`stable_id` of each text (none null), by Python's hashlib."""
    digest = hashlib.sha256
    # The UTF-8 bytes as one Arrow buffer with 64-bit offsets: each text is hashed through a view
    # of it, with no Python bytes or str object copied out per value.
    array = texts.to_arrow(compat_level=pl.CompatLevel.oldest()).cast(pa.large_string())  # a no-op cast
    _, offsets, data = array.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[array.offset : array.offset + len(array) + 1].tolist()
    view = memoryview(data if data is not None else b"")
    # The first 8 bytes of each digest, read as big-endian words in one go: no Python int per value.
    prefixes = b"".join([digest(view[start:end]).digest()[:8] for start, end in pairwise(bounds)])
    return pl.Series("id", np.frombuffer(prefixes, dtype=">u8") >> _SHIFT).cast(pl.Int64)


def stable_ids(texts: pl.Series) -> pl.Series:
    """Vectorized `stable_id` over a string Series (nulls stay null); callers with heavy repeats pass distinct values."""
    lengths = texts.str.len_bytes()
    if texts.len() and not texts.null_count():  # all short or all long: one hasher, no split and scatter
        if lengths.max() <= _SHORT_TEXT_MAX_BYTES:
            return SHORT_TEXTS.ids(texts).alias(texts.name)
        if lengths.min() > _SHORT_TEXT_MAX_BYTES:
            return _long_text_ids(texts).alias(texts.name)
    rows = pl.DataFrame({"text": texts, "length": lengths}).with_row_index("row")
    is_short = pl.col("length") <= _SHORT_TEXT_MAX_BYTES  # null for a null text: in neither
    short, long = rows.filter(is_short), rows.filter(~is_short)
    ids = pl.repeat(None, len(texts), dtype=pl.Int64, eager=True).alias(texts.name)
    if short.height:
        ids = ids.scatter(short["row"], SHORT_TEXTS.ids(short["text"]))
    if long.height:
        ids = ids.scatter(long["row"], _long_text_ids(long["text"]))
    return ids


def stable_id_expr(*parts: pl.Expr | str) -> pl.Expr:
    """Expression giving `stable_id` of the parts joined by the key separator."""
    joined = pl.concat_str(list(parts), separator=KEY_SEPARATOR)
    return joined.map_batches(stable_ids, return_dtype=pl.Int64)
