"""The command line: exit codes, JSON output, and defaults."""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import text

import etl.serving
from etl.checks import AUDIT_RULES, RULES
from etl.cli import EXIT_FAILED, EXIT_LOCKED, EXIT_NOT_PUBLISHED, EXIT_OK, EXIT_REJECTED, EXIT_USAGE, main
from etl.keywords import EXTRACTOR_VERSION
from etl.pipeline import load_paths
from etl.settings import settings_table
from etl.warehouse import warehouse_engine
from tests.conftest import (
    ROOT,
    dump_text,
    file_tree,
    hold_warehouse,
    hold_warehouse_as,
    set_mtime,
    snapshot,
    write_dump,
)


def test_every_setting_with_an_option_is_an_option_of_load_described_by_the_setting(capsys):
    with pytest.raises(SystemExit) as done:
        main(["load", "--help"])
    assert done.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())  # argparse wraps lines anywhere
    for env, option, default, doc in settings_table():
        if option:
            name = option if option.startswith("--") else "raw_dir"
            assert f"{name} " in shown and f"{doc};" in shown and f"(default: ${env} or {default})" in shown
    assert "--wait SECONDS" in shown
    assert main(["load", "--batch-mb", "lots"]) == EXIT_USAGE
    assert capsys.readouterr().err.startswith("paperhouse: --batch-mb='lots': expected a number of megabytes")


def test_json_report_on_the_sample(warehouse_target, warehouse_arg, sample_dir, capsys):
    code = main(["load", str(sample_dir), "--warehouse", warehouse_arg, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == EXIT_OK
    if isinstance(warehouse_target, Path):  # a DuckDB file: its serving copy, in its storage format
        seconds = report["serving"].pop("publish_seconds")
        assert isinstance(seconds, float) and seconds > 0
        serving = {"path": str(warehouse_target.parent / "serving" / warehouse_target.name), "error": None}
        storage = {"version": "v1.0.0", "rewritten_seconds": None}
    else:  # PostgreSQL: readers query the server, which keeps its own storage
        serving, storage = {"path": None, "publish_seconds": None, "error": None}, {}
    tables = {
        "source_files": 5,
        "dates": 238,
        "organizations": 3,
        "papers": 411,
        "paper_appearances": 451,
        "paper_texts": 0,
        "links": 109,
        "paper_links": 109,
        "keywords": 2389,
        "paper_keywords": 3953,
    }
    assert report == {
        "files_seen": 5,
        "files_loaded": 5,
        "files_unchanged": 0,
        "files_rejected": [],
        "files_suspect": [],
        "files_deferred": [],
        "entries": 451,
        "papers_new": 411,
        "papers_already_known": 0,
        "papers_removed": 0,
        "files_superseded": 0,
        "files_removed": 0,
        "appearances": 451,
        "links": 109,
        "keywords": 3953,
        "bytes_read": 773346,
        # each paper's printed text (only others are kept), and the search index's rows (docs/search.md)
        "rows_staged": tables | {"paper_texts": 411, "search_documents": 411, "search_postings": 46048},
        "warehouse_rows": tables,
        "serving": serving,
        "storage": storage,
        "schema_migrated": True,
        "keywords_rederived": {},  # a fresh warehouse only records the extractor's version
        "batches": 1,
        "batches_committed": 1,
    }


def test_rederive_keywords_derives_every_papers_keywords_again_and_the_summary_says_so(
    sample_dir, warehouse_arg, capsys
):
    assert main(["load", str(sample_dir), "--warehouse", warehouse_arg]) == EXIT_OK
    assert "re-derived" not in capsys.readouterr().out  # a fresh warehouse only records the version
    assert main(["load", str(sample_dir), "--warehouse", warehouse_arg, "--rederive-keywords"]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("links: 0; paper keywords: 0")
    assert (
        lines[at + 1]
        == f"keywords re-derived for 411 papers (extractor {EXTRACTOR_VERSION} → {EXTRACTOR_VERSION})"
    )
    assert lines[-1].endswith("keywords 2389, paper_keywords 3953")


def test_rejected_file_exits_3_and_the_good_ones_load(tmp_path, warehouse_arg, capsys):
    raw = tmp_path / "raw"
    write_dump(raw, "2025-03-01_good.txt", dump_text("Mar 1", ["Good\n\nGood abstract."]))
    write_dump(raw, "2025-03-02_cut.txt", dump_text("Mar 2", ["Good too\n\nFine.", "Cut off title"]))
    code = main(["load", str(raw), "--warehouse", warehouse_arg, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == EXIT_REJECTED
    assert report["files_loaded"] == 1
    assert report["files_rejected"] == [
        {
            "file": "2025-03-02_cut.txt",
            "reason": "2025-03-02_cut.txt, line 15: title 'Cut off title' has no abstract (cut off?)",
        }
    ]
    assert report["papers_new"] == 1


def test_failure_exits_non_zero_and_says_why(tmp_path, capsys):
    code = main(["load", str(tmp_path / "missing"), "--warehouse", str(tmp_path / "w.duckdb")])
    assert code not in (EXIT_OK, EXIT_REJECTED)
    assert "raw dump folder not found" in capsys.readouterr().err


@pytest.mark.slow
def test_installed_entry_point_runs_with_no_arguments_from_the_project_root(tmp_path):
    """`paperhouse load` with no arguments loads the bundled sample (the README's first command)."""
    warehouse = tmp_path / "default.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "etl.cli", "load", "--json"],
        cwd=ROOT,
        env={"PAPERHOUSE_WAREHOUSE": str(warehouse), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == EXIT_OK, done.stderr
    assert json.loads(done.stdout)["entries"] == 451


def run_cli(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """`paperhouse` as cron runs it: a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "etl.cli", *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.mark.slow
def test_a_clean_load_and_check_print_nothing_on_stderr(sample_dir, warehouse_arg):
    # Cron mails stderr. The second load (nothing new) used to end with 42 lines of nanobind's
    # leak report from DuckDB's extension (etl/duckdb_exit.py says why).
    outputs = []
    for command in (["load", str(sample_dir)], ["load", str(sample_dir)], ["check"]):
        done = run_cli(*command, "--warehouse", warehouse_arg)
        assert (done.returncode, done.stderr) == (EXIT_OK, ""), command
        outputs.append(done.stdout)
    assert "files: 5 seen, 0 loaded, 5 unchanged, 0 rejected" in outputs[1]


def test_a_bad_setting_is_one_line_exit_2_and_nothing_is_opened(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    done = run_cli("load", "--warehouse", str(warehouse), env={"PAPERHOUSE_BATCH_MB": "abc"})
    assert (done.returncode, done.stdout) == (EXIT_USAGE, "")
    assert (
        done.stderr
        == "paperhouse: PAPERHOUSE_BATCH_MB='abc': expected a number of megabytes more than 0 and at most 4096, such as 32\n"
    )
    assert not warehouse.exists() and not warehouse.parent.joinpath("serving").exists()


def test_tilde_in_the_warehouse_setting_means_home(tmp_path, sample_dir):
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir(), cwd.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "etl.cli", "load", str(sample_dir), "--json"],
        cwd=cwd,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(home),
            "PAPERHOUSE_WAREHOUSE": "~/ph/w.duckdb",
            "PYTHONPATH": str(ROOT),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == EXIT_OK, done.stderr
    assert (home / "ph" / "w.duckdb").is_file() and list(cwd.iterdir()) == []
    assert json.loads(done.stdout)["serving"]["path"] == str(home / "ph" / "serving" / "w.duckdb")


def test_prune_on_an_empty_folder_is_refused_without_force(tmp_path, sample_dir, capsys):
    warehouse = str(tmp_path / "w.duckdb")
    assert main(["load", str(sample_dir), "--warehouse", warehouse]) == EXIT_OK
    empty = tmp_path / "unmounted"
    empty.mkdir()
    capsys.readouterr()
    assert main(["load", str(empty), "--warehouse", warehouse, "--prune"]) == EXIT_USAGE
    assert capsys.readouterr().err == (
        f"paperhouse: refusing --prune: {empty} holds no dumps, and pruning would remove every dump from the "
        "warehouse (an unmounted share looks exactly like this); pass --force (Dagster: `force: true`) to do it anyway\n"
    )
    assert main(["load", str(empty), "--warehouse", warehouse, "--prune", "--force", "--json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert (report["files_removed"], report["papers_removed"]) == (5, 411)
    assert report["warehouse_rows"]["papers"] == 0


def test_a_full_refresh_of_a_folder_without_the_loaded_dumps_is_refused_without_force(
    tmp_path, sample_dir, capsys
):
    # A rebuild keeps only what the folder holds: from an empty or unmounted share it would empty
    # the warehouse, so it needs --force as a prune does.
    warehouse = str(tmp_path / "w.duckdb")
    assert main(["load", str(sample_dir), "--warehouse", warehouse]) == EXIT_OK
    empty, share = tmp_path / "unmounted", tmp_path / "share"
    empty.mkdir()
    write_dump(share, "notes.txt", "a stray file on the mount point")
    capsys.readouterr()
    assert main(["load", str(empty), "--warehouse", warehouse, "--full-refresh"]) == EXIT_USAGE
    assert capsys.readouterr().err == (
        f"paperhouse: refusing --full-refresh: {empty} holds no dumps, and rebuilding from it would remove every "
        "dump from the warehouse (an unmounted share looks exactly like this); pass --force (Dagster: `force: "
        "true`) to do it anyway\n"
    )
    assert main(["load", str(share), "--warehouse", warehouse, "--full-refresh"]) == EXIT_USAGE
    assert capsys.readouterr().err == (
        f"paperhouse: refusing --full-refresh: none of the 5 dumps the warehouse holds is in {share} any more, "
        "so rebuilding from it would remove every one of them (an unmounted share looks exactly like this); "
        "pass --force (Dagster: `force: true`) to do it anyway\n"
    )
    with duckdb.connect(warehouse, read_only=True) as connection:  # both refusals changed nothing
        assert connection.execute("SELECT count(*) FROM papers").fetchone() == (411,)
    assert (
        main(["load", str(empty), "--warehouse", warehouse, "--full-refresh", "--force", "--json"]) == EXIT_OK
    )
    report = json.loads(capsys.readouterr().out)
    assert report["warehouse_rows"]["papers"] == 0


def test_a_file_name_cannot_forge_report_lines(tmp_path, capsys):
    raw = tmp_path / "raw"
    write_dump(raw, "evil\nREJECTED fake.txt", b"")
    write_dump(raw, "x\nREJECTED fake.txt", b"")
    (raw / "x\nREJECTED fake.txt").rename(raw / "x\nREJECTED fake.txt.txt")
    (raw / "evil\nREJECTED fake.txt").unlink()
    code = main(["load", str(raw), "--warehouse", str(tmp_path / "w.duckdb")])
    lines = capsys.readouterr().out.splitlines()
    assert code == EXIT_REJECTED
    assert [line for line in lines if line.startswith("REJECTED")] == [
        "REJECTED 'x\\nREJECTED fake.txt.txt': x\\nREJECTED fake.txt.txt: empty file (0 bytes at byte offset 0)"
    ]


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_publish_failure_after_a_commit_is_exit_4_and_says_so(tmp_path, sample_dir, capsys, monkeypatch):
    warehouse, serving = tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    with monkeypatch.context() as patched:
        patched.setattr(etl.serving, "copy_file", _disk_full)
        code = main(["load", str(sample_dir), "--warehouse", str(warehouse), "--serving", str(serving)])
    captured = capsys.readouterr()
    assert code == EXIT_NOT_PUBLISHED
    assert captured.err == (
        f"paperhouse: the load committed, but publishing the serving copy {serving} failed: "
        "OSError: [Errno 28] No space left on device. BI tools may still see the previous load; "
        "the next run publishes it\n"
    )
    assert "files: 5 seen, 5 loaded" in captured.out
    assert f"serving copy: {serving} NOT published: " in captured.out
    assert (
        main(["load", str(sample_dir), "--warehouse", str(warehouse), "--serving", str(serving), "--json"])
        == EXIT_OK
    )
    report = json.loads(capsys.readouterr().out)
    assert report["files_unchanged"] == 5 and report["serving"]["publish_seconds"] > 0


def test_a_wrong_listing_year_is_corrected_by_a_full_refresh(
    tmp_path, warehouse_target, warehouse_arg, capsys, clock
):
    raw, warehouse = tmp_path / "raw", warehouse_arg
    write_dump(raw, "page.txt", dump_text("Mar 3", ["Title\n\nAbstract."]))

    def listing_dates(*options: str) -> tuple[int, list]:
        code = main(["load", str(raw), "--warehouse", warehouse, "--json", *options])
        capsys.readouterr()
        engine = warehouse_engine(warehouse_target, read_only=True)
        with engine.connect() as c:
            rows = c.execute(text("SELECT listing_date_id, listing_year_rule FROM source_files")).all()
        engine.dispose()
        return code, sorted(tuple(r) for r in rows)

    assert listing_dates("--listing-year", "2024") == (EXIT_OK, [(20240303, "configured")])
    assert listing_dates("--listing-year", "2025") == (EXIT_OK, [(20240303, "configured")])  # unchanged file
    assert listing_dates("--listing-year", "2025", "--full-refresh") == (EXIT_OK, [(20250303, "configured")])


def test_a_year_from_the_file_name_is_refused_with_advice_that_works_and_counted_once(
    tmp_path, warehouse_arg, capsys, clock
):
    raw = tmp_path / "raw"
    write_dump(raw, "2021-05-01 listing.txt", dump_text("May 1", ["Title\n\nAbstract."]))
    write_dump(raw, "export-2021-05-01 listing.txt", dump_text("May 1", ["Other\n\nOther abstract."]))
    reason = (
        "2021-05-01 listing.txt, line 9: listing date 'May 1' resolves to year 2021 (year from the file name), "
        "before 2022, when Daily Papers did not exist; "
        "rename the file: its leading YYYY-MM-DD gives the year, and outranks --listing-year"
    )
    runs = [  # the setting cannot help: the file name outranks it
        ([], "files: 2 seen, 1 loaded, 0 unchanged, 1 rejected"),
        (["--listing-year", "2025"], "files: 2 seen, 0 loaded, 1 unchanged, 1 rejected"),
    ]
    for options, files in runs:
        assert main(["load", str(raw), "--warehouse", warehouse_arg, *options]) == EXIT_REJECTED
        out = capsys.readouterr().out.splitlines()
        assert (out[1], out[-1]) == (files, f"REJECTED '2021-05-01 listing.txt': {reason}")


def test_a_name_that_is_not_utf8_is_refused_and_the_dump_beside_it_loads(
    tmp_path, warehouse_target, warehouse_arg, capsys
):
    raw = tmp_path / "raw"
    write_dump(raw, "good.txt", dump_text("Mar 1", ["Title\n\nAbstract."]))
    (raw / os.fsdecode(b"caf\xe9.txt")).write_bytes(dump_text("Mar 1", ["Other\n\nOther."]).encode())
    refused = (
        "REJECTED 'caf\\xe9.txt': caf\\xe9.txt: cannot be read: the file name is not valid UTF-8 "
        "(byte 0xe9 at byte offset 3); rename the file"
    )
    runs = [([], "2 seen, 1 loaded, 0 unchanged"), (["--prune"], "2 seen, 0 loaded, 1 unchanged")]
    for options, files in runs:  # a prune keeps the good dump: the bad name was never stored
        # --wait: PostgreSQL ends the previous load's lock session a moment after the client closes it.
        assert (
            main(["load", str(raw), "--warehouse", warehouse_arg, "--wait", "10", *options]) == EXIT_REJECTED
        )
        out = capsys.readouterr().out.splitlines()
        assert (out[1], out[-1]) == (f"files: {files}, 1 rejected", refused)
    engine = warehouse_engine(warehouse_target, read_only=True)
    with engine.connect() as c:
        assert c.execute(text("SELECT file_name, status FROM source_files")).all() == [("good.txt", "loaded")]
        assert c.execute(text("SELECT count(*) FROM papers")).scalar_one() == 1
    engine.dispose()


def test_a_rejection_that_depended_on_the_listing_year_is_retried_when_it_changes(
    tmp_path, warehouse_arg, capsys, clock
):
    raw, warehouse = tmp_path / "raw", warehouse_arg
    write_dump(raw, "page.txt", dump_text("Dec 25", ["Title\n\nAbstract."]))
    write_dump(raw, "cut.txt", dump_text("Dec 24", ["Title only"]))

    def load(*options: str) -> tuple[int, dict]:
        code = main(["load", str(raw), "--warehouse", warehouse, "--json", *options])
        return code, json.loads(capsys.readouterr().out)

    code, report = load("--listing-year", "2026")
    assert code == EXIT_REJECTED
    assert [r["file"] for r in report["files_rejected"]] == ["cut.txt", "page.txt"]
    assert (
        "2026-12-25 (configured listing year), which is after today (2026-12-01)"
        in report["files_rejected"][1]["reason"]
    )
    code, report = load("--listing-year", "2026")  # same setting: nothing is read again
    assert (code, report["files_unchanged"], report["files_loaded"]) == (EXIT_REJECTED, 0, 0)
    assert len(report["files_rejected"]) == 2  # counted once each: rejected, not also unchanged
    code, report = load("--listing-year", "2025")  # both retried: both years came from the setting
    assert (code, report["files_loaded"], report["files_unchanged"]) == (EXIT_REJECTED, 1, 0)
    assert [r["file"] for r in report["files_rejected"]] == ["cut.txt"]
    assert report["warehouse_rows"]["source_files"] == 2 and report["papers_new"] == 1


def without_binding_leak_report(err: str) -> str:
    """stderr without the report DuckDB's Python binding (nanobind) may print at interpreter exit.

    It appears after a load stopped in a warehouse that held dumps already, from objects freed
    after the binding's own teardown; it is not paperhouse's output, and no data is involved.
    """
    return err.split("nanobind: ", 1)[0]  # printed last, at exit


def many_dumps(raw: Path, count: int) -> list[Path]:
    """`count` dated dumps of 30 distinct papers each."""
    return [
        write_dump(
            raw,
            f"2025-01-{i % 28 + 1:02d}_{i:03d}.txt",
            dump_text(
                f"Jan {i % 28 + 1}",
                [f"Paper {i}-{j}\n\nAbstract {i}-{j} about model {j} and data {i}." for j in range(30)],
            ),
        )
        for i in range(count)
    ]


@pytest.mark.slow
@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_between_statements_and_the_message_is_what_committed(tmp_path, signum, code):
    raw, warehouse = tmp_path / "raw", tmp_path / "w.duckdb"
    dumps = many_dumps(raw, 61)
    # One dump held already: not a first backfill, so each batch commits alone (etl.pipeline).
    held = warehouse_engine(warehouse)
    load_paths(dumps[:1], held)
    held.dispose()
    command = [
        sys.executable,
        "-m",
        "etl.cli",
        "load",
        str(raw),
        "--warehouse",
        str(warehouse),
        "--batch-mb",
        "0.01",
    ]
    loader = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Stop it once a few batches have committed: source_files is only readable after, so watch the WAL grow.
    wal = warehouse.with_name(warehouse.name + ".wal")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (wal.exists() and wal.stat().st_size > 200_000):
        time.sleep(0.01)
    loader.send_signal(signum)
    out, err = loader.communicate(timeout=120)
    assert loader.returncode == code, err
    err = without_binding_leak_report(err)
    assert out == "" and err.count("\n") == 1
    name = signal.Signals(signum).name
    match = re.fullmatch(
        rf"paperhouse: stopped by {name}; committed: (\d+) of (\d+) batches, (\d+) dumps \(.*\), now in the "
        r"warehouse; not committed: (\d+) dumps \(.*\); the next run tries them again\n",
        err,
    )
    assert match, err
    batches, planned, committed, missing = map(int, match.groups())
    per_batch = 10_000 // (raw / "2025-01-01_000.txt").stat().st_size  # --batch-mb 0.01
    assert planned == -(-60 // per_batch) and 0 < batches < planned
    assert (committed, missing) == (batches * per_batch, 60 - batches * per_batch)
    engine = warehouse_engine(warehouse, read_only=True)
    with engine.connect() as c:
        assert (
            c.execute(text("SELECT count(*) FROM source_files WHERE status = 'loaded'")).scalar_one()
            == committed + 1
        )
        assert c.execute(text("SELECT count(*) FROM paper_appearances")).scalar_one() == 30 * (committed + 1)
    engine.dispose()
    done = run_cli("load", str(raw), "--warehouse", str(warehouse), "--json")
    assert done.returncode == EXIT_OK, done.stderr
    report = json.loads(done.stdout)
    assert (report["files_loaded"], report["files_unchanged"]) == (60 - committed, committed + 1)
    assert report["warehouse_rows"]["paper_appearances"] == 30 * 61


FAKETIME = shutil.which("faketime")


@pytest.mark.slow
@pytest.mark.parametrize("when", ["2027-01-02 08:00:00", "2027-03-01 12:00:00", "2027-06-02 23:30:00"])
def test_the_bundled_sample_loads_on_a_fresh_clone_on_any_day(tmp_path, when):
    """A clone's files carry the clone time; under that clock (Debian's faketime) the quick start loads all five."""
    if FAKETIME is None:
        if os.environ.get("PAPERHOUSE_CI"):
            pytest.fail("faketime is missing; .ci/run installs it")
        pytest.skip("no faketime here; .ci/run installs it")
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "raw", raw)
    subprocess.run(["touch", "-d", when, *map(str, raw.iterdir())], check=True)
    done = subprocess.run(
        [
            FAKETIME,
            when,
            sys.executable,
            "-m",
            "etl.cli",
            "load",
            str(raw),
            "--warehouse",
            str(tmp_path / "w.duckdb"),
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == EXIT_OK, done.stderr
    report = json.loads(done.stdout)
    assert (report["files_loaded"], report["entries"], report["papers_new"]) == (5, 451, 411)


def test_a_dump_refused_for_a_future_date_is_read_again_once_that_date_came(
    tmp_path, warehouse_target, warehouse_arg, capsys, clock
):
    raw, warehouse = tmp_path / "raw", warehouse_arg
    write_dump(raw, "2026-12-03_early.txt", dump_text("Dec 3", ["Title\n\nAbstract."]))

    def load() -> tuple[int, dict]:
        code = main(["load", str(raw), "--warehouse", warehouse, "--json"])
        return code, json.loads(capsys.readouterr().out)

    code, report = load()
    assert (code, report["files_rejected"]) == (
        EXIT_REJECTED,
        [
            {
                "file": "2026-12-03_early.txt",
                "reason": "2026-12-03_early.txt, line 9: listing date 'Dec 3' resolves to 2026-12-03 "
                "(year from the file name), which is after today (2026-12-01)",
            }
        ],
    )
    engine = warehouse_engine(warehouse_target, read_only=True)
    with engine.connect() as c:
        assert str(c.execute(text("SELECT recheck_on FROM source_files")).scalar_one()) == "2026-12-02"
    engine.dispose()
    code, report = load()  # the same day: not read again, still listed
    assert (code, report["files_unchanged"], len(report["files_rejected"])) == (EXIT_REJECTED, 0, 1)
    clock(dt.date(2026, 12, 2))  # Dec 3 is now within the day of skew
    code, report = load()
    assert (code, report["files_loaded"], report["files_rejected"], report["papers_new"]) == (
        EXIT_OK,
        1,
        [],
        1,
    )


def test_a_fifo_or_a_device_is_refused_alone_and_never_read(tmp_path, sample_dir, capsys):
    os.mkfifo(sample_dir / "pipe.txt")
    os.symlink("/dev/zero", sample_dir / "zero.txt")
    code = main(["load", str(sample_dir), "--warehouse", str(tmp_path / "w.duckdb"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert (code, report["files_loaded"]) == (EXIT_REJECTED, 5)
    assert report["files_rejected"] == [
        {"file": "pipe.txt", "reason": "pipe.txt: cannot be read: a named pipe (FIFO), not a regular file"},
        {"file": "zero.txt", "reason": "zero.txt: cannot be read: a character device, not a regular file"},
    ]


def test_a_modification_time_after_2262_does_not_stop_the_folder(tmp_path, sample_dir, capsys):
    subprocess.run(["touch", "-d", "2300-01-01", str(sample_dir / "001_1080c8d201f1a929.txt")], check=True)
    code = main(["load", str(sample_dir), "--warehouse", str(tmp_path / "w.duckdb"), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert (code, report["files_loaded"], report["entries"]) == (EXIT_OK, 5, 451)  # its card gives the year


def test_prune_that_would_remove_every_loaded_dump_needs_force(tmp_path, warehouse_arg, sample_dir, capsys):
    warehouse = warehouse_arg
    assert main(["load", str(sample_dir), "--warehouse", warehouse]) == EXIT_OK
    share = tmp_path / "share"
    write_dump(share, "notes.txt", "a stray file on the mount point")
    capsys.readouterr()
    assert main(["load", str(share), "--warehouse", warehouse, "--prune"]) == EXIT_USAGE
    assert capsys.readouterr().err == (
        f"paperhouse: refusing --prune: none of the 5 dumps the warehouse holds is in {share} any more, so "
        "pruning would remove every one of them (an unmounted share looks exactly like this); pass --force "
        "(Dagster: `force: true`) to do it anyway\n"
    )
    write_dump(share, "001_1080c8d201f1a929.txt", (sample_dir / "001_1080c8d201f1a929.txt").read_bytes())
    assert main(["load", str(share), "--warehouse", warehouse, "--prune", "--json"]) == EXIT_REJECTED
    assert json.loads(capsys.readouterr().out)["files_removed"] == 4


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--serving", "{w}"], "the serving copy {w} is the warehouse itself: give --serving"),
        (["--warehouse", ""], "--warehouse='': expected a file path"),
        (["--serving", ""], "--serving='': expected a file path"),
        (["--listing-year", "٢٠٢٥"], "--listing-year='٢٠٢٥': expected a year such as 2025"),
        (["--listing-year", "2_025"], "--listing-year='2_025': expected a year such as 2025"),
    ],
)
def test_more_bad_options_are_one_line_exit_2(tmp_path, sample_dir, capsys, options, message):
    warehouse = str(tmp_path / "w.duckdb")
    args = [o.replace("{w}", warehouse) for o in options]
    code = main(["load", str(sample_dir), "--warehouse", warehouse, *args])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE and err.startswith("paperhouse: " + message.replace("{w}", warehouse))
    assert err.count("\n") == 1 and not Path(warehouse).exists()


@pytest.mark.parametrize("kind", ["a folder", "a text file"])
def test_a_warehouse_path_that_is_no_database_is_one_line_exit_1(tmp_path, sample_dir, capsys, kind):
    warehouse = tmp_path / "w.duckdb"
    if kind == "a folder":
        warehouse.mkdir()
    else:
        warehouse.write_text("not a database")
    code = main(["load", str(sample_dir), "--warehouse", str(warehouse)])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith(f"paperhouse: cannot open the warehouse {warehouse}: ")
    assert err.endswith("; nothing was done\n") and err.count("\n") == 1


def _sqlite_file(path: Path) -> Path:
    import sqlite3

    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (a)")
    return path


@pytest.mark.parametrize(
    ("warehouse", "reason"),
    [
        ("{tmp}/w.db", "it is not a DuckDB warehouse (it looks like a SQLite database)"),
        ("/etc/hostname/w.duckdb", "/etc/hostname is a file, not a folder"),
        ("/proc/nosuch/w.duckdb", "No such file or directory (/proc/nosuch)"),
        ("{tmp}/" + "x" * 300 + "/w.duckdb", "a name in the path is longer than the file system allows"),
    ],
)
def test_a_warehouse_path_that_cannot_hold_one_is_one_line_exit_1_and_nothing_changes(
    tmp_path, sample_dir, capsys, warehouse, reason
):
    warehouse = warehouse.replace("{tmp}", str(tmp_path))
    if warehouse.endswith(".db"):
        before = _sqlite_file(Path(warehouse)).read_bytes()
    code = main(["load", str(sample_dir), "--warehouse", warehouse])
    err = capsys.readouterr().err
    assert (code, err) == (
        1,
        f"paperhouse: cannot open the warehouse {warehouse}: {reason}; nothing was done\n",
    )
    if warehouse.endswith(".db"):
        assert Path(warehouse).read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [
            "raw",
            "w.db",
        ]


def test_a_sqlite_file_is_no_warehouse_for_check_either(tmp_path, capsys):
    warehouse = _sqlite_file(tmp_path / "w.db")
    assert main(["check", "--warehouse", str(warehouse)]) == 1
    assert capsys.readouterr().err == (
        f"paperhouse: check failed: cannot open the warehouse {warehouse}: it is not a DuckDB warehouse "
        "(it looks like a SQLite database); nothing was changed\n"
    )


@pytest.mark.parametrize("option", ["raw_dir", "--warehouse", "--serving"])
def test_a_tilde_naming_no_user_is_one_line_exit_2(tmp_path, sample_dir, capsys, option):
    args = {"raw_dir": str(sample_dir), "--warehouse": str(tmp_path / "w.duckdb")}
    args[option] = "~nosuchuser/x"
    argv = ["load", args.pop("raw_dir"), *[a for pair in args.items() for a in pair]]
    assert main(argv) == EXIT_USAGE
    name = "RAW_DIR" if option == "raw_dir" else option
    expected = "a folder path" if option == "raw_dir" else "a file path"
    err = capsys.readouterr().err
    assert err.startswith(
        f"paperhouse: {name}='~nosuchuser/x': ~nosuchuser names no user with a home folder; "
    )
    assert f"; expected {expected}" in err and err.count("\n") == 1
    assert [p.name for p in tmp_path.iterdir()] == ["raw"]


@pytest.mark.slow
def test_a_load_queued_with_wait_stops_at_once_on_sigint(tmp_path, sample_dir):
    warehouse = tmp_path / "w.duckdb"
    holder = hold_warehouse(warehouse, 60)
    try:
        loader = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "etl.cli",
                "load",
                str(sample_dir),
                "--warehouse",
                str(warehouse),
                "--wait",
                "60",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(3)
        loader.send_signal(signal.SIGINT)
        out, err = loader.communicate(timeout=10)  # not after the holder's 60 s
    finally:
        holder.kill()
        holder.wait()
    assert (loader.returncode, out) == (130, "")
    assert re.fullmatch(  # the interpreter the kernel ran, behind the venv's link
        rf"paperhouse: the warehouse {re.escape(str(warehouse))} is being written by process {holder.pid} "
        r"\(/\S+python\S*\): waiting up to 60 s for its lock\npaperhouse: stopped by SIGINT; nothing was committed\n",
        err,
    ), err


@pytest.mark.slow
def test_another_writer_gives_exit_5_in_one_line_and_wait_queues_behind_it(tmp_path, sample_dir):
    warehouse = tmp_path / "w.duckdb"
    holder = hold_warehouse(warehouse, 60)
    try:
        done = run_cli("load", str(sample_dir), "--warehouse", str(warehouse))
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == EXIT_LOCKED
    # DuckDB names the holder by the program the kernel ran (the interpreter behind the venv's link).
    assert re.fullmatch(
        rf"paperhouse: the warehouse {re.escape(str(warehouse))} is being written by process {holder.pid} "
        r"\(/\S+python\S*\): another load \(a `paperhouse load` or a Dagster run\) is running; nothing was "
        r"done\. Run again later, or pass --wait SECONDS to queue behind it\n",
        done.stderr,
    ), done.stderr

    holder = hold_warehouse(warehouse, 8)  # longer than the CLI takes to start on a busy machine
    done = run_cli("load", str(sample_dir), "--warehouse", str(warehouse), "--wait", "120", "--json")
    holder.wait()
    assert done.returncode == EXIT_OK, done.stderr
    assert json.loads(done.stdout)["files_loaded"] == 5
    assert re.fullmatch(  # the queued load said whom it waited for
        rf"paperhouse: the warehouse {re.escape(str(warehouse))} is being written by process {holder.pid} "
        r"\(/\S+python\S*\): waiting up to 120 s for its lock\n",
        done.stderr,
    ), done.stderr


def test_check_audits_the_whole_warehouse_read_only(warehouse_target, warehouse_arg, sample_dir, capsys):
    assert main(["load", str(sample_dir), "--warehouse", warehouse_arg]) == EXIT_OK
    capsys.readouterr()
    assert main(["check", "--warehouse", warehouse_arg, "--json"]) == EXIT_OK
    outcomes = json.loads(capsys.readouterr().out)
    assert {name: (o["passed"], o["failures"]) for name, o in outcomes.items()} == dict.fromkeys(
        [rule.name for rule in (*RULES, *AUDIT_RULES)], (True, 0)
    )
    assert outcomes["every_entry_loaded"]["details"] == {"dumps_checked": 5}
    engine = warehouse_engine(warehouse_target)
    with engine.begin() as connection:  # break one rule: a link stored twice
        connection.execute(text("INSERT INTO links SELECT * FROM links LIMIT 1"))
    engine.dispose()
    assert main(["check", "--warehouse", warehouse_arg]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith(
        "BROKEN row_keys_unique: 1 failing rows; {'paper_appearances': 0, 'paper_links': 0"
    )
    assert [line.split()[0] for line in lines] == ["ok", "BROKEN", "ok", "ok", "ok", "ok", "ok", "ok"]


def test_check_says_when_there_is_no_warehouse_or_a_load_holds_it(tmp_path, capsys):
    missing = tmp_path / "none.duckdb"
    assert main(["check", "--warehouse", str(missing)]) == 1
    assert capsys.readouterr().err == (
        f"paperhouse: check failed: FileNotFoundError: no warehouse at {missing}: run `paperhouse load` first; "
        "nothing was changed\n"
    )
    assert not missing.exists()
    warehouse = tmp_path / "w.duckdb"
    holder = hold_warehouse(warehouse, 60)
    try:
        assert main(["check", "--warehouse", str(warehouse)]) == EXIT_LOCKED
    finally:
        holder.kill()
        holder.wait()
    assert re.fullmatch(
        rf"paperhouse: the warehouse {re.escape(str(warehouse))} is being written by process {holder.pid} "
        r"\(\S+\): nothing was checked; run the check when that load ends\n",
        capsys.readouterr().err,
    )


def run_on_a_terminal(*args: str) -> str:
    """Run `paperhouse` with its output on a pseudo-terminal; return everything the terminal got."""
    import pty

    controller, terminal = pty.openpty()
    done = subprocess.Popen(
        [sys.executable, "-m", "etl.cli", *args],
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
        cwd=ROOT,
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert done.wait(timeout=300) == EXIT_OK
    os.close(controller)
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_load_on_a_terminal_shows_its_progress_and_nothing_extra_otherwise(tmp_path):
    raw = tmp_path / "raw"
    many_dumps(raw, 12)
    shown = run_on_a_terminal(
        "load", str(raw), "--warehouse", str(tmp_path / "a.duckdb"), "--batch-mb", "0.002"
    )
    assert re.search(r"\d+/12 dumps, [\d.]+/[\d.]+ MB, [\d.]+ MB/s", shown), shown
    assert "files: 12 seen, 12 loaded" in shown
    as_json = run_on_a_terminal(
        "load", str(raw), "--warehouse", str(tmp_path / "b.duckdb"), "--json", "--batch-mb", "0.002"
    )
    assert "dumps, " not in as_json and json.loads(as_json)["files_loaded"] == 12
    piped = run_cli("load", str(raw), "--warehouse", str(tmp_path / "c.duckdb"), "--batch-mb", "0.002")
    assert piped.returncode == EXIT_OK and piped.stderr == "" and "dumps, " not in piped.stdout


GIVE_SERVING = "give --serving (PAPERHOUSE_SERVING) another path"


@pytest.mark.parametrize(
    "case",
    [
        "a file of the user's",
        "a dump in the raw folder",
        "the warehouse through ..",
        "a folder",
        "a .txt warehouse in the raw folder",
    ],
)
def test_a_path_that_would_destroy_data_is_refused_with_exit_2_and_nothing_changes(tmp_path, capsys, case):
    raw = tmp_path / "raw"
    write_dump(raw, "2025-01-01.txt", dump_text("Jan 1", ["Title\n\nAbstract."]))
    warehouse, serving = tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    if case == "a file of the user's":
        serving = tmp_path / "notes.md"
        serving.write_text("my notes")
        message = (
            f"the serving copy {serving} exists and is not one paperhouse published (a symlink into "
            f".notes.md.versions/): move it away, or {GIVE_SERVING}"
        )
    elif case == "a dump in the raw folder":
        serving = raw / "2025-01-01.txt"
        message = (
            f"the serving copy {serving} is inside the raw dump folder {raw}: {GIVE_SERVING}, outside it"
        )
    elif case == "the warehouse through ..":
        warehouse = tmp_path / "d" / "w.duckdb"
        assert main(["load", str(raw), "--warehouse", str(warehouse)]) == EXIT_OK
        (tmp_path / "d" / "sub").mkdir()
        serving = tmp_path / "d" / "sub" / ".." / "w.duckdb"
        message = (
            f"the serving copy {serving} is the warehouse itself: {GIVE_SERVING}, or leave it unset "
            "(serving/ beside the warehouse)"
        )
    elif case == "a folder":
        serving.mkdir()
        message = f"the serving copy {serving} is a folder: give --serving (PAPERHOUSE_SERVING) a file path"
    else:
        warehouse = raw / "w.txt"
        message = (
            f"the warehouse {warehouse} is inside the raw dump folder {raw}, which must hold dumps only: "
            "give --warehouse (PAPERHOUSE_WAREHOUSE) a path outside it"
        )
    capsys.readouterr()
    before = file_tree(tmp_path)
    code = main(["load", str(raw), "--warehouse", str(warehouse), "--serving", str(serving)])
    assert (code, capsys.readouterr().err) == (EXIT_USAGE, f"paperhouse: {message}\n")
    assert file_tree(tmp_path) == before  # no warehouse, no versions folder, the named file as it was


def _hold_versions_folder(versions: Path) -> int:
    """Hold the versions folder's flock, as a publish in progress (or a stopped one) does; close to release."""
    versions.mkdir(parents=True)
    descriptor = os.open(versions, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return descriptor


def _this_process() -> str:
    return f"process {os.getpid()} ({Path('/proc/self/comm').read_text().strip()})"


def test_a_publish_waits_for_a_held_versions_folder_only_as_long_as_wait_then_exits_4(tmp_path):
    raw, warehouse, serving = tmp_path / "raw", tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    write_dump(raw, "2025-01-01.txt", dump_text("Jan 1", ["Title\n\nAbstract."]))
    versions = tmp_path / ".s.duckdb.versions"
    held = _hold_versions_folder(versions)
    try:
        done = run_cli(
            "load",
            str(raw),
            "--warehouse",
            str(warehouse),
            "--serving",
            str(serving),
            "--wait",
            "1",
            timeout=60,
        )
    finally:
        os.close(held)
    locked = f"the serving copy's versions folder {versions} is locked by {_this_process()}"
    assert done.returncode == EXIT_NOT_PUBLISHED
    assert done.stderr == (
        f"paperhouse: {locked}: waiting up to 1 s for it\n"
        f"paperhouse: the load committed, but publishing the serving copy {serving} failed: PublishLocked: "
        f"{locked} after waiting 1 s (another publish of the same serving copy). BI tools may still see the "
        "previous load; the next run publishes it\n"
    )
    assert "files: 1 seen, 1 loaded" in done.stdout
    engine = warehouse_engine(warehouse)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT file_name, status FROM source_files")).all() == [
            ("2025-01-01.txt", "loaded")
        ]
    engine.dispose()
    assert not os.path.lexists(serving) and os.listdir(versions) == []


def test_sigterm_while_a_publish_waits_for_the_versions_folder_stops_within_a_second(tmp_path):
    raw, warehouse, serving = tmp_path / "raw", tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    write_dump(raw, "2025-01-01.txt", dump_text("Jan 1", ["Title\n\nAbstract."]))
    versions = tmp_path / ".s.duckdb.versions"
    held = _hold_versions_folder(versions)
    try:
        loader = subprocess.Popen(
            [sys.executable, "-m", "etl.cli", "load", str(raw), "--warehouse", str(warehouse)]
            + ["--serving", str(serving), "--wait", "60"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        waiting = loader.stderr.readline()
        loader.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        stopped = loader.stderr.readline()  # said once the wait has stopped, before the interpreter exits
        stopped_after = time.monotonic() - signalled
        out, err = loader.communicate(timeout=30)
    finally:
        os.close(held)
    assert waiting == (
        f"paperhouse: the serving copy's versions folder {versions} is locked by {_this_process()}: "
        "waiting up to 60 s for it\n"
    )
    assert stopped == (
        "paperhouse: stopped by SIGTERM before publishing; committed: 1 of 1 batches, 1 dumps "
        "('2025-01-01.txt'), now in the warehouse (the schema migration did commit); the next run publishes "
        "the serving copy\n"
    )
    assert stopped_after < 1
    assert (loader.returncode, err) == (128 + signal.SIGTERM, "")
    assert "files: 1 seen, 1 loaded" in out
    assert (
        f"serving copy: {serving} NOT published: stopped by SIGTERM while waiting for another publish\n"
        in out
    )


@pytest.mark.slow
def test_a_load_meeting_a_dagster_runs_lock_names_the_run(tmp_path, sample_dir):
    warehouse = tmp_path / "w.duckdb"
    holder = hold_warehouse_as(warehouse, 60, "Dagster run 5f0c2a3e-91d4-4c8b-a0f1-2d6e7b9c8a10")
    try:
        done = run_cli("load", str(sample_dir), "--warehouse", str(warehouse))
    finally:
        holder.kill()
        holder.wait()
    assert (done.returncode, done.stderr) == (
        EXIT_LOCKED,
        f"paperhouse: the warehouse {warehouse} is being written by Dagster run "
        f"5f0c2a3e-91d4-4c8b-a0f1-2d6e7b9c8a10 (pid {holder.pid}): another load (a `paperhouse load` or a "
        "Dagster run) is running; nothing was done. Run again later, or pass --wait SECONDS to queue behind it\n",
    )


def test_report_writes_one_page_beside_the_warehouse_and_changes_nothing(
    warehouse_target, warehouse_arg, sample_dir, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)  # a PostgreSQL warehouse's report goes to the current folder
    for path in sample_dir.glob(
        "*.txt"
    ):  # the guessed listing years as the cookbook's, whatever the clone's date
        set_mtime(path, dt.datetime(2026, 7, 1))
    assert main(["load", str(sample_dir), "--warehouse", warehouse_arg]) == EXIT_OK
    engine = warehouse_engine(warehouse_target)
    before = snapshot(engine)
    engine.dispose()
    stamp = warehouse_target.stat().st_mtime_ns if isinstance(warehouse_target, Path) else None
    capsys.readouterr()
    assert main(["report", "--warehouse", warehouse_arg, "--weeks", "2"]) == EXIT_OK
    if isinstance(warehouse_target, Path):
        out = warehouse_target.parent / "report.html"
        assert warehouse_target.stat().st_mtime_ns == stamp
    else:
        out = tmp_path / "paperhouse-report.html"
    printed = capsys.readouterr().out
    assert printed.startswith(
        f"{out.relative_to(tmp_path) if not out.is_absolute() or out.parent == tmp_path else out}"
    )
    assert re.search(r": 2026-05-25 to 2026-06-03, \d+ kB, in [\d.]+ s$", printed.strip()), printed
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and html.count('<svg class="chart') >= 10
    engine = warehouse_engine(warehouse_target)
    assert snapshot(engine) == before
    engine.dispose()


def test_report_refuses_bad_options_and_a_missing_warehouse_writing_nothing(tmp_path, capsys):
    out = tmp_path / "r.html"
    assert main(["report", "--warehouse", str(tmp_path / "none.duckdb"), "--out", str(out)]) == EXIT_FAILED
    assert "no warehouse at" in capsys.readouterr().err and not out.exists()
    assert not (tmp_path / "none.duckdb").exists()
    assert main(["report", "--since", "2025-02-30", "--out", str(out)]) == EXIT_USAGE
    assert capsys.readouterr().err == "paperhouse: --since='2025-02-30': expected a date such as 2025-11-01\n"
    assert main(["report", "--weeks", "0", "--out", str(out)]) == EXIT_USAGE
    assert "expected a whole number of weeks from 1 to 520" in capsys.readouterr().err
    assert not out.exists()


def test_report_while_a_load_holds_the_warehouse_exits_5(tmp_path, sample_dir, capsys):
    warehouse = tmp_path / "w" / "paperhouse.duckdb"
    assert main(["load", str(sample_dir), "--warehouse", str(warehouse)]) == EXIT_OK
    holder = hold_warehouse(warehouse, 30)
    try:
        assert (
            main(["report", "--warehouse", str(warehouse), "--out", str(tmp_path / "r.html")]) == EXIT_LOCKED
        )
    finally:
        holder.kill()
        holder.wait()
    assert "no report was written" in capsys.readouterr().err and not (tmp_path / "r.html").exists()
