"""Dumps as people and scrapers really save them: read right, or refused whole with file and line."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import polars as pl
import pytest

from etl.extract import discover_dumps, read_dumps
from etl.parse import ParsedDumps, parse_dumps
from etl.pipeline import load_folder
from tests.conftest import DATA_DIR, dump_text, snapshot, write_dump

TODAY = dt.date(2026, 12, 1)

READING = sorted((DATA_DIR / "reading").glob("*.txt"))
CLEAN = DATA_DIR / "reading" / "2025-11-04_clean.txt"
COMPARED = [
    "position",
    "title_line",
    "title",
    "abstract",
    "has_card",
    "author_count",
    "organization_handle",
    "organization_name",
    "card_date_text",
    "card_date",
    "upvotes",
    "listing_date",
]


def parse_folder(folder: Path, listing_year: int | None = None, today: dt.date = TODAY) -> ParsedDumps:
    """Read and parse every dump of a folder against a fixed clock."""
    return parse_dumps(read_dumps(discover_dumps(folder)), listing_year, today)


def parse_one(path: Path, tmp_path: Path):
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    shutil.copy(path, folder / path.name)
    return parse_folder(folder)


@pytest.mark.parametrize("path", READING, ids=lambda p: p.stem.removeprefix("2025-11-04_"))
def test_messy_encodings_of_a_dump_read_like_the_clean_form(path, tmp_path):
    clean = parse_one(CLEAN, tmp_path)
    messy = parse_one(path, tmp_path)
    assert messy.files["error"].to_list() == [None]
    drop_line = ["title_line"] if "blank" in path.stem else []  # extra blank lines move line numbers
    columns = [c for c in COMPARED if c not in drop_line]
    assert messy.entries.select(columns).equals(clean.entries.select(columns))


# Whitespace or invisible format characters only: a blank line, wherever it is.
INVISIBLE = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\u180e",
    "\u3000",
    "\u2028",
    " \u200b\t",
]


@pytest.mark.parametrize("blank", INVISIBLE, ids=lambda c: "+".join(f"U+{ord(x):04X}" for x in c))
def test_a_line_of_invisible_characters_is_blank(tmp_path, blank):
    blocks = ["First title\n\nFirst abstract.", blank, "Second title\n" + blank + "\nSecond abstract."]
    write_dump(tmp_path, "2025-11-04.txt", dump_text("Nov 4", blocks))
    parsed = parse_folder(tmp_path)
    assert parsed.files["error"].to_list() == [None]
    assert parsed.entries.select("title_line", "title", "abstract").rows() == [
        (11, "First title", "First abstract."),
        (17, "Second title", "Second abstract."),
    ]


def test_invisible_characters_inside_text_are_kept(tmp_path):
    write_dump(
        tmp_path, "2025-11-04.txt", dump_text("Nov 4", ["\u200bZero\u00adwidth\n\nAbs\u2060tract.\ufeff"])
    )
    entries = parse_folder(tmp_path).entries
    assert entries.select("title", "abstract").rows() == [("\u200bZero\u00adwidth", "Abs\u2060tract.\ufeff")]


def test_unicode_text_is_kept_exactly(tmp_path):
    entries = parse_one(CLEAN, tmp_path).entries
    assert entries["title"][0] == "TÜLU 3: Pushing Frontiers in Open Language Model Post-Training"
    assert "∑ $x^2$ maths, Greek αβγ, CJK 中文 and emoji 🚀" in entries["abstract"][0]
    assert "a backslash \\ and *stars*" in entries["abstract"][1]


def test_lookalike_text_in_an_abstract_is_not_a_card(tmp_path):
    entries = parse_one(CLEAN, tmp_path).entries
    row = entries.row(1, named=True)
    assert row["abstract"].startswith("This abstract mentions Nov 4 and a · dot and • 3 authors")
    assert (row["organization_handle"], row["card_date_text"], row["upvotes"]) == ("nvidia", "Mar 3", 0)
    assert entries.height == 3


def test_nfc_is_applied_to_decomposed_text(tmp_path):
    decomposed = "Cafe\u0301 Models\n\nNai\u0308ve abstract."
    write_dump(tmp_path, "2025-01-01.txt", dump_text("Jan 1", [decomposed]))
    row = parse_folder(tmp_path).entries.row(0, named=True)
    assert (row["title"], row["abstract"]) == ("Café Models", "Naïve abstract.")


def test_header_only_listing_is_valid_and_empty(tmp_path):
    parsed = parse_one(DATA_DIR / "2025-11-04_header_only.txt", tmp_path)
    assert parsed.files.select("error", "entries").row(0) == (None, 0)


def test_very_long_abstract(tmp_path):
    abstract = ("Long abstract sentence with https://github.com/a/b. " * 2000)[:100_000]
    write_dump(tmp_path, "2025-01-01.txt", dump_text("Jan 1", ["Long\n\n" + abstract.strip()]))
    entries = parse_folder(tmp_path).entries
    assert entries["abstract"][0] == abstract.strip()


@pytest.mark.slow
def test_large_dump(tmp_path):
    block = (
        "Title {i}\n\n"
        + "An abstract of moderate length about models and data. " * 20
        + "\n\n  • 3 authors\n·\nMay {d}"
    )
    blocks = [block.format(i=i, d=i % 28 + 1) for i in range(60_000)]
    path = write_dump(tmp_path, "2025-06-01.txt", dump_text("Jun 1", blocks))
    assert path.stat().st_size > 60_000_000
    parsed = parse_folder(tmp_path)
    assert parsed.files["error"].to_list() == [None]
    assert parsed.entries.height == 60_000
    assert parsed.entries["position"].max() == 60_000


REFUSED = {
    "empty.txt": "empty.txt: empty file (0 bytes at byte offset 0)",
    "2025-11-04_cut_title.txt": "2025-11-04_cut_title.txt, line 15: title 'Second title with no abstract' has no abstract (cut off?)",
    "2025-11-04_cut_card.txt": "2025-11-04_cut_card.txt, line 16: card cut off: no date line after '·'",
    "2025-11-04_cut_card_dot.txt": "2025-11-04_cut_card_dot.txt, line 15: card '• 3 authors' has no '·' and date lines (cut off?)",
    "2025-11-04_latin1.txt": "2025-11-04_latin1.txt: not valid UTF-8 at byte offset 101 (invalid continuation byte)",
    "2025-11-04_utf16.txt": "2025-11-04_utf16.txt: not a text dump: the content is UTF-16 text (little-endian byte-order mark); save the dump as UTF-8 (byte offset 0)",
    "picture.txt": "picture.txt: not a text dump: the content is a PNG image (byte offset 0)",
    "table.txt": "table.txt: not a Daily Papers dump: no page header with a listing date such as 'Nov 4' in its first 12 non-blank lines",
    "page.txt": "page.txt: not a Daily Papers dump: no page header with a listing date such as 'Nov 4' in its first 12 non-blank lines",
    "2024-03-01_feb30.txt": "2024-03-01_feb30.txt, line 17: card date 'Feb 30, 2024' does not exist",
    "2025-11-04_card_after_title.txt": "2025-11-04_card_after_title.txt, line 11: title 'Title only' has no abstract (cut off?)",
    "2025-11-04_upvotes_overflow.txt": "2025-11-04_upvotes_overflow.txt, line 17: upvote count 3000000000 is out of range (at most 2147483647)",
    "2025-11-04_authors_overflow.txt": "2025-11-04_authors_overflow.txt, line 15: author count 99999999999 is out of range (at most 2147483647)",
    "2025-11-04_bullet_not_a_count.txt": "2025-11-04_bullet_not_a_count.txt, line 15: expected '• N authors' or an organization line, found '• -3 authors'",
    "2025-11-04_two_dumps.txt": "2025-11-04_two_dumps.txt, line 24: a second page header ('Get trending papers in your email inbox!'): two dumps in one file?",
    "2025-11-04_card_year_0000.txt": "2025-11-04_card_year_0000.txt, line 17: card date 'Nov 15, 0000' is before 1990; card dates are arXiv publication dates, and arXiv began in 1991",
    "2025-11-04_no_listing_date.txt": "2025-11-04_no_listing_date.txt, line 9: expected a listing date such as 'Nov 4' after the page header, found 'First title'",
    "2025-11-04_split_abstract.txt": "2025-11-04_split_abstract.txt, line 15: expected a title, found 'Abstract A, second paragraph.', which reads like abstract text: an abstract split into paragraphs? (titles and abstracts cannot be paired)",
    "0000-11-04_year_zero.txt": "0000-11-04_year_zero.txt, line 9: listing date 'Nov 4' resolves to year 0 (year from the file name), before 2022, when Daily Papers did not exist; rename the file: its leading YYYY-MM-DD gives the year, and outranks --listing-year",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_broken_dump_is_refused_with_file_and_line(name, tmp_path):
    parsed = parse_one(DATA_DIR / "refused" / name, tmp_path)
    assert parsed.files["error"].to_list() == [REFUSED[name]]
    assert parsed.entries.height == 0


def test_every_refused_case_has_a_committed_dump():
    assert set(REFUSED) == {p.name for p in (DATA_DIR / "refused").iterdir()}


def test_bad_files_leave_the_warehouse_exactly_as_without_them(tmp_path, engine, sample_dir):
    from etl.warehouse import migrate, warehouse_engine

    mixed = tmp_path / "mixed"
    shutil.copytree(sample_dir, mixed)
    for path in (DATA_DIR / "refused").iterdir():
        shutil.copy(path, mixed / path.name)
    report = load_folder(mixed, engine)
    assert sorted(r["file"] for r in report.files_rejected) == sorted(REFUSED)
    assert {r["reason"] for r in report.files_rejected} == set(REFUSED.values())

    good_only = warehouse_engine(tmp_path / "good.duckdb")
    migrate(good_only)
    load_folder(sample_dir, good_only)
    with_bad, without = snapshot(engine), snapshot(good_only)
    rejected = [row for row in with_bad.pop("source_files") if row[6] == "rejected"]
    assert len(rejected) == len(REFUSED)
    assert [row for row in snapshot(engine)["source_files"] if row[6] != "rejected"] == without.pop(
        "source_files"
    )
    assert with_bad == without
    good_only.dispose()


def test_a_refused_dump_loads_once_fixed(tmp_path, engine):
    raw = tmp_path / "raw"
    write_dump(raw, "2025-01-01.txt", dump_text("Jan 1", ["Fine\n\nFine.", "Cut off"]))
    first = load_folder(raw, engine)
    assert [r["file"] for r in first.files_rejected] == ["2025-01-01.txt"]
    again = load_folder(raw, engine)  # the same bytes are not parsed again, but still reported
    assert (again.files_unchanged, again.files_rejected) == (0, first.files_rejected)
    write_dump(raw, "2025-01-01.txt", dump_text("Jan 1", ["Fine\n\nFine.", "Cut off\n\nNow complete."]))
    fixed = load_folder(raw, engine)
    assert (fixed.files_loaded, fixed.files_rejected, fixed.papers_new) == (1, [], 2)
    statuses = snapshot(engine)["source_files"]
    assert sorted(row[6] for row in statuses) == ["loaded", "superseded"]


def test_a_broken_new_version_keeps_the_old_sightings(tmp_path, engine):
    raw = tmp_path / "raw"
    write_dump(raw, "2025-01-01.txt", dump_text("Jan 1", ["Fine\n\nFine."]))
    load_folder(raw, engine)
    before = {t: r for t, r in snapshot(engine).items() if t != "source_files"}
    write_dump(raw, "2025-01-01.txt", b"\xff\xfe broken")
    report = load_folder(raw, engine)
    assert len(report.files_rejected) == 1
    assert {t: r for t, r in snapshot(engine).items() if t != "source_files"} == before
    assert pl.Series([r[6] for r in snapshot(engine)["source_files"]]).sort().to_list() == [
        "loaded",
        "rejected",
    ]


def test_organization_names_are_nfc_too(tmp_path):
    card = "T\n\nA.\n\nacme \U0002f800 Labs\n·\nJan 1"  # a CJK compatibility ideograph, NFC-mapped
    write_dump(tmp_path, "2025-01-02.txt", dump_text("Jan 2", [card]))
    row = parse_folder(tmp_path).entries.row(0, named=True)
    assert row["organization_name"] == "\u4e3d Labs"
