"""What a load run did over all its batches, kept small: sums, distinct ids and first-batch previews."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from etl import quality
from etl.pipeline import BatchLoad, Transformed


@dataclass
class RunTally:
    """Adds up the batches of one run; holds no batch's frames beyond the first one's previews."""

    first: Transformed | None = None
    statuses: list[pl.DataFrame] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)
    identified_ids: list[pl.Series] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, quality.CheckOutcome] = field(default_factory=dict)
    unchanged: int = 0
    papers_new: int = 0
    papers_known: int = 0
    papers_removed: int = 0
    files_superseded: int = 0
    files_removed: int = 0
    warehouse_rows: dict[str, int] = field(default_factory=dict)
    batches: int = 0

    def add(self, done: BatchLoad) -> None:
        """Count one committed batch in."""
        steps, stats = done.steps, done.stats
        if self.first is None:
            self.first = steps
        self.batches += 1
        self.statuses.append(
            steps.batch.source_files.select("file_name", "status", "entries", "error", "size_bytes")
        )
        self.rejections += steps.parsed.files.filter(pl.col("error").is_not_null())["error"].to_list()
        self.rejections += [r["reason"] for r in done.unreadable]
        self.identified_ids.append(steps.identified["paper_id"].unique())
        counts = {
            "parsed_entries": steps.parsed.entries.height,
            "identified_entries": steps.identified.height,
            "extracted_links": steps.links[0].height,
            "paper_links": steps.links[1].height,
            "extracted_keywords": steps.keywords[0].height,
            "paper_keywords_staged": steps.keywords[1].height,
            **{f"staged_{name}": frame.height for name, frame in steps.batch.frames().items()},
        }
        for name, n in counts.items():
            self.rows[name] = self.rows.get(name, 0) + n
        for name, outcome in done.outcomes.items():
            self.outcomes[name] = merge_outcomes(self.outcomes.get(name), outcome)
        self.unchanged += len(done.unchanged)
        self.papers_new += stats.papers_new
        self.papers_known += stats.papers_known
        self.papers_removed += stats.papers_removed
        self.files_superseded += stats.files_superseded
        self.files_removed += stats.files_removed
        if done.warehouse_rows is not None:
            self.warehouse_rows = done.warehouse_rows

    def files(self) -> pl.DataFrame:
        """Every dump version this run read: name, status, entries, error, size."""
        return pl.concat(self.statuses) if self.statuses else pl.DataFrame()

    def distinct_papers(self) -> int:
        """Distinct papers among the run's entries, across batches."""
        return pl.concat(self.identified_ids).n_unique() if self.identified_ids else 0


def merge_outcomes(
    before: quality.CheckOutcome | None, outcome: quality.CheckOutcome
) -> quality.CheckOutcome:
    """One rule over two batches: passed by both; failures added; the failing batch's details first."""
    if before is None:
        return outcome
    details = before.details if not before.passed else outcome.details
    return quality.CheckOutcome(before.passed and outcome.passed, before.failures + outcome.failures, details)
