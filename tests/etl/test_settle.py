"""Settling (etl.settle, etl.extract): a file still being written is deferred, never loaded half."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from etl.extract import DumpFile, read_dump_files, stat_dump
from etl.pipeline import LoadOptions, load_with
from etl.settings import Settings, SettingsError
from etl.settle import settle_files
from tests.conftest import DATA_DIR, SAMPLE_DIR, set_mtime, write_dump

CARDS = (DATA_DIR / "2025-11-04_cards.txt").read_bytes().rstrip(b"\n")  # real dumps end without one
CUT = CARDS[: CARDS.rindex(b"Jun 6") + len(b"Jun 6")]  # `Jun 6, 2024 7` cut to `Jun 6`


def load(engine, folder: Path, **options: object):
    paths = sorted(folder.iterdir())
    return load_with(paths, engine, LoadOptions(**options))


def rows(engine, sql: str) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(text(sql)).all()]


def fresh_copy(source: Path, target: Path) -> Path:
    """A copy whose files have brand-new modification times, as after a `git clone`."""
    target.mkdir()
    for path in source.iterdir():
        shutil.copyfile(path, target / path.name)
    return target


def test_a_fresh_clone_of_the_sample_loads_in_one_run_after_one_pause(engine, tmp_path, wall_clock):
    raw = fresh_copy(SAMPLE_DIR, tmp_path / "raw")
    report = load(engine, raw)
    assert (report.files_loaded, report.papers_new, report.files_deferred) == (5, 411, [])
    assert len(wall_clock.paused) >= 1 and 2.5 < sum(wall_clock.paused) <= 3.0  # the default: 3 s


def test_the_cli_loads_a_fresh_clone_with_the_default_settle_time(tmp_path, monkeypatch, capsys, wall_clock):
    from etl.cli import EXIT_OK, main

    monkeypatch.delenv("PAPERHOUSE_SETTLE_SECONDS")
    raw = fresh_copy(SAMPLE_DIR, tmp_path / "raw")
    code = main(["load", str(raw), "--warehouse", str(tmp_path / "w.duckdb")])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "entries: 451; papers: 411 new" in out and "DEFERRED" not in out
    assert 0 < sum(wall_clock.paused) <= 3.0  # until the files are 3 s old


def test_files_older_than_the_settle_time_are_read_without_a_pause(engine, tmp_path, wall_clock):
    raw = fresh_copy(SAMPLE_DIR, tmp_path / "raw")
    for path in raw.iterdir():
        set_mtime(path, dt.datetime.now(dt.UTC) - dt.timedelta(seconds=10))
    assert load(engine, raw).papers_new == 411
    assert wall_clock.paused == []


def test_a_growing_download_is_deferred_then_loaded_whole(engine, tmp_path, wall_clock):
    """The last card `Jun 6, 2024 7` is still `Jun 6` when listed: never loaded as 2025-06-06 with 0 upvotes."""
    raw = tmp_path / "raw"
    path = write_dump(raw, "2025-11-04.txt", CUT)
    wall_clock.during_pause.append(lambda: path.write_bytes(CARDS))  # the download goes on
    report = load(engine, raw)
    assert report.files_deferred == [
        {
            "file": "2025-11-04.txt",
            "reason": f"2025-11-04.txt: still being written (its size went from {len(CUT):,} to "
            f"{len(CARDS):,} bytes within 3.0 s); the next run loads it",
        }
    ]
    assert (report.files_loaded, report.entries, report.files_rejected) == (0, 0, [])
    assert rows(engine, "SELECT count(*) FROM source_files") == [(0,)]
    wall_clock.during_pause.clear()
    report = load(engine, raw)
    assert (report.files_loaded, report.files_deferred) == (1, [])
    assert rows(
        engine, "SELECT card_date_text, upvotes FROM paper_appearances ORDER BY position DESC LIMIT 1"
    ) == [("Jun 6, 2024", 7)]


def test_a_file_that_grew_between_the_listing_and_the_read_is_deferred(tmp_path):
    path = write_dump(tmp_path, "a.txt", CUT)
    listed = stat_dump(path)
    path.write_bytes(CARDS)
    frame, refused, deferred = read_dump_files([listed])
    assert (frame.height, refused) == (0, [])
    assert deferred == [
        {
            "file": "a.txt",
            "reason": f"a.txt: still being written (its size went from {len(CUT):,} to {len(CARDS):,} "
            "bytes while it was read); the next run loads it",
        }
    ]


class _GrowsWhileRead(type(Path())):
    """A path whose file gets its last bytes just after they were read."""

    def read_bytes(self) -> bytes:
        data = super().read_bytes()
        with open(self, "ab") as handle:
            handle.write(CARDS[len(CUT) :])
        return data


def test_a_file_that_grew_during_the_read_is_deferred(tmp_path):
    write_dump(tmp_path, "a.txt", CUT)
    path = _GrowsWhileRead(tmp_path / "a.txt")
    listed = stat_dump(path)
    frame, _, deferred = read_dump_files([DumpFile(path, listed.size, listed.mtime_ns)])
    assert frame.height == 0
    assert deferred[0]["reason"].startswith(f"a.txt: still being written (its size went from {len(CUT):,} to")


def test_a_file_touched_during_the_pause_is_deferred_and_an_unchanged_one_is_not(tmp_path, wall_clock):
    moving, still = write_dump(tmp_path, "moving.txt", CARDS), write_dump(tmp_path, "still.txt", CARDS)
    wall_clock.during_pause.append(lambda: os.utime(moving, ns=(1, stat_dump(moving).mtime_ns + 10**9)))
    files, deferred = settle_files([stat_dump(moving), stat_dump(still)], 2.0)
    assert [f.path.name for f in files] == ["still.txt"]
    assert deferred == [
        {
            "file": "moving.txt",
            "reason": "moving.txt: still being written (its modification time moved within 2.0 s); "
            "the next run loads it",
        }
    ]


def test_a_settle_time_of_zero_reads_at_once(tmp_path, wall_clock):
    path = write_dump(tmp_path, "a.txt", CARDS)
    assert settle_files([stat_dump(path)], 0.0) == ([stat_dump(path)], [])
    assert wall_clock.paused == []


def test_a_stop_request_ends_the_pause(tmp_path):
    path = write_dump(tmp_path, "a.txt", CARDS)

    def stop() -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        settle_files([stat_dump(path)], 3.0, stop)


@pytest.mark.parametrize("value", ["-1", "301", "nan", "inf", "1e308", "abc"])
def test_the_settle_time_is_bounded(value):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"PAPERHOUSE_SETTLE_SECONDS": value})
    assert (
        str(raised.value)
        == f"PAPERHOUSE_SETTLE_SECONDS={value!r}: expected a number of seconds from 0 to 300"
    )


def test_the_settle_time_is_read_from_the_environment():
    assert Settings.from_env({}).settle_seconds == 3.0
    assert Settings.from_env({"PAPERHOUSE_SETTLE_SECONDS": "0.5"}).settle_seconds == 0.5
