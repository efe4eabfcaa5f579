"""One batch of dumps, from files to staging frames: read → parse → identify → enrich → assemble.

Every step is a Polars function of the frames before it; nothing here touches the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from etl.batch import StagingFrames, assemble_batch
from etl.dedupe import identify_papers, latest_paper_texts
from etl.extract import DumpFile, read_dump_files
from etl.keywords import extract_keywords
from etl.links import extract_links
from etl.parse import parse_dumps
from etl.search import search_index
from etl.shrink import hold_shrunk
from etl.timing import StageClock


@dataclass(frozen=True)
class ReadOptions:
    """What every batch of one load is read and parsed with."""

    listing_year: int | None
    today: date
    max_dump_bytes: int | None
    clock: StageClock
    seen: PapersSeen | None = None  # one per load: the papers of its batches read so far
    loaded_entries: dict[str, int] | None = None  # name -> entries of its loaded version (etl.shrink)


@dataclass
class PapersSeen:
    """Ids of the texts (`text_id`) the earlier batches of one load extracted links and keywords from.

    A paper's links and keywords depend on its shown text alone, so a batch skips the extraction
    for a text an earlier batch of the load extracted: that paper either shows the text already
    (the merge then keeps its links) or is told apart by the merge, which extracts what it needs
    and the batch lacks (`extracted` is false in its papers frame). About 8 bytes per text.
    """

    ids: pl.Series = field(default_factory=lambda: pl.Series("text_id", [], dtype=pl.Int64))

    def unseen(self, papers: pl.DataFrame) -> pl.DataFrame:
        """The rows of `papers` whose text no earlier batch extracted."""
        return papers.filter(~pl.col("text_id").is_in(self.ids.implode()))

    def add(self, papers: pl.DataFrame) -> None:
        """Remember the texts of a batch, for the batches after it."""
        self.ids = pl.concat([self.ids, papers["text_id"]]).unique()


@dataclass(frozen=True)
class TransformedBatch:
    """A batch ready to merge: its staging frames, the versions it found already held, unreadable and deferred files."""

    batch: StagingFrames
    same_content: list[int]  # ids of versions read again (touched, not changed) that the warehouse holds
    unreadable: list[dict[str, str]]
    deferred: list[dict[str, str]] = field(default_factory=list)  # changed while read: the next run's


def transform(
    dumps: pl.DataFrame,
    listing_year: int | None,
    clock: StageClock | None = None,
    today: date | None = None,
    seen: PapersSeen | None = None,
    loaded_entries: dict[str, int] | None = None,
) -> StagingFrames:
    """Parse dumps, identify and deduplicate papers, extract links, keywords and the search index's
    words: one warehouse batch.

    With `seen`, links, keywords and search words are extracted only for papers it does not hold, and the
    batch's papers are added to it. With `loaded_entries`, a version that lost entries of its
    loaded predecessor is held back as suspect (`etl.shrink`).
    """
    clock = clock or StageClock()
    with clock.stage("parse"):
        parsed = hold_shrunk(dumps, parse_dumps(dumps, listing_year, today), loaded_entries)
    with clock.stage("dedupe"):
        identified = identify_papers(parsed.entries)
        papers = latest_paper_texts(identified)
        first_seen = papers if seen is None else seen.unseen(papers)
    with clock.stage("links"):
        links = extract_links(first_seen)
    with clock.stage("keywords"):
        keywords = extract_keywords(first_seen)
    with clock.stage("search"):
        search = search_index(first_seen)
    if seen is not None:
        seen.add(papers)
        papers = papers.with_columns(extracted=pl.col("text_id").is_in(first_seen["text_id"].implode()))
    else:
        papers = papers.with_columns(extracted=pl.lit(True))
    with clock.stage("assemble"):
        return assemble_batch(dumps, parsed, identified, papers, links, keywords, search, listing_year)


def prepare_batch(files: list[DumpFile], held: frozenset[int], options: ReadOptions) -> TransformedBatch:
    """Read `files` and transform those whose content the warehouse does not hold (`held`: version ids)."""
    with options.clock.stage("read"):
        dumps, unreadable, deferred = read_dump_files(
            files, skip_file_ids=held, max_bytes=options.max_dump_bytes
        )
        same = pl.col("file_id").is_in(list(held))
        same_content = dumps.filter(same)["file_id"].to_list()
    batch = transform(
        dumps.filter(~same),
        options.listing_year,
        options.clock,
        options.today,
        options.seen,
        options.loaded_entries,
    )
    return TransformedBatch(batch, same_content, unreadable, deferred)
