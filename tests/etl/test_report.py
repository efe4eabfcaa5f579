"""The one summary of a load: added up over batches, with refusals, and honest failure sentences."""

from __future__ import annotations

import shutil

import duckdb
import psycopg
from sqlalchemy.exc import PendingRollbackError

from etl.checks import RULES, CheckOutcome
from etl.pipeline import load_paths
from etl.report import LoadReport, cause, quoted_names
from tests.conftest import CUT_DUMP, CUT_REASON
from tests.documented import pages, pinned


def test_batches_add_up_to_the_same_report_as_one_batch(engine, tmp_path, sample_dir):
    shutil.copy(CUT_DUMP, sample_dir / "cut.txt")
    paths = sorted(sample_dir.glob("*.txt"))
    small = load_paths(paths, engine, batch_bytes=200_000)
    assert small.batches == small.batches_committed == 5  # cut.txt is small: it shares a batch
    assert small.files_loaded == 5
    assert small.refused() == {"cut.txt": CUT_REASON}
    assert small.committed_files == [p.name for p in paths]  # batches in the order of the paths
    assert small.uncommitted_files() == []
    assert set(small.checks) == {rule.name for rule in RULES}
    assert all(o.passed and o.failures == 0 for o in small.checks.values())
    assert small.rows_staged["paper_appearances"] == small.entries == 451
    assert (
        small.papers_new == 411 and small.papers_already_known == 40
    )  # a paper of two batches is known the 2nd time
    assert len(small.loaded_file_ids) == 5

    again = load_paths(paths, engine)  # nothing new: everything unchanged, the refusal still stands
    assert again.files_unchanged == 5 and again.files_loaded == 0 and again.batches == 0  # cut.txt: rejected
    assert again.refused() == {"cut.txt": CUT_REASON}
    assert again.loaded_file_ids == []


def test_committed_summary_says_what_is_in_the_warehouse_and_what_is_not():
    report = LoadReport(files_seen=7, batches=3, pending_files=[f"{n}.txt" for n in "abcdefg"])
    assert report.committed_summary() == (
        "nothing of this run's dumps was committed: the warehouse holds what it held before; "
        "not committed: 7 dumps ('a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt' and 2 more); the next run tries them again"
    )
    report.batches_committed, report.committed_files, report.schema_migrated = 1, ["a.txt", "b.txt"], True
    assert report.committed_summary() == (
        "committed: 1 of 3 batches, 2 dumps ('a.txt', 'b.txt'), now in the warehouse (the schema migration did commit); "
        "not committed: 5 dumps ('c.txt', 'd.txt', 'e.txt', 'f.txt', 'g.txt'); the next run tries them again"
    )


def test_a_rederivation_of_the_keywords_is_said_in_the_summary_and_when_a_run_stopped_in_it():
    report = LoadReport(files_seen=1, batches=1, pending_files=["a.txt"])
    assert report.rederived_line() is None
    report.keywords_rederived = {
        "from": "rake-1",
        "to": "kw-2",
        "papers": 4096,
        "papers_total": 9000,
        "seconds": None,
    }
    assert report.committed_summary() == (
        "nothing of this run's dumps was committed; keywords re-derived for 4096 of 9000 papers "
        "(extractor rake-1 → kw-2), not all: the next run derives every paper's again; "
        "not committed: 1 dumps ('a.txt'); the next run tries them again"
    )
    report.keywords_rederived |= {"from": None, "papers": 9000, "seconds": 2.5}
    assert report.rederived_line() == "keywords re-derived for 9000 papers (extractor unrecorded → kw-2)"
    report.batches_committed, report.committed_files = 1, ["a.txt"]
    assert report.committed_summary() == (
        "committed: 1 of 1 batches, 1 dumps ('a.txt'), now in the warehouse; "
        "keywords re-derived for 9000 papers (extractor unrecorded → kw-2)"
    )


def test_the_json_form_leaves_out_the_per_file_lists_and_the_check_outcomes():
    report = LoadReport(
        checks={"x": CheckOutcome(True, 0, {})}, committed_files=["a.txt"], loaded_file_ids=[1]
    )
    assert set(report.to_dict()) == {
        "files_seen", "files_loaded", "files_unchanged", "files_rejected", "files_suspect", "files_deferred",
        "entries", "papers_new",
        "papers_already_known", "papers_removed", "files_superseded", "files_removed", "appearances",
        "links", "keywords", "bytes_read", "rows_staged", "warehouse_rows", "serving", "storage",
        "schema_migrated", "keywords_rederived", "batches", "batches_committed",
    }  # fmt: skip


def test_names_are_quoted_printable_and_cut_after_five():
    assert quoted_names(["a\x1b[2J.txt"]) == "'a\\x1b[2J.txt'"
    assert quoted_names([str(n) for n in range(6)]) == "'0', '1', '2', '3', '4' and 1 more"


def test_cause_is_the_drivers_first_line():
    class Wrapped(Exception):
        orig = OSError("disk full\nmore detail")

    assert cause(Wrapped("wrapper text")) == "OSError: disk full"
    assert cause(ValueError()) == "ValueError"


def test_the_docs_name_every_json_field_and_the_summary_lines_of_held_and_deferred_dumps():
    report_doc = pinned("report")
    assert report_doc["json_fields"] == list(LoadReport().to_dict())
    held = {"file": "…", "reason": "reason"}
    assert (
        LoadReport(files_suspect=[held], files_deferred=[held]).notice_lines() == report_doc["notice_lines"]
    )
    for page, text in pages(report_doc).items():
        shown = [f"`{k}`" for k in report_doc["json_fields"] + report_doc["notice_lines"]]
        assert [k for k in shown if k not in text] == [], page
    report = LoadReport(
        files_suspect=[{"file": "a\n.txt", "reason": "held"}],
        files_deferred=[{"file": "b.txt", "reason": "growing"}],
    )
    assert report.notice_lines() == ["SUSPECT 'a\\n.txt': held", "DEFERRED 'b.txt': growing"]
    assert (report.needs_attention(), LoadReport(files_deferred=report.files_deferred).needs_attention()) == (
        True,
        False,
    )
    assert (report.refused(), report.deferred_names()) == ({"a\n.txt": "held"}, ["b.txt"])


def _raised_while_handling(first: BaseException, then: BaseException) -> BaseException:
    try:
        try:
            raise first
        except BaseException:  # noqa: BLE001
            raise then  # noqa: B904 - implicit chaining, as a rollback in a `finally` does
    except BaseException as exc:  # noqa: BLE001
        return exc


def test_cause_names_the_error_that_broke_the_connection_not_its_aftermath():
    closed = psycopg.OperationalError("consuming input failed: server closed the connection unexpectedly")
    aftermath = PendingRollbackError("Can't reconnect until invalid transaction is rolled back.")
    assert cause(_raised_while_handling(closed, aftermath)) == (
        "the server closed the connection "
        "(OperationalError: consuming input failed: server closed the connection unexpectedly)"
    )
    alone = PendingRollbackError("Can't reconnect until invalid transaction is rolled back.")
    assert cause(alone) == "the connection to the server was lost earlier in this transaction"
    shutdown = psycopg.errors.AdminShutdown("terminating connection due to administrator command")
    lost_again = psycopg.OperationalError("the connection is closed")
    assert cause(_raised_while_handling(shutdown, lost_again)) == (
        "the server closed the connection (AdminShutdown: terminating connection due to administrator command)"
    )
    broken_rule = ValueError(
        "rule broken"
    )  # a rollback that failed after another error: the loss is the news
    assert cause(_raised_while_handling(broken_rule, lost_again)) == (
        "the server closed the connection (OperationalError: the connection is closed)"
    )
    assert cause(_raised_while_handling(ValueError("first"), KeyError("second"))) == "KeyError: 'second'"


def test_an_out_of_memory_error_names_the_setting_that_caps_it():
    error = duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block of size 256.0 KiB")
    assert cause(error) == (
        "OutOfMemoryException: Out of Memory Error: could not allocate block of size 256.0 KiB "
        "(PAPERHOUSE_DUCKDB_MEMORY caps DuckDB's memory)"
    )
