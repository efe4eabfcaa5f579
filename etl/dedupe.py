"""Give every entry its paper identity and split sightings from paper texts."""

from __future__ import annotations

import polars as pl

from etl.keys import stable_id_expr
from etl.normalize import identity_keys

RECENCY = ("listing_date", "file_name", "position")


def identify_papers(entries: pl.DataFrame) -> pl.DataFrame:
    """Add `title_id` and `paper_id` (stable hashes of the normalized title and abstract) and `text_id` (of both as printed)."""
    keyed = entries.with_columns(
        title_key=pl.col("title").map_batches(identity_keys, return_dtype=pl.String),
        abstract_key=pl.col("abstract").map_batches(identity_keys, return_dtype=pl.String),
    )
    return keyed.with_columns(
        title_id=stable_id_expr("title_key"),
        paper_id=stable_id_expr("title_key", "abstract_key"),
        text_id=stable_id_expr("title", "abstract"),
    ).drop("title_key", "abstract_key")


def latest_paper_texts(identified: pl.DataFrame) -> pl.DataFrame:
    """One row per paper: title and abstract as printed in its most recent sighting."""
    return (
        identified.sort(*RECENCY)
        .group_by("paper_id")
        .agg(
            pl.col("title_id").last(),
            pl.col("text_id").last(),
            pl.col("title").last(),
            pl.col("abstract").last(),
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
