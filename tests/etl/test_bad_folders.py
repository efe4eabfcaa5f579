"""A folder mixing good dumps with every kind of bad item: each bad one is refused by name, alone."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.cli import EXIT_OK, EXIT_REJECTED, main
from etl.warehouse import warehouse_engine
from tests.conftest import HEADER, dump_text, snapshot

TODAY = dt.date(2026, 12, 1)
GOOD = {
    f"2025-02-{i + 1:02d}_good.txt": dump_text(
        f"Feb {i + 1}",
        [f"Good {i}\n\nGood abstract {i}.", f"Shared\n\nShared abstract.\n\n  • 3 authors\n·\nJan {i + 1} 7"],
    )
    for i in range(4)
}
# name -> how to make it: bytes to write, or a callable that makes the entry in a folder.
BAD: dict[str, object] = {
    "empty.txt": b"",
    "picture.txt": b"\x89PNG\r\n\x1a\n" + bytes(40),
    "2025-03-01_cut.txt": dump_text("Mar 1", ["Title\n\nAbstract.", "Cut off title"]),
    "2025-03-02_cat.txt": dump_text("Mar 2", ["A\n\nB."]) + dump_text("Mar 3", ["C\n\nD."]),
    "2025-03-04_minus.txt": dump_text("Mar 4", ["T\n\nA.\n\n  • -3 authors\n·\nMar 1"]),
    "2025-03-05_upvotes.txt": dump_text("Mar 5", ["T\n\nA.\n\n  • 3 authors\n·\nMar 1 3000000000"]),
    "2025-03-06_authors.txt": dump_text("Mar 6", ["T\n\nA.\n\n  • 99999999999 authors\n·\nMar 1"]),
    "2099-01-01_future.txt": dump_text("Jan 1", ["T\n\nA."]),
    "2025-03-07_year0.txt": dump_text("Mar 7", ["T\n\nA.\n\n  • 2 authors\n·\nNov 15, 0000"]),
    "2025-03-08_future_card.txt": dump_text("Mar 8", ["T\n\nA.\n\n  • 2 authors\n·\nNov 15, 2099"]),
    "LOUD.TXT": HEADER + "Mar 9\n\nAn upper-case name is a dump too: this title is cut off",
    "loop.txt": lambda folder: os.symlink(folder / "loop.txt", folder / "loop.txt"),
    "dangling.txt": lambda folder: os.symlink(folder / "nowhere", folder / "dangling.txt"),
    "2025-03-10_big.txt": dump_text("Mar 10", [f"Big {i}\n\nBig abstract {i}." for i in range(400)]),
}
MAX_DUMP_MB = "0.005"  # the big one is over it, every other one under


def make(folder: Path, name: str, content: object) -> None:
    if callable(content):
        content(folder)
    else:
        (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode())


def load(raw: Path, warehouse: Path) -> tuple[int, dict]:
    out = Path(str(warehouse) + ".out.json")
    with (
        mock.patch("etl.clock.today", lambda: TODAY),
        mock.patch.dict(os.environ, {"PAPERHOUSE_MAX_DUMP_MB": MAX_DUMP_MB}),
        mock.patch("sys.stdout", new=out.open("w")) as stdout,
    ):
        code = main(["load", str(raw), "--warehouse", str(warehouse), "--json"])
        stdout.close()
    return code, json.loads(out.read_text())


def loaded_rows(warehouse: Path) -> dict[str, list[tuple]]:
    """Every table's rows, with the source_files rows of refused dumps left out."""
    engine = warehouse_engine(warehouse, read_only=True)
    rows = snapshot(engine)
    engine.dispose()
    rows["source_files"] = [r for r in rows["source_files"] if "rejected" not in r]
    return rows


def test_every_bad_kind_is_refused_on_its_own(tmp_path):
    """Each bad item alone: it is the only refusal, with its own reason (pinned by kind)."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, content in BAD.items():
        make(raw, name, content)
    code, report = load(raw, tmp_path / "w.duckdb")
    reasons = {r["file"]: r["reason"] for r in report["files_rejected"]}
    assert code == EXIT_REJECTED and sorted(reasons) == sorted(BAD)
    assert reasons["2025-03-02_cat.txt"].endswith("two dumps in one file?")
    assert "upvote count 3000000000 is out of range" in reasons["2025-03-05_upvotes.txt"]
    assert "which is after today (2026-12-01)" in reasons["2099-01-01_future.txt"]
    assert (
        reasons["loop.txt"]
        == "loop.txt: cannot be read: too many levels of symbolic links (a symbolic link loop)"
    )
    assert reasons["2025-03-10_big.txt"].startswith(
        "2025-03-10_big.txt: 11,078 bytes is more than the 0.005 MB limit"
    )
    assert report["files_loaded"] == 0 and report["warehouse_rows"]["papers"] == 0


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    good=st.sets(st.sampled_from(sorted(GOOD)), min_size=1),
    bad=st.sets(st.sampled_from(sorted(BAD)), min_size=1),
)
def test_a_mixed_folder_loads_exactly_its_good_dumps(tmp_path, good, bad):
    case = tmp_path / f"case-{len(list(tmp_path.iterdir()))}"
    mixed, alone = case / "mixed", case / "alone"
    mixed.mkdir(parents=True), alone.mkdir()
    for name in good:
        make(mixed, name, GOOD[name])
        shutil.copy2(mixed / name, alone / name)  # the same modification time, recorded in source_files
    for name in bad:
        make(mixed, name, BAD[name])
    code, report = load(mixed, case / "mixed.duckdb")
    assert code == EXIT_REJECTED
    assert sorted(r["file"] for r in report["files_rejected"]) == sorted(bad)
    assert report["files_loaded"] == len(good)
    reference_code, _ = load(alone, case / "alone.duckdb")
    assert reference_code == EXIT_OK
    assert loaded_rows(case / "mixed.duckdb") == loaded_rows(case / "alone.duckdb")
    again, report = load(mixed, case / "mixed.duckdb")  # refused files stay refused, by name, every run
    assert again == EXIT_REJECTED and sorted(r["file"] for r in report["files_rejected"]) == sorted(bad)
    shutil.rmtree(case)
