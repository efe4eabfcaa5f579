"""Reading dumps (etl.extract): any case of `.txt`, text decoded or refused, unreadable files refused by name."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from etl.extract import discover_dumps, read_dump_files, shown_name, stat_dump, text_names
from etl.inventory import list_dumps
from etl.keys import file_id_for
from tests.conftest import dump_text, write_dump

GOOD = dump_text("Mar 1", ["Title\n\nAbstract."])


def test_txt_in_any_case_and_no_folders(tmp_path):
    for name in ("b.TXT", "a.txt", "c.Txt", "notes.md", "x.txt.bak"):
        write_dump(tmp_path, name, GOOD)
    (tmp_path / "folder.txt").mkdir()
    assert [p.name for p in discover_dumps(tmp_path)] == ["a.txt", "b.TXT", "c.Txt"]


def test_a_file_that_cannot_be_opened_is_refused_alone(tmp_path, monkeypatch):
    """Root reads any file, so the permission error is injected where the read happens."""
    good, secret = write_dump(tmp_path, "good.txt", GOOD), write_dump(tmp_path, "secret.txt", GOOD)
    real_read = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path.name == "secret.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    frame, refused, _ = read_dump_files(list_dumps([good, secret]).files)
    assert frame["file_name"].to_list() == ["good.txt"]
    assert refused == [{"file": "secret.txt", "reason": "secret.txt: cannot be read: permission denied"}]


def test_a_dump_over_the_size_limit_is_hashed_not_held(tmp_path):
    big = write_dump(tmp_path, "big.txt", GOOD * 40)
    frame, refused, _ = read_dump_files(list_dumps([big]).files, max_bytes=1_000)
    row = frame.row(0, named=True)
    sha = hashlib.sha256(big.read_bytes()).hexdigest()
    assert refused == []
    assert (row["sha256"], row["file_id"], row["text"]) == (sha, file_id_for("big.txt", sha), None)
    assert row["size_bytes"] == big.stat().st_size == 4_600
    assert row["error"] == (
        "4,600 bytes is more than the 0.001 MB limit for one dump (PAPERHOUSE_MAX_DUMP_MB): "
        "a saved listing page is well under 1 MB, and a dump is parsed whole"
    )


def write_latin1_named(folder: Path) -> Path:
    """A dump named `café.txt` in Latin-1: the name's bytes are not UTF-8 (Python holds 0xe9 as U+DCE9)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = os.fsdecode(b"caf\xe9.txt")
    (folder / name).write_bytes(GOOD.encode())
    return folder / name


def test_a_name_that_is_not_utf8_is_refused_alone_by_its_escaped_name(tmp_path):
    bad, good = write_latin1_named(tmp_path), write_dump(tmp_path, "good.txt", GOOD)
    assert [p.name for p in discover_dumps(tmp_path)] == ["caf\udce9.txt", "good.txt"]
    assert stat_dump(good) == list_dumps([good]).files[0]
    assert stat_dump(bad) == {
        "file": "caf\\xe9.txt",
        "reason": "caf\\xe9.txt: cannot be read: the file name is not valid UTF-8 (byte 0xe9 at byte offset 3); "
        "rename the file",
    }
    frame, refused, deferred = read_dump_files(list_dumps([bad, good]).files)
    assert (frame["file_name"].to_list(), refused, deferred) == (["good.txt"], [], [])


def test_text_names_keep_only_utf8_names():
    assert text_names(["café.txt", "caf\udce9.txt", "日本.txt", "\udcff\udcfe.txt"]) == [
        "café.txt",
        "日本.txt",
    ]
    assert shown_name("\udcff\udcfe.txt") == "\\xff\\xfe.txt"


def test_dumps_that_are_not_utf8_are_refused_each_with_its_offset_among_good_ones(tmp_path):
    """The batch is decoded at once; each bad dump, wherever it is, still gets its own message."""
    names = [f"{n:02}.txt" for n in range(11)]
    bad = {
        "00.txt": (b"\xff", 0, "invalid start byte"),
        "04.txt": (b"\xc3(", 5, "invalid continuation byte"),
        "05.txt": (b"\xed\xa0\x80", 7, "invalid continuation byte"),  # a UTF-16 surrogate: not UTF-8
        "10.txt": (b"\xe2\x82", len(GOOD.encode()), "unexpected end of data"),
    }
    for name in names:
        data = GOOD.encode()
        if name in bad:
            insert, offset, _ = bad[name]
            data = data[:offset] + insert + data[offset:]
        write_dump(tmp_path, name, data)
    frame, refused, _ = read_dump_files(list_dumps([tmp_path / name for name in names]).files)
    assert refused == []
    assert frame["file_name"].to_list() == names
    assert frame["error"].to_list() == [
        f"not valid UTF-8 at byte offset {bad[name][1]} ({bad[name][2]})" if name in bad else None
        for name in names
    ]
    assert frame["text"].to_list() == [None if name in bad else GOOD for name in names]
