"""What is new in a folder (etl.inventory): one listing for the loader, the sensor and the sweep."""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import date

from etl.extract import discover_dumps
from etl.inventory import fingerprints, held_versions, list_dumps, unloaded_dumps, unreadable_note
from etl.pipeline import load_folder
from tests.conftest import CUT_DUMP, dump_text, write_dump

GOOD = dump_text("Mar 1", ["Title\n\nAbstract."])
TODAY = date(2026, 12, 2)


def test_a_link_loop_and_a_dangling_link_are_listed_and_refused_by_name(tmp_path):
    write_dump(tmp_path, "good.txt", GOOD)
    os.symlink(tmp_path / "loop.txt", tmp_path / "loop.txt")
    os.symlink(tmp_path / "gone", tmp_path / "dangling.txt")
    paths = discover_dumps(tmp_path)
    assert [p.name for p in paths] == ["dangling.txt", "good.txt", "loop.txt"]
    listing = list_dumps(paths)
    assert [f.path.name for f in listing.files] == ["good.txt"]
    assert listing.unreadable == [
        {"file": "dangling.txt", "reason": "dangling.txt: cannot be read: no such file or directory"},
        {
            "file": "loop.txt",
            "reason": "loop.txt: cannot be read: too many levels of symbolic links (a symbolic link loop)",
        },
    ]


def test_fingerprints_leave_out_what_cannot_be_read(tmp_path):
    write_dump(tmp_path, "good.txt", GOOD)
    os.symlink(tmp_path / "loop.txt", tmp_path / "loop.txt")
    prints = fingerprints(list_dumps(discover_dumps(tmp_path)), {})
    assert list(prints) == ["good.txt"]
    assert prints["good.txt"]["sha256"] == hashlib.sha256(GOOD.encode()).hexdigest()


def test_fingerprints_reuse_the_cursor_for_a_file_whose_size_and_mtime_did_not_change(tmp_path):
    path = write_dump(tmp_path, "a.txt", GOOD)
    listing = list_dumps([path])
    stale = {"a.txt": {"size": path.stat().st_size, "mtime_ns": path.stat().st_mtime_ns, "sha256": "cursor"}}
    assert fingerprints(listing, stale)["a.txt"]["sha256"] == "cursor"  # not read again
    os.utime(path, ns=(1, 1))
    fresh = fingerprints(list_dumps([path]), stale)["a.txt"]
    assert fresh == {
        "size": path.stat().st_size,
        "mtime_ns": 1,
        "sha256": hashlib.sha256(GOOD.encode()).hexdigest(),
    }


def test_held_versions_split_a_folder_by_stat_alone(engine, sample_dir):
    load_folder(sample_dir, engine)
    write_dump(sample_dir, "2025-12-01.txt", GOOD)
    touched = sorted(sample_dir.glob("0*.txt"))[0]
    os.utime(touched, ns=(2, 2))  # same bytes, new mtime: read again, then known by sha256
    listing = list_dumps(discover_dumps(sample_dir))
    with engine.connect() as connection:
        held = held_versions(connection, None, TODAY)
    to_read, unchanged = held.split(listing.files)
    assert sorted(f.path.name for f in to_read) == sorted(["2025-12-01.txt", touched.name])
    assert len(unchanged) == 4 and set(unchanged) <= held.file_ids
    assert len(held.file_ids) == 5


def test_the_sweep_names_what_a_load_would_read_and_nothing_held(
    engine, warehouse_target, tmp_path, sample_dir
):
    warehouse = warehouse_target
    listing = list_dumps(discover_dumps(sample_dir))
    assert unloaded_dumps(listing, tmp_path / "none.duckdb", None, TODAY) == {
        f.path.name: hashlib.sha256(f.path.read_bytes()).hexdigest() for f in listing.files
    }
    shutil.copy(CUT_DUMP, sample_dir / "cut.txt")
    load_folder(sample_dir, engine)
    engine.dispose()
    os.utime(sorted(sample_dir.glob("0*.txt"))[0], ns=(2, 2))  # touched, not changed
    new = write_dump(sample_dir, "2025-12-01.txt", GOOD)
    listing = list_dumps(discover_dumps(sample_dir))
    assert unloaded_dumps(listing, warehouse, None, TODAY) == {
        new.name: hashlib.sha256(GOOD.encode()).hexdigest()
    }


def test_a_name_that_is_not_utf8_is_listed_as_unreadable_and_left_out_of_the_fingerprints(tmp_path):
    write_dump(tmp_path, "good.txt", GOOD)
    (tmp_path / os.fsdecode(b"caf\xe9.txt")).write_bytes(GOOD.encode())
    listing = list_dumps(discover_dumps(tmp_path))
    reason = "caf\\xe9.txt: cannot be read: the file name is not valid UTF-8 (byte 0xe9 at byte offset 3); rename the file"
    assert [f.path.name for f in listing.files] == ["good.txt"]
    assert listing.unreadable == [{"file": "caf\\xe9.txt", "reason": reason}]
    assert list(fingerprints(listing, {})) == ["good.txt"]
    assert unreadable_note(listing) == f"; skipped: {reason}"
    assert unreadable_note(list_dumps([tmp_path / "good.txt"])) == ""
