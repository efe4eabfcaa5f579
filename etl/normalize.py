"""Text normalization: the identity form of a title or abstract, and NFC (keys are made in `etl.keys`)."""

from __future__ import annotations

import unicodedata

import polars as pl

# Python's str.split() treats these ASCII separators as whitespace too; mirror it exactly.
_ASCII_WHITESPACE = r"[\s\x1c-\x1f]{2,}|[^\S ]|[\x1c-\x1f]"  # only where a run is not already one space


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
