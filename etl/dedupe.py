"""Give every entry its paper identity and split sightings from paper texts."""

from __future__ import annotations

import polars as pl

from etl import keys  # by module: a test makes keys collide through keys.stable_ids
from etl.normalize import identity_keys

RECENCY = ("listing_date", "file_name", "position")
# The seed of `identity_check`: any fixed value; the check is compared within one batch, never stored.
_CHECK_SEED = 0x6B657973


def identify_papers(entries: pl.DataFrame) -> pl.DataFrame:
    """Add `title_id` and `paper_id` (stable hashes of the normalized title and abstract), `text_id` (of both as
    printed) and `identity_check`.

    `identity_check` is a second hash of the normalized title and abstract, by another function
    (Polars' 64-bit hash, seeded) than the key's SHA-256: entries with one `paper_id` and two
    checks are two papers whose keys collide, which `latest_paper_texts` counts (`identities`) and
    the rule `keys_name_one_text` refuses. Two identities escape it only if both hashes collide
    (about 2^-117 per pair). It is never stored, so it need not be stable across Polars versions.
    """
    title_key = identity_keys(entries["title"])
    both = pl.DataFrame({"title": title_key, "abstract": identity_keys(entries["abstract"])})
    # The joined keys are made once: `paper_id` hashes them, and so does `identity_check`. The
    # separator never occurs in a key (keys collapse it as whitespace), so two joined keys differ
    # exactly when the title keys or the abstract keys do.
    identity = both.select(pl.concat_str("title", "abstract", separator=keys.KEY_SEPARATOR)).to_series()
    printed = entries.select(pl.concat_str("title", "abstract", separator=keys.KEY_SEPARATOR)).to_series()
    return entries.with_columns(
        title_id=keys.stable_ids(title_key),
        paper_id=keys.stable_ids(identity),
        text_id=keys.stable_ids(printed),
        identity_check=identity.hash(_CHECK_SEED),
    )


def latest_paper_texts(identified: pl.DataFrame) -> pl.DataFrame:
    """One row per paper: title and abstract as printed in its most recent sighting.

    `identities` is how many normalized titles and abstracts the batch's entries of the paper
    have (`identity_check`): 1, or more when different papers' keys collide.
    """
    return (
        identified.sort(*RECENCY)
        .group_by("paper_id")
        .agg(
            pl.col("title_id").last(),
            pl.col("text_id").last(),
            pl.col("title").last(),
            pl.col("abstract").last(),
            identities=pl.col("identity_check").n_unique().cast(pl.Int32),
        )
        .sort("paper_id")
    )


def printed_texts(identified: pl.DataFrame) -> pl.DataFrame:
    """One row per distinct printed text (title and abstract) of the entries, with its paper."""
    return identified.unique("text_id").select("text_id", "paper_id", "title", "abstract").sort("text_id")


def sightings(identified: pl.DataFrame) -> pl.DataFrame:
    """Every entry as a text-free sighting of a paper in one file at one position."""
    return identified.select(
        "paper_id",
        "text_id",
        "file_id",
        "position",
        "title_line",
        "listing_date",
        "upvotes",
        "author_count",
        "organization_handle",
        "organization_name",
        "card_date_text",
        "card_date",
    ).sort("file_id", "position")
