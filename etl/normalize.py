"""Text normalization and content-derived, version-stable keys."""

from __future__ import annotations

import functools
import hashlib
import threading
import unicodedata

import duckdb
import polars as pl

# Python's str.split() treats these ASCII separators as whitespace too; mirror it exactly.
_ASCII_WHITESPACE = r"[\s\x1c-\x1f]{2,}|[^\S ]|[\x1c-\x1f]"  # only where a run is not already one space
KEY_SEPARATOR = "\x1f"
# Short texts (keywords, URLs, titles) hash fastest in DuckDB, with no Python object per row;
# long ones (title and abstract keys) in Python, whose OpenSSL SHA-256 is several times faster.
_DUCKDB_HASH_MAX_BYTES = 512
_SHA256_PREFIX_SQL = "SELECT (('0x' || sha256(text)[1:16])::UBIGINT >> 1)::BIGINT AS id FROM short_texts"
_hashing = threading.local()  # a connection is not shared across threads: each has its own cursor


def identity_key(text: str) -> str:
    """Return the identity form of a text: NFKC, case folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def identity_keys(texts: pl.Series) -> pl.Series:
    """Vectorized `identity_key`: Polars for ASCII rows, Python's Unicode tables for the rest."""
    frame = pl.DataFrame({"text": texts})
    ascii_key = pl.col("text").str.to_lowercase().str.replace_all(_ASCII_WHITESPACE, " ").str.strip_chars(" ")
    non_ascii = pl.col("text").str.len_bytes() != pl.col("text").str.len_chars()
    keyed = frame.with_columns(key=pl.when(non_ascii).then(None).otherwise(ascii_key))
    needs_unicode = keyed.filter(non_ascii & pl.col("text").is_not_null())
    if needs_unicode.height:
        distinct = needs_unicode["text"].unique()
        lookup = pl.DataFrame(
            {"text": distinct, "unicode_key": pl.Series([identity_key(t) for t in distinct], dtype=pl.String)}
        )
        keyed = keyed.join(lookup, on="text", how="left", maintain_order="left").select(
            key=pl.coalesce("key", "unicode_key")
        )
    return keyed["key"].alias(texts.name)


def nfc(expr: pl.Expr) -> pl.Expr:
    """Unicode NFC of a string expression; ASCII rows, which NFC leaves as they are, are skipped."""
    is_ascii = expr.str.len_bytes() == expr.str.len_chars()
    return pl.when(is_ascii.fill_null(True)).then(expr).otherwise(expr.str.normalize("NFC"))


def stable_id(text: str) -> int:
    """Return a positive 63-bit id: the first 8 bytes of SHA-256 of the UTF-8 text."""
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big") >> 1


@functools.cache
def _hashing_database() -> duckdb.DuckDBPyConnection:
    """This process's in-memory DuckDB for hashing (about 30 ms to open, once)."""
    return duckdb.connect(":memory:")


def _duckdb_stable_ids(texts: pl.Series) -> pl.Series:
    """`stable_id` of each non-null text, computed by this process's in-memory DuckDB."""
    connection = getattr(_hashing, "cursor", None)
    if connection is None:  # a new thread (each load has its own worker): a cursor costs nothing
        connection = _hashing.cursor = _hashing_database().cursor()
    connection.register("short_texts", texts.alias("text").to_frame().to_arrow())
    try:
        return connection.sql(_SHA256_PREFIX_SQL).pl()["id"]
    finally:
        connection.unregister("short_texts")


def _python_stable_ids(texts: pl.Series) -> pl.Series:
    """`stable_id` of each non-null text, by Python's hashlib."""
    digest, to_int = hashlib.sha256, int.from_bytes
    values = texts.cast(pl.Binary).to_list()  # UTF-8 bytes, without a Python str per value
    return pl.Series("id", [to_int(digest(v).digest()[:8], "big") >> 1 for v in values], dtype=pl.Int64)


def stable_ids(texts: pl.Series) -> pl.Series:
    """Vectorized `stable_id` over a string Series (nulls stay null); callers with heavy repeats pass distinct values."""
    rows = pl.DataFrame({"text": texts}).with_row_index("row")
    is_short = pl.col("text").str.len_bytes() <= _DUCKDB_HASH_MAX_BYTES  # null for a null text: in neither
    short, long = rows.filter(is_short), rows.filter(~is_short)
    ids = pl.repeat(None, len(texts), dtype=pl.Int64, eager=True).alias(texts.name)
    if short.height:
        ids = ids.scatter(short["row"], _duckdb_stable_ids(short["text"]))
    if long.height:
        ids = ids.scatter(long["row"], _python_stable_ids(long["text"]))
    return ids


def stable_id_expr(*parts: pl.Expr | str) -> pl.Expr:
    """Expression giving `stable_id` of the parts joined by the key separator."""
    joined = pl.concat_str(list(parts), separator=KEY_SEPARATOR)
    return joined.map_batches(stable_ids, return_dtype=pl.Int64)
