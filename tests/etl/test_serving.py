"""The serving copy: versioned files behind a symlink, an atomic stamp, cleanup, pooled readers."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Engine, event, text

import etl.serving
from etl.pipeline import load_folder
from etl.serving import (
    PublishLocked,
    is_current,
    publish,
    publish_if_stale,
    warehouse_marker,
)
from etl.serving_layout import serving_problem
from etl.stopping import LoadInterrupted, StopSwitch
from etl.warehouse import warehouse_engine
from tests.conftest import ROOT, dump_text, file_tree, write_dump

VERSIONS = ".paperhouse.duckdb.versions"


def version_link(sequence: int) -> str:
    return f"{VERSIONS}/{sequence:06d}/paperhouse.duckdb"


# After k loads of one dump each (one paper of its own plus one shared by all):
# (files, papers, appearances) = (k, k + 1, 2k).
STATES = [(k, k + 1, 2 * k) for k in range(1, 7)]


@dataclass
class Live:
    raw: Path
    warehouse: Path
    serving: Path
    engine: Engine

    def load(self, i: int) -> None:
        """Add dump number `i` (its own paper and the shared one) and load the folder."""
        blocks = [f"Own paper {i}\n\nOwn abstract {i}.", "Shared paper\n\nShared abstract."]
        write_dump(self.raw, f"2025-01-{i + 1:02d}.txt", dump_text(f"Jan {i + 1}", blocks))
        load_folder(self.raw, self.engine)

    def publish(self) -> float:
        return publish(self.engine, self.warehouse, self.serving)

    def publish_if_stale(self) -> float | None:
        return publish_if_stale(self.engine, self.warehouse, self.serving)

    @property
    def stamp(self) -> Path:
        return self.serving.with_name("paperhouse.duckdb.published.json")

    def tree(self) -> list[str]:
        """Every path under the serving folder, relative to it."""
        return sorted(str(p.relative_to(self.serving.parent)) for p in self.serving.parent.rglob("*"))


@pytest.fixture
def live(tmp_path: Path):
    warehouse = tmp_path / "warehouse" / "paperhouse.duckdb"
    engine = warehouse_engine(warehouse)
    yield Live(tmp_path / "raw", warehouse, tmp_path / "warehouse" / "serving" / "paperhouse.duckdb", engine)
    engine.dispose()


def served_state(path: Path) -> tuple[int, int, int]:
    connection = duckdb.connect(str(path), read_only=True)
    try:
        return connection.execute(
            "SELECT (SELECT count(*) FROM source_files), (SELECT count(*) FROM papers), "
            "(SELECT count(*) FROM paper_appearances)"
        ).fetchone()
    finally:
        connection.close()


def tree_after_one_publish(sequences: list[int]) -> list[str]:
    listing = ["paperhouse.duckdb", "paperhouse.duckdb.published.json", VERSIONS]
    for s in sequences:
        listing += [f"{VERSIONS}/{s:06d}", version_link(s)]
    return sorted(listing)


def test_the_serving_path_is_a_relative_symlink_to_a_version_named_like_it(live):
    live.load(0)
    assert not is_current(live.engine, live.serving)
    assert live.publish() >= 0
    assert live.serving.is_symlink() and os.readlink(live.serving) == version_link(1)
    assert live.tree() == tree_after_one_publish([1])
    stamp = json.loads(live.stamp.read_text())
    assert sorted(stamp) == [
        "file",
        "marker",
        "published_at",
        "readable_from_duckdb",
        "storage_version",
        "version",
    ]
    version = live.serving.parent / version_link(1)
    assert stamp["file"] == {"size": version.stat().st_size, "mtime_ns": version.stat().st_mtime_ns}
    assert (
        version.stat().st_mode & 0o7777 == etl.serving.SERVED_MODE == 0o444
    )  # tests/test_clients.py: as non-root
    assert (stamp["storage_version"], stamp["readable_from_duckdb"]) == ("v1.0.0", "1.0")
    assert stamp["marker"] == warehouse_marker(live.engine)
    assert stamp["version"] == version_link(1)
    assert is_current(live.engine, live.serving)
    assert publish_if_stale(live.engine, live.warehouse, live.serving) is None
    # Clients see the catalog `paperhouse`, through duckdb and through SQLAlchemy, read-only.
    connection = duckdb.connect(str(live.serving), read_only=True)
    assert connection.execute("SELECT current_database()").fetchone() == ("paperhouse",)
    connection.close()
    reader = warehouse_engine(live.serving, read_only=True)
    with reader.connect() as c:
        assert c.execute(text("SELECT current_database()")).scalar_one() == "paperhouse"
        assert c.execute(text("SELECT count(*) FROM papers")).scalar_one() == 2
    reader.dispose()


def test_only_the_current_and_the_previous_version_are_kept(live):
    live.load(0)
    live.publish()
    held = duckdb.connect(str(live.serving), read_only=True)  # opened on version 1
    listings = []
    for i in range(1, 4):
        live.load(i)
        live.publish()
        listings.append(sorted(p.name for p in (live.serving.parent / VERSIONS).iterdir()))
        assert served_state(live.serving) == STATES[i]
    assert listings == [["000001", "000002"], ["000002", "000003"], ["000003", "000004"]]
    assert live.tree() == tree_after_one_publish([3, 4])
    # Version 1 is deleted, but a reader that has it open keeps its complete snapshot.
    assert held.execute("SELECT count(*) FROM papers").fetchone() == (2,)
    held.close()


def test_a_connected_reader_never_makes_a_publish_fail_and_new_connections_see_the_new_copy(live):
    live.load(0)
    live.publish()
    reader = warehouse_engine(live.serving, read_only=True)  # its own DuckDB config, pooled
    with reader.connect() as held:
        for i in (1, 2):
            live.load(i)
            live.publish()
            with reader.connect() as fresh:  # opened while `held` is open, in the same process
                assert fresh.execute(text("SELECT count(*) FROM papers")).scalar_one() == i + 2
                fresh.invalidate()  # closed, not pooled: a pooled one would keep showing its snapshot
        assert held.execute(text("SELECT count(*) FROM papers")).scalar_one() == 2
    reader.dispose()


def test_publish_checkpoints_instead_of_disposing_the_callers_engine(live):
    live.load(0)
    closed = []
    event.listen(live.engine.pool, "close", lambda *_: closed.append(1))
    with live.engine.begin() as c:
        c.execute(text("CREATE TABLE scratch AS SELECT 42 AS answer"))  # committed, in the WAL only
    wal = live.warehouse.with_name("paperhouse.duckdb.wal")
    assert wal.stat().st_size > 0
    live.publish()
    assert closed == []
    assert not wal.exists()
    connection = duckdb.connect(str(live.serving), read_only=True)
    assert connection.execute("SELECT answer FROM scratch").fetchall() == [(42,)]
    connection.close()
    with live.engine.connect() as c:  # the caller's engine goes on working
        assert c.execute(text("SELECT count(*) FROM papers")).scalar_one() == 2


@pytest.mark.parametrize(
    "content", ["", "{", '{"marker": ', "\x00\xff garbage", "[]", "null", '{"marker": 1}']
)
def test_an_empty_or_garbage_stamp_is_stale_and_the_next_publish_repairs_it(live, content):
    live.load(0)
    live.publish()
    live.stamp.write_text(content)
    assert not is_current(live.engine, live.serving)
    seconds = live.publish_if_stale()
    assert isinstance(seconds, float)
    assert is_current(live.engine, live.serving)
    assert json.loads(live.stamp.read_text())["version"] == version_link(2)
    assert live.publish_if_stale() is None


def test_a_garbage_serving_file_with_a_valid_stamp_is_stale(live):
    live.load(0)
    live.publish()
    version = live.serving.parent / version_link(1)
    version.chmod(0o644)  # as a non-root user must first
    version.write_bytes(b"not a DuckDB file" * 100)  # the stamp still names it, with the right marker
    assert not is_current(live.engine, live.serving)
    assert isinstance(live.publish_if_stale(), float)
    assert os.readlink(live.serving) == version_link(2) and served_state(live.serving) == STATES[0]
    assert is_current(live.engine, live.serving)


def test_a_truncated_serving_file_is_stale(live):
    live.load(0)
    live.publish()
    version = live.serving.parent / version_link(1)
    version.chmod(0o644)
    with open(version, "r+b") as handle:
        handle.truncate(version.stat().st_size // 2)
    assert not is_current(live.engine, live.serving)
    assert isinstance(live.publish_if_stale(), float)
    assert served_state(live.serving) == STATES[0]


def test_a_version_a_client_wrote_to_is_stale_and_kept_by_the_next_publish(live):
    """Root ignores the read-only mode: a client opening the copy without read-only mode can write it."""
    live.load(0)
    live.publish()
    client = duckdb.connect(str(live.serving))  # as root: no error
    client.execute("CREATE TABLE analyst_notes AS SELECT 'mine' AS note")
    client.close()
    assert etl.serving.changed_by_client(live.serving)
    assert not is_current(live.engine, live.serving)  # the warehouse did not change, the copy did
    kept = []
    assert isinstance(
        publish_if_stale(live.engine, live.warehouse, live.serving, on_changed=kept.append), float
    )
    changed = live.serving.with_name("paperhouse.duckdb.changed-000001")
    assert kept == [changed]
    assert live.tree() == sorted([*tree_after_one_publish([1, 2]), changed.name])
    notes = duckdb.connect(str(changed), read_only=True)
    assert notes.execute("SELECT note FROM analyst_notes").fetchall() == [("mine",)]
    notes.close()
    assert not etl.serving.changed_by_client(live.serving) and is_current(live.engine, live.serving)
    served = duckdb.connect(str(live.serving), read_only=True)
    assert served.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'analyst_notes'"
    ).fetchone() == (0,)
    served.close()
    live.load(1)
    live.publish()
    live.publish()  # version 2, unchanged, is swept; the kept file never is
    assert live.tree() == sorted([*tree_after_one_publish([3, 4]), changed.name])


def test_a_version_made_writable_again_is_stale_and_a_stamp_without_its_file_record_too(live):
    live.load(0)
    live.publish()
    version = live.serving.parent / version_link(1)
    version.chmod(0o644)
    assert etl.serving.changed_by_client(live.serving) and not is_current(live.engine, live.serving)
    version.chmod(0o444)
    assert is_current(live.engine, live.serving)
    stamp = json.loads(live.stamp.read_text())
    del stamp["file"]  # as an older paperhouse wrote it, its version writable
    live.stamp.write_text(json.dumps(stamp))
    assert not etl.serving.changed_by_client(live.serving) and not is_current(live.engine, live.serving)
    assert isinstance(live.publish_if_stale(), float)
    assert live.tree() == tree_after_one_publish([1, 2])  # nothing kept: not a client's change


def test_the_old_single_file_layout_is_replaced_by_the_symlink(live):
    live.load(0)
    live.serving.parent.mkdir(parents=True)
    live.engine.dispose()
    shutil.copyfile(live.warehouse, live.serving)  # as the old publish left it
    live.stamp.write_text(json.dumps({"marker": warehouse_marker(live.engine), "published_at": 1.0}))
    (live.serving.parent / ".paperhouse.duckdb.4242.tmp").write_bytes(b"half a copy")
    assert not is_current(live.engine, live.serving)
    assert isinstance(live.publish_if_stale(), float)
    assert os.readlink(live.serving) == version_link(1)
    assert live.tree() == tree_after_one_publish([1])


def test_leftovers_of_crashed_publishes_are_removed_but_not_the_previous_version(live):
    live.load(0)
    live.publish()
    live.load(1)
    live.publish()
    versions = live.serving.parent / VERSIONS
    (versions / "000003").mkdir()
    (versions / "000003" / "paperhouse.duckdb").write_bytes(b"half a copy")
    (versions / "stray").write_bytes(b"?")
    os.symlink(version_link(3), live.serving.parent / ".paperhouse.duckdb.link.999.tmp")
    (live.serving.parent / ".paperhouse.duckdb.stamp.999.tmp").write_text("")
    (live.serving.parent / ".paperhouse.duckdb.999.tmp").write_bytes(b"half a copy")  # old layout
    live.load(2)
    live.publish()
    # Numbered past the crashed 000003 (never published); 000002 is now the previous version.
    assert live.tree() == tree_after_one_publish([2, 4])
    assert os.readlink(live.serving) == version_link(4)
    assert served_state(live.serving) == STATES[2]
    assert served_state(versions / "000002" / "paperhouse.duckdb") == STATES[1]


def _disk_full_during_copy(source, destination, *args, **kwargs):
    Path(destination).write_bytes(Path(source).read_bytes()[:4096])
    raise OSError(errno.ENOSPC, "No space left on device")


def _read_only_folder(*args, **kwargs):
    raise OSError(errno.EROFS, "Read-only file system")


@pytest.mark.parametrize(
    "target, failure",
    [
        ("copy_file", _disk_full_during_copy),  # the version file cannot be written
        ("os.symlink", _read_only_folder),  # the serving folder takes no new entry
    ],
)
def test_a_failed_publish_leaves_no_temporary_files_and_the_copy_as_it_was(
    live, monkeypatch, target, failure
):
    live.load(0)
    live.publish()
    before = live.tree()
    stamp = live.stamp.read_text()
    live.load(1)
    *module, name = target.split(".")
    with monkeypatch.context() as patched:
        patched.setattr(getattr(etl.serving, module[0]) if module else etl.serving, name, failure)
        with pytest.raises(OSError, match="No space left|Read-only"):
            live.publish()
    assert live.tree() == before
    assert live.stamp.read_text() == stamp
    assert served_state(live.serving) == STATES[0]
    assert not is_current(live.engine, live.serving)
    assert isinstance(live.publish_if_stale(), float)  # the next run publishes
    assert os.readlink(live.serving) == version_link(2) and served_state(live.serving) == STATES[1]


def test_a_stamp_that_cannot_be_written_leaves_no_temporary_file_and_is_redone(live, monkeypatch):
    live.load(0)
    live.publish()
    stamp = live.stamp.read_text()
    live.load(1)
    with monkeypatch.context() as patched:
        patched.setattr(etl.serving.json, "dump", _read_only_folder)
        with pytest.raises(OSError, match="Read-only"):
            live.publish()
    # The copy was swapped in, the stamp was not: the old stamp is intact, so the copy is stale.
    assert live.stamp.read_text() == stamp
    assert live.tree() == tree_after_one_publish([1, 2])
    assert not is_current(live.engine, live.serving)
    assert isinstance(live.publish_if_stale(), float)
    assert json.loads(live.stamp.read_text())["version"] == version_link(3)
    assert is_current(live.engine, live.serving)


def _answers(path: Path) -> list[dict]:
    text_ = path.read_text() if path.exists() else ""
    return [json.loads(line) for line in text_.splitlines(keepends=True) if line.endswith("\n")]


def _wait_until_every_thread_saw(answers: Path, state: tuple[int, int, int], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = {(r["thread"], tuple(r["state"])) for r in _answers(answers) if "state" in r}
        if {(0, state), (1, state)} <= seen:
            return
        time.sleep(0.05)
    raise AssertionError(f"the pooled reader did not see {state} in {timeout} s: {_answers(answers)[-4:]}")


@pytest.mark.slow
def test_a_pooled_reader_process_sees_every_published_load_in_order(live, tmp_path):
    """A BI server's pool (2 connections, recycled after 1 s, 2 threads) sees each of 6 loads."""
    live.load(0)
    live.publish()
    answers = tmp_path / "answers.jsonl"
    reader = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("bi_reader.py")),
            str(live.serving),
            str(answers),
            "--pool",
        ],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_until_every_thread_saw(answers, STATES[0])
        for i in range(1, 6):
            live.load(i)
            assert isinstance(live.publish_if_stale(), float)  # a connected pool never makes it fail
            _wait_until_every_thread_saw(answers, STATES[i])
    finally:
        reader.send_signal(signal.SIGTERM)
        _, errors = reader.communicate(timeout=60)
    assert reader.returncode == 0, errors
    results = _answers(answers)
    assert [r for r in results if "error" in r] == []
    assert all(r["consistent"] for r in results)
    # Each pooled connection shows one snapshot; connections opened later never show an older one.
    by_connection: dict[int, set] = {}
    for r in results:
        by_connection.setdefault(r["connection"], set()).add(tuple(r["state"]))
    assert all(len(states) == 1 for states in by_connection.values()), by_connection
    in_opening_order = [next(iter(by_connection[n])) for n in sorted(by_connection)]
    distinct = [s for k, s in enumerate(in_opening_order) if k == 0 or s != in_opening_order[k - 1]]
    assert distinct == STATES
    for thread in (0, 1):
        assert {tuple(r["state"]) for r in results if r["thread"] == thread} == set(STATES)


def _duckdb_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(path)).close()


def _refusal_case(tmp_path: Path, case: str) -> tuple[Path, Path, str]:
    """(serving, warehouse, the refusal expected) for `case`, set up under `tmp_path`; the raw folder is raw/."""
    raw, warehouse = tmp_path / "raw", tmp_path / "w.duckdb"
    write_dump(raw, "2025-01-01.txt", dump_text("Jan 1", ["Title\n\nAbstract."]))
    give = "give --serving (PAPERHOUSE_SERVING) another path"
    not_ours = "exists and is not one paperhouse published (a symlink into {}/): move it away, or " + give
    if case == "a file of the user's":
        serving = tmp_path / "notes.md"
        serving.write_text("my notes")
        return serving, warehouse, f"the serving copy {serving} " + not_ours.format(".notes.md.versions")
    if case == "a DuckDB database with no stamp":
        serving = tmp_path / "mine.duckdb"
        _duckdb_file(serving)
        return serving, warehouse, f"the serving copy {serving} " + not_ours.format(".mine.duckdb.versions")
    if case == "a symlink of the user's":
        serving = tmp_path / "s.duckdb"
        (tmp_path / "notes.md").write_text("my notes")
        serving.symlink_to("notes.md")
        return serving, warehouse, f"the serving copy {serving} " + not_ours.format(".s.duckdb.versions")
    if case == "a dump in the raw folder":
        serving = raw / "2025-01-01.txt"
        return (
            serving,
            warehouse,
            f"the serving copy {serving} is inside the raw dump folder {raw}: {give}, outside it",
        )
    if case == "a folder whose link leads into the raw folder":
        (tmp_path / "to_raw").symlink_to("raw")
        serving = tmp_path / "to_raw" / "s.duckdb"
        return (
            serving,
            warehouse,
            f"the serving copy {serving} is inside the raw dump folder {raw}: {give}, outside it",
        )
    if case == "the warehouse through ..":
        (tmp_path / "d" / "sub").mkdir(parents=True)
        warehouse = tmp_path / "d" / "wh.duckdb"
        _duckdb_file(warehouse)
        serving = tmp_path / "d" / "sub" / ".." / "wh.duckdb"
        return (
            serving,
            warehouse,
            (
                f"the serving copy {serving} is the warehouse itself: {give}, or leave it unset (serving/ beside "
                "the warehouse)"
            ),
        )
    if case == "the warehouse's target when it is reached through a symlink":
        real = tmp_path / "real" / "w.duckdb"
        _duckdb_file(real)
        warehouse = tmp_path / "link.duckdb"
        warehouse.symlink_to(real)
        return (
            real,
            warehouse,
            (
                f"the serving copy {real} is the warehouse itself: {give}, or leave it unset (serving/ beside "
                "the warehouse)"
            ),
        )
    if case == "the warehouse's WAL":
        serving = tmp_path / "w.duckdb.wal"
        return (
            serving,
            warehouse,
            f"the serving copy {serving} would write over the warehouse {warehouse}'s files: {give}",
        )
    if case == "a versions folder holding the warehouse":
        serving = tmp_path / "s.duckdb"
        warehouse = tmp_path / ".s.duckdb.versions" / "000001" / "w.duckdb"
        _duckdb_file(warehouse)
        return (
            serving,
            warehouse,
            f"the serving copy {serving} would write over the warehouse {warehouse}'s files: {give}",
        )
    if case == "a folder":
        serving = tmp_path / "s.duckdb"
        serving.mkdir()
        return (
            serving,
            warehouse,
            f"the serving copy {serving} is a folder: give --serving (PAPERHOUSE_SERVING) a file path",
        )
    if case == "a file where its folder should be":
        (tmp_path / "blocker").write_text("a file")
        serving = tmp_path / "blocker" / "s.duckdb"
        return (
            serving,
            warehouse,
            (f"the serving copy {serving} cannot be created: {tmp_path / 'blocker'} is not a folder; {give}"),
        )
    if case == "a stamp of the user's":
        serving = tmp_path / "s.duckdb"
        (tmp_path / "s.duckdb.published.json").write_text('{"mine": true}')
        return (
            serving,
            warehouse,
            (
                f"the serving copy's stamp {tmp_path / 's.duckdb.published.json'} exists and is not one paperhouse "
                f"wrote: move it away, or {give}"
            ),
        )
    if case == "a file where the versions folder should be":
        serving = tmp_path / "s.duckdb"
        (tmp_path / ".s.duckdb.versions").write_text("mine")
        return (
            serving,
            warehouse,
            (
                f"the serving copy's versions folder {tmp_path / '.s.duckdb.versions'} exists and is not a folder "
                f"paperhouse made: move it away, or {give}"
            ),
        )
    if case == "a versions folder that is a symlink":
        serving = tmp_path / "s.duckdb"
        (tmp_path / "elsewhere").mkdir()
        (tmp_path / ".s.duckdb.versions").symlink_to("elsewhere")
        return (
            serving,
            warehouse,
            (
                f"the serving copy's versions folder {tmp_path / '.s.duckdb.versions'} exists and is not a folder "
                f"paperhouse made: move it away, or {give}"
            ),
        )
    raise AssertionError(case)


REFUSALS = [
    "a file of the user's",
    "a DuckDB database with no stamp",
    "a symlink of the user's",
    "a dump in the raw folder",
    "a folder whose link leads into the raw folder",
    "the warehouse through ..",
    "the warehouse's target when it is reached through a symlink",
    "the warehouse's WAL",
    "a versions folder holding the warehouse",
    "a folder",
    "a file where its folder should be",
    "a stamp of the user's",
    "a file where the versions folder should be",
    "a versions folder that is a symlink",
]


@pytest.mark.parametrize("case", REFUSALS)
def test_a_serving_path_that_would_destroy_what_paperhouse_did_not_make_is_refused(tmp_path, case):
    serving, warehouse, message = _refusal_case(tmp_path, case)
    before = file_tree(tmp_path)
    assert serving_problem(serving, warehouse, tmp_path / "raw") == message
    assert file_tree(tmp_path) == before


def test_serving_paths_paperhouse_made_or_that_do_not_exist_are_accepted(live):
    raw = live.raw
    write_dump(raw, "2025-01-01.txt", dump_text("Jan 1", ["Title\n\nAbstract."]))
    assert serving_problem(live.serving, live.warehouse, raw) is None  # nothing there yet
    live.serving.parent.mkdir(parents=True)
    (live.serving.parent / VERSIONS).mkdir()  # a first publish that failed after creating it
    assert serving_problem(live.serving, live.warehouse, raw) is None
    live.load(0)
    live.publish()
    assert serving_problem(live.serving, live.warehouse, raw) is None  # the symlink into the versions folder
    live.stamp.write_text("garbage")  # beside our symlink, a broken stamp is ours to repair
    assert serving_problem(live.serving, live.warehouse, raw) is None
    live.serving.unlink()  # a user removed the link; the stamp alone is not theirs
    live.stamp.write_text(json.dumps({"marker": "[]", "published_at": 1.0}))
    assert serving_problem(live.serving, live.warehouse, raw) is None
    live.engine.dispose()
    shutil.copyfile(live.warehouse, live.serving)  # the old single-file layout: a DuckDB file and its stamp
    assert serving_problem(live.serving, live.warehouse, raw) is None


def _hold_flock(path: Path) -> int:
    """Hold an exclusive flock on the folder `path`, as another publish would; close the result to release it."""
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return descriptor


def this_process() -> str:
    return f"process {os.getpid()} ({Path('/proc/self/comm').read_text().strip()})"


def test_a_held_versions_folder_is_waited_for_up_to_the_wait_then_named(live):
    live.load(0)
    live.publish()
    versions = live.serving.parent / VERSIONS
    live.load(1)
    before = file_tree(live.serving.parent)
    held, heard = _hold_flock(versions), []
    try:
        started = time.monotonic()
        with pytest.raises(PublishLocked) as refused:
            publish(live.engine, live.warehouse, live.serving, wait_seconds=0.5, on_wait=heard.append)
        waited = time.monotonic() - started
    finally:
        os.close(held)
    assert 0.5 <= waited < 1.5
    assert heard == [
        f"the serving copy's versions folder {versions} is locked by {this_process()}: waiting up to 0.5 s for it"
    ]
    assert str(refused.value) == (
        f"the serving copy's versions folder {versions} is locked by {this_process()} after waiting 0.5 s "
        "(another publish of the same serving copy)"
    )
    assert file_tree(live.serving.parent) == before
    assert isinstance(live.publish_if_stale(), float)  # released: the next publish goes through
    assert served_state(live.serving) == STATES[1]


def test_with_no_wait_a_held_versions_folder_fails_at_once(live):
    live.load(0)
    versions = live.serving.parent / VERSIONS
    versions.mkdir(parents=True)
    held = _hold_flock(versions)
    try:
        started = time.monotonic()
        with pytest.raises(PublishLocked, match=r"locked by process \d+ \(.*\) \(another publish"):
            live.publish()
        assert time.monotonic() - started < 0.5
    finally:
        os.close(held)
    assert not os.path.lexists(live.serving)


def test_a_stop_request_ends_the_wait_for_the_versions_folder_within_a_poll(live):
    live.load(0)
    versions = live.serving.parent / VERSIONS
    versions.mkdir(parents=True)
    stop = StopSwitch()
    held = _hold_flock(versions)
    try:
        started = time.monotonic()
        with pytest.raises(LoadInterrupted, match="stopped by SIGTERM"):
            publish(
                live.engine,
                live.warehouse,
                live.serving,
                wait_seconds=60,
                stop_check=stop.check,
                on_wait=lambda _line: stop.request(signal.SIGTERM),
            )
        assert time.monotonic() - started < 1
    finally:
        os.close(held)
    assert sorted(os.listdir(live.serving.parent)) == [VERSIONS] and not os.listdir(versions)


def test_the_load_summary_names_the_file_a_client_wrote_to():
    from etl.cli import _serving_state

    serving = {"path": "/w/serving/p.duckdb", "publish_seconds": 0.5, "error": None}
    serving["changed_by_client"] = "/w/serving/p.duckdb.changed-000001"
    assert _serving_state(serving) == (
        "/w/serving/p.duckdb published in 0.500 s; a client had written to the version it replaced "
        "(opened without read-only mode, as root): kept as /w/serving/p.duckdb.changed-000001"
    )
