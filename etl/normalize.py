"""Text normalization: the identity form of a title or abstract, and NFC (keys are made in `etl.keys`)."""

from __future__ import annotations

import unicodedata

import polars as pl

# Python's str.split() treats these ASCII separators as whitespace too; mirror it exactly.
_ASCII_WHITESPACE = r"[\s\x1c-\x1f]{2,}|[^\S ]|[\x1c-\x1f]"  # only where a run is not already one space
_ASCII_SEPARATORS = r"[\t-\r\x1c-\x1f]"  # the ASCII whitespace of `str.split()` other than the space


def identity_key(text: str) -> str:
    """Return the identity form of a text: NFKC, case folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _ascii_keys(texts: pl.Expr) -> pl.Expr:
    """`identity_key` of ASCII texts: lowercase, whitespace collapsed to one space, no space at the ends."""
    return texts.str.to_lowercase().str.replace_all(_ASCII_WHITESPACE, " ").str.strip_chars(" ")


def _needs_collapsing(texts: pl.Expr) -> pl.Expr:
    """True for an ASCII text whose whitespace is not already single spaces between words."""
    return (
        texts.str.contains("  ", literal=True)
        | texts.str.contains(_ASCII_SEPARATORS)
        | texts.str.starts_with(" ")
        | texts.str.ends_with(" ")
    )


def identity_keys(texts: pl.Series) -> pl.Series:
    """Vectorized `identity_key`: Polars for ASCII rows, Python's Unicode tables for the rest."""
    text = pl.col("text")
    # Counting characters reads every byte: done once, kept as a column.
    frame = pl.DataFrame({"text": texts}).with_columns(non_ascii=text.str.len_bytes() != text.str.len_chars())
    non_ascii = pl.col("non_ascii")
    keyed = frame.with_columns(key=pl.when(non_ascii).then(None).otherwise(text.str.to_lowercase()))
    # The whitespace regex reads every byte: it runs only on the (few) texts it would change.
    collapse = frame.select((~non_ascii & _needs_collapsing(text)).arg_true()).to_series()
    if collapse.len():
        collapsed = frame[collapse].select(_ascii_keys(text)).to_series()
        keyed = keyed.with_columns(key=keyed["key"].scatter(collapse, collapsed))
    needs_unicode = keyed.filter(non_ascii & text.is_not_null())
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
