"""What is new in a folder (etl.inventory): one listing for the loader, the sensor and the sweep."""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import date

from etl.extract import discover_dumps
from etl.inventory import FolderMark, hashed, held_versions, list_dumps, unloaded_dumps, unreadable_note
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


def test_hashed_leaves_out_what_cannot_be_read(tmp_path):
    write_dump(tmp_path, "good.txt", GOOD)
    os.symlink(tmp_path / "loop.txt", tmp_path / "loop.txt")
    listing = list_dumps(discover_dumps(tmp_path))
    assert hashed(listing.files) == {"good.txt": hashlib.sha256(GOOD.encode()).hexdigest()}


def test_the_mark_is_the_newest_mtime_ever_listed_and_a_digest_of_the_listing(tmp_path):
    a = write_dump(tmp_path, "a.txt", GOOD)
    b = write_dump(tmp_path, "b.txt", GOOD + "\n")
    os.utime(a, ns=(1, 5_000))
    os.utime(b, ns=(1, 7_000))
    first = FolderMark.of(list_dumps(discover_dumps(tmp_path)))
    assert first.newest_mtime_ns == 7_000 and len(first.digest) == 64
    assert FolderMark.of(list_dumps(discover_dumps(tmp_path)), first) == first  # nothing changed
    b.unlink()
    after = FolderMark.of(list_dumps(discover_dumps(tmp_path)), first)
    assert after.newest_mtime_ns == 7_000 and after.digest != first.digest  # a deleted file's mtime stays
    os.utime(a, ns=(1, 7_000))
    write_dump(tmp_path, "c.txt", GOOD)
    os.utime(tmp_path / "c.txt", ns=(1, 1_000))  # copied with its old mtime
    listing = list_dumps(discover_dumps(tmp_path))
    assert [f.path.name for f in after.since(listing, {"a.txt"})] == ["c.txt"]  # unknown; a.txt at the mark
    os.utime(a, ns=(1, 7_001))
    assert [f.path.name for f in after.since(list_dumps(discover_dumps(tmp_path)), {"a.txt", "c.txt"})] == [
        "a.txt"
    ]


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


def test_a_name_that_is_not_utf8_is_listed_as_unreadable_and_left_out_of_the_hashes(tmp_path):
    write_dump(tmp_path, "good.txt", GOOD)
    (tmp_path / os.fsdecode(b"caf\xe9.txt")).write_bytes(GOOD.encode())
    listing = list_dumps(discover_dumps(tmp_path))
    reason = "caf\\xe9.txt: cannot be read: the file name is not valid UTF-8 (byte 0xe9 at byte offset 3); rename the file"
    assert [f.path.name for f in listing.files] == ["good.txt"]
    assert listing.unreadable == [{"file": "caf\\xe9.txt", "reason": reason}]
    assert list(hashed(listing.files)) == ["good.txt"]
    assert FolderMark.of(listing) != FolderMark.of(list_dumps([tmp_path / "good.txt"]))  # the digest sees it
    assert unreadable_note(listing) == f"; skipped: {reason}"
    assert unreadable_note(list_dumps([tmp_path / "good.txt"])) == ""
