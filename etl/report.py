"""The one summary of a load: what it saw, committed and refused. The CLI and Dagster both read it."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING

import duckdb
import polars as pl
from sqlalchemy.exc import PendingRollbackError, ResourceClosedError

from etl.checks import CheckOutcome, merge_outcomes

if TYPE_CHECKING:
    from etl.batch import CommittedBatch
    from etl.extract import DumpFile

NAMES_SHOWN = 5  # file names a message lists before "and N more"


@dataclass
class LoadReport:
    """What one load saw and did, added up batch by batch; `to_dict` is the CLI's --json output."""

    files_seen: int = 0
    files_loaded: int = 0
    files_unchanged: int = 0
    files_rejected: list[dict[str, str]] = field(default_factory=list)
    # Held back as likely cut downloads (etl.shrink): not applied, the loaded version stays.
    files_suspect: list[dict[str, str]] = field(default_factory=list)
    # Still being written (etl.settle): neither read nor stored; the next run loads them.
    files_deferred: list[dict[str, str]] = field(default_factory=list)
    entries: int = 0
    papers_new: int = 0
    papers_already_known: int = 0
    papers_removed: int = 0
    files_superseded: int = 0
    files_removed: int = 0
    appearances: int = 0
    links: int = 0
    keywords: int = 0
    bytes_read: int = 0
    rows_staged: dict[str, int] = field(default_factory=dict)  # staging rows per table, over the batches
    warehouse_rows: dict[str, int] = field(default_factory=dict)
    serving: dict[str, object] = field(default_factory=dict)
    storage: dict[str, object] = field(default_factory=dict)  # format, and the seconds of a rewrite
    schema_migrated: bool = False
    # Keywords derived again for every paper because the extractor changed (etl.rederive): from and
    # to which version, papers committed of papers_total, seconds (None until done); {} when not.
    keywords_rederived: dict[str, object] = field(default_factory=dict)
    batches: int = 0  # planned for the dumps to read
    batches_committed: int = 0
    # Not in --json: names of the dumps to read and of those committed (for failure messages),
    # ids of the loaded ones (for previews), and each integrity rule's outcome over the batches.
    pending_files: list[str] = field(default_factory=list, repr=False)
    committed_files: list[str] = field(default_factory=list, repr=False)
    loaded_file_ids: list[int] = field(default_factory=list, repr=False)
    checks: dict[str, CheckOutcome] = field(default_factory=dict, repr=False)
    wrote: bool = field(default=False, repr=False)  # a batch stored or removed anything
    bytes_pending: int = field(default=0, repr=False)  # bytes of the dumps to read (the plan)
    bytes_done: int = field(default=0, repr=False)  # of those, in committed batches

    def to_dict(self) -> dict:
        """The report as a JSON-ready dict: the fields shown in its repr (not the lists kept for messages)."""
        shown = {f.name for f in fields(self) if f.repr}
        return {name: value for name, value in asdict(self).items() if name in shown}

    def plan(self, to_read: list[DumpFile], batches: int, unchanged: int) -> None:
        """Note the plan: the dumps to read, in how many batches, and how many are held unchanged."""
        self.pending_files = [f.path.name for f in to_read]
        self.bytes_pending = sum(f.size for f in to_read)
        self.batches, self.files_unchanged = batches, unchanged

    def add_batch(self, done: CommittedBatch) -> None:
        """Add one committed batch: what it read, what its merge changed, its rules' outcomes."""
        batch, stats = done.batch, done.stats
        files = batch.source_files
        rejected = files.filter(pl.col("status") == "rejected")
        suspect = files.filter(pl.col("status") == "suspect")
        self.files_loaded += files.height - rejected.height - suspect.height
        self._add_refusals(
            [{"file": r["file_name"], "reason": r["error"]} for r in rejected.iter_rows(named=True)]
            + done.unreadable
        )
        self.files_suspect = _by_file(
            self.files_suspect,
            [{"file": r["file_name"], "reason": r["error"]} for r in suspect.iter_rows(named=True)],
        )
        self.files_deferred = _by_file(self.files_deferred, done.deferred)
        self.files_unchanged += len(done.same_content)
        self.loaded_file_ids += files.filter(pl.col("status") == "loaded")["file_id"].to_list()
        self.bytes_read += int(files["size_bytes"].sum()) if files.height else 0
        self.entries += batch.paper_appearances.height
        self.papers_new += stats.papers_new
        self.papers_already_known += stats.papers_known
        self.papers_removed += stats.papers_removed
        self.files_superseded += stats.files_superseded
        self.files_removed += stats.files_removed
        self.appearances += stats.appearances
        self.links += batch.links.height
        self.keywords += batch.paper_keywords.height
        for name, frame in batch.frames().items():
            self.rows_staged[name] = self.rows_staged.get(name, 0) + frame.height
        for name, outcome in done.outcomes.items():
            self.checks[name] = merge_outcomes(self.checks.get(name), outcome)
        self.batches_committed += 1 if done.files else 0
        self.committed_files += done.files
        self.bytes_done += done.bytes
        self.wrote = self.wrote or files.height > 0 or bool(stats.papers_removed or stats.files_removed)

    def finish(
        self,
        warehouse_rows: dict[str, int],
        still_refused: list[dict[str, str]],
        unreadable: list[dict[str, str]],
        still_suspect: list[dict[str, str]] | None = None,
        deferred: list[dict[str, str]] | None = None,
    ) -> None:
        """After the last batch: the tables' row counts, the unchanged dumps still refused or held back,
        the unreadable entries and the files left unread while they settle."""
        self.warehouse_rows = warehouse_rows
        # A dump still refused or held back is counted once, as rejected or suspect, not also as unchanged.
        self.files_unchanged -= len(still_refused) + len(still_suspect or [])
        self._add_refusals(still_refused + unreadable)
        self.files_suspect = _by_file(self.files_suspect, still_suspect or [])
        self.files_deferred = _by_file(self.files_deferred, deferred or [])

    def needs_attention(self) -> bool:
        """Whether a dump is refused or held back as suspect: exit 3 (a deferred one is not: it loads next run)."""
        return bool(self.files_rejected or self.files_suspect)

    def notice_lines(self) -> list[str]:
        """The summary's lines for dumps held back and deferred, names and reasons made printable."""
        return [
            f"{label} '{printable(r['file'])}': {printable(r['reason'])}"
            for label, items in (("SUSPECT", self.files_suspect), ("DEFERRED", self.files_deferred))
            for r in items
        ]

    def _add_refusals(self, refusals: list[dict[str, str]]) -> None:
        self.files_rejected = sorted(self.files_rejected + refusals, key=lambda r: r["file"])

    def uncommitted_files(self) -> list[str]:
        """Dumps this run meant to read that no committed batch holds."""
        done = set(self.committed_files)
        return [name for name in self.pending_files if name not in done]

    def refused(self) -> dict[str, str]:
        """File name -> why it is refused, for every dump of this run the warehouse does not hold as loaded.

        A version held back as suspect is refused until confirmed; a deferred file is not (the next
        run loads it): see `deferred_names`.
        """
        return {r["file"]: r["reason"] for r in self.files_rejected + self.files_suspect}

    def deferred_names(self) -> list[str]:
        """Dumps left unread because they were still being written: not loaded, not refused."""
        return [r["file"] for r in self.files_deferred]

    def rederived_line(self) -> str | None:
        """`keywords re-derived for 411 papers (extractor rake-1 → kw-2)`; None when none were."""
        done = self.keywords_rederived
        if not done:
            return None
        papers = (
            done["papers"] if done["seconds"] is not None else f"{done['papers']} of {done['papers_total']}"
        )
        return f"keywords re-derived for {papers} papers (extractor {done['from'] or 'unrecorded'} → {done['to']})"

    def committed_summary(self) -> str:
        """What a stopped or failed load left in the warehouse, and what it did not: facts, not hopes."""
        committed, missing = self.committed_files, self.uncommitted_files()
        schema = " (the schema migration did commit)" if self.schema_migrated else ""
        if not self.batches_committed:
            changed = self.keywords_rederived.get("papers")
            held = "" if changed else ": the warehouse holds what it held before"
            done = f"nothing of this run's dumps was committed{schema}{held}"
        else:
            done = (
                f"committed: {self.batches_committed} of {self.batches} batches, "
                f"{len(committed)} dumps ({quoted_names(committed)}), now in the warehouse{schema}"
            )
        rederived = self.rederived_line()
        if rederived is not None:
            unfinished = self.keywords_rederived["seconds"] is None
            done += f"; {rederived}" + (
                ", not all: the next run derives every paper's again" if unfinished else ""
            )
        if not missing:
            return done
        return f"{done}; not committed: {len(missing)} dumps ({quoted_names(missing)}); the next run tries them again"


def _by_file(listed: list[dict[str, str]], more: list[dict[str, str]]) -> list[dict[str, str]]:
    return sorted(listed + more, key=lambda r: r["file"])


def printable(text: str) -> str:
    """`text` with control characters escaped, so a hostile file name cannot rewrite the terminal."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii") if unicodedata.category(ch) == "Cc" else ch for ch in text
    )


def quoted_names(names: list[str], shown: int = NAMES_SHOWN, quote: bool = True) -> str:
    """The first `shown` names (printable, quoted unless `quote` is false), then how many more."""
    listed = ", ".join(f"'{printable(n)}'" if quote else printable(n) for n in names[:shown])
    return listed + (f" and {len(names) - shown} more" if len(names) > shown else "")


# Errors met only because an earlier one broke the connection: the earlier one is the cause.
_AFTERMATH = (PendingRollbackError, ResourceClosedError)
_CLOSED = re.compile(
    r"server closed the connection|connection is (?:lost|closed|bad)|terminating connection|"
    r"could not receive data from server|connection reset by peer|broken pipe",
    re.IGNORECASE,
)


def _first_error(exc: BaseException) -> BaseException:
    """`exc`, or, when it is the aftermath of an earlier error (raised while handling it), that earlier one."""
    seen: set[int] = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        earlier = exc.__cause__ or exc.__context__
        if earlier is None or not (
            isinstance(exc, _AFTERMATH) or (_lost_connection(exc) and _lost_connection(earlier))
        ):
            break
        exc = earlier
    return exc


def _lost_connection(exc: BaseException) -> bool:
    """Whether `exc` says the server ended the connection (shut down, crashed, the session terminated)."""
    inner = getattr(exc, "orig", None) or exc
    if getattr(exc, "connection_invalidated", False):
        return True
    sqlstate = getattr(inner, "sqlstate", None) or ""
    return sqlstate.startswith("57P") or bool(_CLOSED.search(str(inner)))


def cause(exc: BaseException) -> str:
    """One line naming an error: the driver's own error under SQLAlchemy's wrapper, first line only.

    An error that only follows an earlier one (SQLAlchemy's `PendingRollbackError` once the
    server dropped the connection) is named by that earlier one; a connection the server ended
    is said in words first: `the server closed the connection (AdminShutdown: ...)`.
    """
    first = _first_error(exc)
    if isinstance(first, PendingRollbackError):
        return "the connection to the server was lost earlier in this transaction"
    inner = getattr(first, "orig", None) or first
    if getattr(inner, "says_it_all", False):  # paperhouse's own one-line messages
        return str(inner)
    text_ = str(inner).strip().splitlines()
    named = f"{type(inner).__name__}: {text_[0] if text_ else ''}".rstrip(": ")
    if isinstance(inner, duckdb.OutOfMemoryException):
        named += " (PAPERHOUSE_DUCKDB_MEMORY caps DuckDB's memory)"
    return f"the server closed the connection ({named})" if _lost_connection(first) else named
