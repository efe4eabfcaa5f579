"""Turn decoded dumps into the frames of one warehouse batch."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import polars as pl

from etl.dates import date_dimension, date_id
from etl.dedupe import printed_texts, sightings
from etl.keys import stable_id_expr
from etl.parse import ParsedDumps

if TYPE_CHECKING:
    from etl.checks import CheckOutcome
    from etl.merge import MergeStats


@dataclass(frozen=True)
class StagingFrames:
    """Staging frames, one per warehouse table and search index table, for one transactional load."""

    source_files: pl.DataFrame
    dates: pl.DataFrame
    organizations: pl.DataFrame
    papers: pl.DataFrame
    paper_appearances: pl.DataFrame
    paper_texts: pl.DataFrame
    links: pl.DataFrame
    paper_links: pl.DataFrame
    keywords: pl.DataFrame
    paper_keywords: pl.DataFrame
    search_documents: pl.DataFrame  # the full-text search index of the batch's texts (etl.search)
    search_postings: pl.DataFrame

    def frames(self) -> dict[str, pl.DataFrame]:
        """The staging frames by table name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def source_file_rows(dumps: pl.DataFrame, parsed: ParsedDumps, listing_year: int | None) -> pl.DataFrame:
    """One `source_files` row per dump read in this batch, loaded, rejected or suspect.

    A rejected dump keeps the listing-year rule it was parsed under (when its header was
    found) and `listing_year` (the setting), so a changed setting can retry it. A suspect one
    (held back by `etl.shrink`) keeps its entry count, and why in `error`.
    """
    suspect = pl.col("suspect") if "suspect" in parsed.files.columns else pl.lit(False)
    return (
        dumps.select("file_id", "file_name", "sha256", "size_bytes", "modified_ns")
        .join(parsed.files, on="file_id", how="left")
        .select(
            "file_id",
            "file_name",
            "sha256",
            "size_bytes",
            listing_date_id=pl.when(pl.col("error").is_null()).then(date_id(pl.col("listing_date"))),
            listing_year_rule="listing_year_rule",
            status=pl.when(pl.col("error").is_null())
            .then(pl.lit("loaded"))
            .when(suspect.fill_null(False))
            .then(pl.lit("suspect"))
            .otherwise(pl.lit("rejected")),
            error="error",
            entries="entries",
            modified_ns="modified_ns",
            listing_year_setting=pl.lit(listing_year, dtype=pl.Int32),
            recheck_on="recheck_on",
        )
        .sort("file_id")
    )


def organization_rows(identified: pl.DataFrame) -> pl.DataFrame:
    """Distinct organizations named on cards, keyed by their handle."""
    return (
        identified.drop_nulls("organization_handle")
        .sort("listing_date", "file_name", "position")
        .group_by("organization_handle")
        .agg(name=pl.col("organization_name").last())
        .select(
            organization_id=stable_id_expr("organization_handle"),
            handle="organization_handle",
            name="name",
        )
        .sort("organization_id")
    )


def appearance_rows(identified: pl.DataFrame) -> pl.DataFrame:
    """Text-free sightings keyed for the `paper_appearances` table."""
    return sightings(identified).select(
        "file_id",
        "position",
        "paper_id",
        "text_id",
        "title_line",
        listing_date_id=date_id(pl.col("listing_date")),
        upvotes="upvotes",
        author_count="author_count",
        organization_id=stable_id_expr("organization_handle"),
        organization_name="organization_name",
        card_date_text="card_date_text",
        card_date_id=date_id(pl.col("card_date")),
    )


def assemble_batch(
    dumps: pl.DataFrame,
    parsed: ParsedDumps,
    identified: pl.DataFrame,
    papers: pl.DataFrame,
    links: tuple[pl.DataFrame, pl.DataFrame],
    keywords: tuple[pl.DataFrame, pl.DataFrame],
    search: tuple[pl.DataFrame, pl.DataFrame],
    listing_year: int | None = None,
) -> StagingFrames:
    """Put the results of each step together as the staging frames of one batch."""
    loaded = parsed.files.filter(pl.col("error").is_null())
    dates = date_dimension(pl.concat([loaded["listing_date"], parsed.entries["card_date"]]))
    return StagingFrames(
        source_files=source_file_rows(dumps, parsed, listing_year),
        dates=dates,
        organizations=organization_rows(identified),
        papers=papers,
        paper_appearances=appearance_rows(identified),
        paper_texts=printed_texts(identified),
        links=links[0],
        paper_links=links[1],
        keywords=keywords[0],
        paper_keywords=keywords[1],
        search_documents=search[1],
        search_postings=search[0],
    )


@dataclass(frozen=True)
class CommittedBatch:
    """One committed batch: its staging frames, what its merge changed, its integrity outcomes."""

    number: int
    batches: int
    batch: StagingFrames
    stats: MergeStats
    outcomes: dict[str, CheckOutcome]
    same_content: list[int]  # ids of versions read again (touched, not changed) that the warehouse holds
    unreadable: list[dict[str, str]]  # files this batch could not read at all (stored nowhere)
    files: list[str]  # names of the dumps this batch read
    bytes: int  # their size, as listed
    deferred: list[dict[str, str]] = field(default_factory=list)  # changed while read: left for the next run
