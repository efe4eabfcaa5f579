"""Derive every paper's keywords again when the keyword extractor's version changed, or on request.

`extractor_versions` records which version of `etl.keywords` (`EXTRACTOR_VERSION`) derived the
warehouse's keywords. A load asks `rederive_keywords` first, after the migrations and before
any dump is merged, holding the write lock: when the recorded version is another (or none is
recorded) and the warehouse holds papers, every paper is read again, `BATCH_PAPERS` at a time
in key order (keyset pagination), its keywords extracted, and in one transaction per batch the
batch's `paper_keywords` rows replaced and the keywords missing from `keywords` added. After
the last batch the keywords no paper carries any more are deleted and the version is recorded,
in one more transaction; the tables are then those a fresh load of the same dumps gives.

A stop request between batches (or a failure) leaves the committed batches' papers with the new
keywords and the others with the old ones: every reference resolves. The version is not
recorded, so the next load derives every paper's keywords again (re-deriving is idempotent).
A warehouse without papers only records the version; a full refresh, which derives every
keyword anew, records it in its first transaction instead (`record_version`).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import polars as pl
from sqlalchemy import Connection, text

from etl.keywords import EXTRACTOR_VERSION, extract_keywords
from etl.report import LoadReport
from etl.sql import sql_file
from etl.staging import stage_frame, unstage
from etl.stopping import LoadInterrupted, StopSwitch

EXTRACTOR = "keywords"  # its row in extractor_versions
BATCH_PAPERS = 4096  # papers per transaction: about 6 MB of text, and RAKE's chunk
BATCH_STEPS = ("delete_paper_keywords", "insert_keywords", "insert_paper_keywords")
_BEFORE_EVERY_KEY = -(2**63)  # keys are non-negative hashes (etl.keys), never below this
_PAPER_SCHEMA = {"paper_id": pl.Int64, "title": pl.String, "abstract": pl.String}


def _run(connection: Connection, name: str, params: dict[str, object] | None = None):  # noqa: ANN202
    return connection.execute(text(sql_file("rederive", name)), params or {})


def stored_version(connection: Connection) -> str | None:
    """The extractor version that derived the warehouse's keywords; None when none is recorded."""
    return _run(connection, "stored_version", {"extractor": EXTRACTOR}).scalar_one_or_none()


def record_version(connection: Connection) -> None:
    """Record `EXTRACTOR_VERSION` as the one that derived every paper's keywords (caller's transaction)."""
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    _run(
        connection,
        "record_version",
        {"extractor": EXTRACTOR, "version": EXTRACTOR_VERSION, "derived_at": now},
    )


def rederive_keywords(
    connection: Connection,
    report: LoadReport,
    stop: StopSwitch,
    force: bool = False,
    batch_papers: int | None = None,
) -> None:
    """Derive every paper's keywords again if another extractor version derived them (always with `force`).

    On `connection`, outside any transaction; each batch of `batch_papers` (default `BATCH_PAPERS`)
    commits on its own. `report.keywords_rederived` says from which version to which, for how many
    papers of how many; `stop` is checked between batches, and a statement it cancelled raises
    `LoadInterrupted`.
    """
    started = time.monotonic()
    with connection.begin():
        stored = stored_version(connection)
        if stored == EXTRACTOR_VERSION and not force:
            return
        total = _run(connection, "count_papers").scalar_one()
        if not total:  # nothing derived yet: what the next batches derive is this version's
            record_version(connection)
            return
    done = {"from": stored, "to": EXTRACTOR_VERSION, "papers": 0, "papers_total": total, "seconds": None}
    report.keywords_rederived = done
    after = _BEFORE_EVERY_KEY
    try:
        while True:
            stop.check()
            with connection.begin():
                derived = _rederive_batch(connection, after, batch_papers or BATCH_PAPERS)
            if derived is None:
                break
            after, papers = derived
            done["papers"] += papers
            report.wrote = True
        stop.check()
        with connection.begin():
            _run(connection, "delete_unreferenced_keywords")
            record_version(connection)
    except Exception as exc:
        if stop.signum is not None and not isinstance(exc, LoadInterrupted):
            raise LoadInterrupted(stop.signum) from exc  # the statement a stop request cancelled
        raise
    done["seconds"] = round(time.monotonic() - started, 3)


def _rederive_batch(connection: Connection, after: int, size: int) -> tuple[int, int] | None:
    """Derive the keywords of the next `size` papers after key `after`, inside the caller's transaction.

    Returns the batch's last key and its number of papers; None when no paper is left.
    """
    rows = _run(connection, "papers_after", {"after": after, "batch": size}).all()
    if not rows:
        return None
    papers = pl.DataFrame(rows, schema=_PAPER_SCHEMA, orient="row")
    keywords, paper_keywords = extract_keywords(papers)
    staged = {"stg_rederived_keywords": keywords, "stg_rederived_paper_keywords": paper_keywords}
    for name, frame in staged.items():
        stage_frame(connection, name, frame)
    try:
        last = papers["paper_id"][-1]
        for step in BATCH_STEPS:
            _run(connection, step, {"after": after, "last": last} if step == "delete_paper_keywords" else {})
    finally:
        unstage(connection, list(staged))
    return last, papers.height
