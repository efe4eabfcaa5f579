"""Hold back a new version of a dump that lost entries of the loaded version: a likely cut download.

A dump cut anywhere but inside an entry parses as a valid, shorter dump, and applying it would
delete the sightings (and papers) of everything cut off. So a version with fewer entries than
the version of its name that the warehouse held loaded when the load began is recorded as
`suspect`, with the reason, and not applied: the loaded version keeps its sightings. Any loss
counts, not only a large one: a re-saved listing page gains entries or keeps them (its upvotes
change), so losing one is news an operator confirms, while a cut that keeps most entries would
otherwise remove the papers it cut off with exit 0. It stays held, and reported on every run,
until a complete version replaces it, or `--accept-shrink` confirms it. A second sighting of the same bytes is no
confirmation: a download that failed stays cut.
"""

from __future__ import annotations

import polars as pl

from etl.parse import ParsedDumps


def hold_shrunk(
    dumps: pl.DataFrame, parsed: ParsedDumps, loaded_entries: dict[str, int] | None
) -> ParsedDumps:
    """`parsed` with each shrunk version marked suspect (column `suspect`, reason in `error`) and its entries dropped.

    `dumps` gives the file names; `loaded_entries` maps a name to the entries of its loaded
    version (None: nothing is held, as with --accept-shrink).
    """
    before = pl.DataFrame(
        {"file_name": list(loaded_entries or {}), "loaded_entries": list((loaded_entries or {}).values())},
        schema={"file_name": pl.String, "loaded_entries": pl.Int64},
    )
    files = (
        parsed.files.join(dumps.select("file_id", "file_name"), on="file_id", how="left")
        .join(before, on="file_name", how="left")
        .with_columns(
            suspect=pl.col("error").is_null()
            & pl.col("loaded_entries").is_not_null()
            & (pl.col("entries") < pl.col("loaded_entries"))
        )
    )
    files = files.with_columns(error=pl.when("suspect").then(_reason()).otherwise(pl.col("error"))).drop(
        "file_name", "loaded_entries"
    )
    held = files.filter("suspect")["file_id"].implode()
    return ParsedDumps(entries=parsed.entries.filter(~pl.col("file_id").is_in(held)), files=files)


def _reason() -> pl.Expr:
    return pl.format(
        "{}: {} entries where the loaded version has {} (fewer: a cut download?); held back "
        "as suspect, the loaded version stays. Save the complete page again, or confirm this version "
        "with `paperhouse load --accept-shrink`",
        pl.col("file_name"),
        pl.col("entries"),
        pl.col("loaded_entries"),
    )
