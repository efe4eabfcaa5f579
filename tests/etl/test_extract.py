"""Finding and reading dumps: any case of `.txt`, one stat per file, unreadable files refused by name."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from etl.extract import discover_dumps, dump_fingerprints, file_id_for, inventory, read_dump_files
from tests.conftest import dump_text, write_dump

GOOD = dump_text("Mar 1", ["Title\n\nAbstract."])


def test_txt_in_any_case_and_no_folders(tmp_path):
    for name in ("b.TXT", "a.txt", "c.Txt", "notes.md", "x.txt.bak"):
        write_dump(tmp_path, name, GOOD)
    (tmp_path / "folder.txt").mkdir()
    assert [p.name for p in discover_dumps(tmp_path)] == ["a.txt", "b.TXT", "c.Txt"]


def test_a_link_loop_and_a_dangling_link_are_listed_and_refused_by_name(tmp_path):
    write_dump(tmp_path, "good.txt", GOOD)
    os.symlink(tmp_path / "loop.txt", tmp_path / "loop.txt")
    os.symlink(tmp_path / "gone", tmp_path / "dangling.txt")
    paths = discover_dumps(tmp_path)
    assert [p.name for p in paths] == ["dangling.txt", "good.txt", "loop.txt"]
    files, refused = inventory(paths)
    assert [f.path.name for f in files] == ["good.txt"]
    assert refused == [
        {"file": "dangling.txt", "reason": "dangling.txt: cannot be read: no such file or directory"},
        {
            "file": "loop.txt",
            "reason": "loop.txt: cannot be read: too many levels of symbolic links (a symbolic link loop)",
        },
    ]


def test_a_file_that_cannot_be_opened_is_refused_alone(tmp_path, monkeypatch):
    """Root reads any file, so the permission error is injected where the read happens."""
    good, secret = write_dump(tmp_path, "good.txt", GOOD), write_dump(tmp_path, "secret.txt", GOOD)
    real_read = Path.read_bytes

    def read_bytes(path: Path) -> bytes:
        if path.name == "secret.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    frame, refused = read_dump_files([good, secret])
    assert frame["file_name"].to_list() == ["good.txt"]
    assert refused == [{"file": "secret.txt", "reason": "secret.txt: cannot be read: permission denied"}]


def test_a_dump_over_the_size_limit_is_hashed_not_held(tmp_path):
    big = write_dump(tmp_path, "big.txt", GOOD * 40)
    frame, refused = read_dump_files([big], max_bytes=1_000)
    row = frame.row(0, named=True)
    sha = hashlib.sha256(big.read_bytes()).hexdigest()
    assert refused == []
    assert (row["sha256"], row["file_id"], row["text"]) == (sha, file_id_for("big.txt", sha), None)
    assert row["size_bytes"] == big.stat().st_size == 4_600
    assert row["error"] == (
        "4,600 bytes is more than the 0.001 MB limit for one dump (PAPERHOUSE_MAX_DUMP_MB): "
        "a saved listing page is well under 1 MB, and a dump is parsed whole"
    )


def test_fingerprints_leave_out_what_cannot_be_read(tmp_path):
    write_dump(tmp_path, "good.txt", GOOD)
    os.symlink(tmp_path / "loop.txt", tmp_path / "loop.txt")
    prints = dump_fingerprints(discover_dumps(tmp_path), {})
    assert list(prints) == ["good.txt"]
    assert prints["good.txt"]["sha256"] == hashlib.sha256(GOOD.encode()).hexdigest()
