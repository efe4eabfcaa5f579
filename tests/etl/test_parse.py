"""Parsing: every card shape, positions and line numbers, and the bundled sample's figures."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from etl.extract import discover_dumps, read_dumps
from etl.parse import ParsedDumps, parse_dumps
from tests.conftest import DATA_DIR, SAMPLE_DIR, dump_text, write_dump

TODAY = dt.date(2026, 12, 1)
CARD = "Paper\n\nAbstract.\n\n"  # + the card's three lines, lines 15 to 17 of the dump


def parse_folder(folder: Path, listing_year: int | None = None, today: dt.date = TODAY) -> ParsedDumps:
    """Read and parse every dump of a folder against a fixed clock."""
    return parse_dumps(read_dumps(discover_dumps(folder)), listing_year, today)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> ParsedDumps:
    """The bundled sample, saved on 2027-03-01 (12:00 UTC) and parsed that day."""
    folder = tmp_path_factory.mktemp("sample") / "raw"
    shutil.copytree(SAMPLE_DIR, folder)
    saved = dt.datetime(2027, 3, 1, 12, tzinfo=dt.UTC).timestamp()
    for path in folder.iterdir():
        os.utime(path, (saved, saved))
    return parse_folder(folder, today=dt.date(2027, 3, 1))


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    folder = tmp_path_factory.mktemp("cards")
    shutil.copy(DATA_DIR / "2025-11-04_cards.txt", folder)
    parsed = parse_folder(folder)
    assert parsed.files["error"].to_list() == [None]
    return parsed.entries


@pytest.mark.parametrize(
    ("position", "title_line", "authors", "org", "card_text", "card_date", "upvotes"),
    [
        (1, 13, 3, None, "Nov 15, 2023", dt.date(2023, 11, 15), 0),
        (2, 21, None, ("nvidia", "NVIDIA"), "May 21", dt.date(2025, 5, 21), 12),
        (3, 29, None, None, None, None, None),
        (4, 33, 1, None, "Dec 25", dt.date(2024, 12, 25), 0),
        (5, 41, 12, None, "Jun 6, 2024", dt.date(2024, 6, 6), 7),
    ],
)
def test_card_shapes(cards, position, title_line, authors, org, card_text, card_date, upvotes):
    row = cards.filter(pl.col("position") == position).row(0, named=True)
    assert row["title_line"] == title_line
    assert row["author_count"] == authors
    assert (row["organization_handle"], row["organization_name"]) == (org or (None, None))
    assert row["card_date_text"] == card_text
    assert row["card_date"] == card_date
    assert row["upvotes"] == upvotes
    assert row["has_card"] is (card_text is not None)
    assert row["listing_date"] == dt.date(2025, 11, 4)


def test_titles_and_abstracts_are_whole_lines(cards):
    first = cards.row(0, named=True)
    assert first["title"] == "RAFT: Reward rAnked FineTuning for Generative Foundation Model Alignment"
    assert first["abstract"] == "We align models by ranking rewards; code at https://github.com/x/raft."


def test_bundled_sample_figures(sample):
    parsed = sample
    entries = parsed.entries
    assert parsed.files.height == 5
    assert parsed.files["error"].null_count() == 5
    assert entries.height == 451
    assert int(entries["has_card"].sum()) == 275
    assert entries["organization_handle"].drop_nulls().len() == 4
    assert entries["organization_handle"].drop_nulls().n_unique() == 3
    assert entries.filter(pl.col("has_card"))["card_date"].null_count() == 0
    assert (
        entries.filter(~pl.col("has_card"))["upvotes"].null_count()
        == entries.filter(~pl.col("has_card")).height
    )
    assert entries.select(pl.col("title").str.len_chars().min()).item() > 0
    assert entries.select(pl.col("abstract").str.len_chars().min()).item() > 0


def test_every_sample_entry_starts_at_a_title_line(sample):
    parsed = sample
    for name in sorted(p.name for p in SAMPLE_DIR.glob("*.txt")):
        lines = (SAMPLE_DIR / name).read_text(encoding="utf-8").split("\n")
        rows = parsed.entries.filter(pl.col("file_name") == name)
        for title, line in rows.select("title", "title_line").iter_rows():
            assert lines[line - 1].strip() == title


def test_positions_are_dense_per_file(sample):
    entries = sample.entries
    check = entries.group_by("file_id").agg(
        n=pl.len(), lo=pl.col("position").min(), hi=pl.col("position").max()
    )
    assert (check["lo"] == 1).all()
    assert (check["hi"] == check["n"]).all()


def test_empty_listing_is_valid(tmp_path: Path):
    write_dump(tmp_path, "2025-01-02_empty.txt", dump_text("Jan 2", []))
    parsed = parse_folder(tmp_path)
    assert parsed.files.row(0, named=True)["error"] is None
    assert parsed.files.row(0, named=True)["entries"] == 0
    assert parsed.entries.height == 0


@pytest.mark.parametrize("head", ["• -3 authors", "• 1.5k authors", "•", "• many authors", "•3.0 authors"])
def test_a_bullet_that_is_not_an_author_count_is_refused(tmp_path, head):
    write_dump(tmp_path, "2025-11-04.txt", dump_text("Nov 4", [CARD + f"  {head}\n·\nJun 6"]))
    parsed = parse_folder(tmp_path)
    assert parsed.files["error"].to_list() == [
        f"2025-11-04.txt, line 15: expected '• N authors' or an organization line, found '{head}'"
    ]
    assert parsed.entries.height == 0


@pytest.mark.parametrize(
    ("card", "error"),
    [
        (
            "  • 2 authors\n·\nJun 6 3000000000",
            "line 17: upvote count 3000000000 is out of range (at most 2147483647)",
        ),
        (
            "  • 2 authors\n·\nJun 6 2147483648",
            "line 17: upvote count 2147483648 is out of range (at most 2147483647)",
        ),
        (
            "  • 99999999999 authors\n·\nJun 6",
            "line 15: author count 99999999999 is out of range (at most 2147483647)",
        ),
        (
            "  • 2147483648 authors\n·\nJun 6",
            "line 15: author count 2147483648 is out of range (at most 2147483647)",
        ),
    ],
)
def test_a_count_that_does_not_fit_refuses_only_its_dump(tmp_path, card, error):
    write_dump(tmp_path, "2025-11-04_big.txt", dump_text("Nov 4", [CARD + card]))
    write_dump(tmp_path, "2025-11-05_fine.txt", dump_text("Nov 5", [CARD + "  • 2 authors\n·\nJun 6 2"]))
    parsed = parse_folder(tmp_path)
    files = parsed.files.join(
        read_dumps(discover_dumps(tmp_path)).select("file_id", "file_name"), on="file_id"
    )
    assert files.sort("file_name").select("file_name", "entries", "error").rows() == [
        ("2025-11-04_big.txt", None, f"2025-11-04_big.txt, {error}"),
        ("2025-11-05_fine.txt", 1, None),
    ]
    assert parsed.entries.select("file_name", "upvotes", "author_count").rows() == [
        ("2025-11-05_fine.txt", 2, 2)
    ]


def test_the_largest_counts_that_fit_are_kept(tmp_path):
    write_dump(
        tmp_path, "2025-11-04.txt", dump_text("Nov 4", [CARD + "  • 2147483647 authors\n·\nJun 6 2147483647"])
    )
    entries = parse_folder(tmp_path).entries
    assert entries.select("author_count", "upvotes").rows() == [(2147483647, 2147483647)]


@pytest.mark.parametrize(
    ("second_header", "line", "marker"),
    [
        (None, 24, "Get trending papers in your email inbox!"),
        ("new\n\nbyAK and the research community\n\nNov 5\n\n", 24, "byAK and the research community"),
    ],
)
def test_two_dumps_in_one_file_are_refused(tmp_path, second_header, line, marker):
    first = dump_text("Nov 4", ["One\n\nFirst.", CARD + "  • 2 authors\n·\nNov 3"])
    second = dump_text("Nov 5", ["Two\n\nSecond."])
    if second_header is not None:
        second = second_header + "Two\n\nSecond.\n"
    write_dump(tmp_path, "2025-11-05.txt", first + second)
    parsed = parse_folder(tmp_path)
    assert parsed.files["error"].to_list() == [
        f"2025-11-05.txt, line {line}: a second page header ('{marker}'): two dumps in one file?"
    ]
    assert parsed.entries.height == 0


def test_date_ids_are_yyyymmdd():
    from etl.dates import date_dimension

    dims = date_dimension(pl.Series([dt.date(2023, 5, 18), dt.date(2024, 12, 31), None]))
    assert dims["date_id"].to_list() == [20230518, 20241231]
    assert dims.row(0, named=True) | {} == {
        "date_id": 20230518,
        "date": dt.date(2023, 5, 18),
        "year": 2023,
        "quarter": 2,
        "month": 5,
        "month_name": "May",
        "day": 18,
        "day_of_week": 4,
        "day_name": "Thursday",
        "iso_year": 2023,
        "iso_week": 20,
        "year_month": "2023-05",
        "is_weekend": False,
    }


NO_LISTING = "expected a listing date such as 'Nov 4' after the page header, found"
SPLIT = "which reads like abstract text: an abstract split into paragraphs? (titles and abstracts cannot be paired)"


@pytest.mark.parametrize(
    ("after_header", "error"),
    [
        # The card date would pass for the listing date and the title for part of the header.
        ("First\n\nFirst abstract.\n\n  • 7 authors\n·\nNov 15, 2023\n", f"line 9: {NO_LISTING} 'First'"),
        ("Daily Papers\n\nTitle\n\nNov 4\n\nAbstract.\n", f"line 11: {NO_LISTING} 'Title'"),
        ("", f"line 7: {NO_LISTING} none"),
    ],
)
def test_a_header_without_its_listing_date_is_refused(tmp_path, after_header, error):
    from tests.conftest import HEADER

    write_dump(tmp_path, "2025-11-04.txt", HEADER + after_header)
    parsed = parse_folder(tmp_path)
    assert parsed.files.select("error", "listing_date").rows() == [(f"2025-11-04.txt, {error}", None)]
    assert parsed.entries.height == 0


def test_header_lines_between_the_marker_and_the_listing_date_are_allowed(tmp_path):
    text = (
        "Get trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\nnew\n\nNov 4\n\nT\n\nA.\n"
    )
    write_dump(tmp_path, "2025-11-04.txt", text)
    parsed = parse_folder(tmp_path)
    assert parsed.files.select("error", "listing_date").rows() == [(None, dt.date(2025, 11, 4))]
    assert parsed.entries.select("title_line", "title").rows() == [(11, "T")]


@pytest.mark.parametrize(
    ("blocks", "line", "found"),
    [
        # Two split abstracts: the pairs would be (part 2, Title B) and (B part 1, B part 2), in step.
        (
            ["Title A\n\nA part 1.\n\nA part 2.", "Title B\n\nB part 1.\n\nB part 2.", "Title C\n\nC."],
            15,
            "A part 2.",
        ),
        # One split: an odd number of blocks, refused where the shift starts, not at the last title.
        (["Title A\n\nA part 1.\n\nA part 2.", "Title B\n\nB.", "Title C\n\nC."], 15, "A part 2."),
        # A second paragraph ending with a URL, or one too long for a title.
        (["T\n\nA.\n\nCode: https://github.com/o/r", "U\n\nB."], 15, "Code: https://github.com/o/r"),
        (["T\n\nA.\n\n" + "x" * 401, "U\n\nB."], 15, "x" * 60),
        # Three paragraphs: the pairing is back in step after a bogus entry (part 2, part 3).
        (["T\n\nA.\n\nPart 2.\n\nPart 3.", "U\n\nB."], 15, "Part 2."),
        # In an entry with a card: the card follows an even number of texts, yet (part 2, part 3) is no paper.
        (["T\n\nA.\n\nPart 2.\n\nPart 3.\n\n  • 2 authors\n·\nNov 3"], 15, "Part 2."),
    ],
)
def test_an_abstract_split_into_paragraphs_is_refused_where_the_pairing_breaks(tmp_path, blocks, line, found):
    write_dump(tmp_path, "2025-11-04.txt", dump_text("Nov 4", blocks))
    parsed = parse_folder(tmp_path)
    assert parsed.files["error"].to_list() == [
        f"2025-11-04.txt, line {line}: expected a title, found '{found}', {SPLIT}"
    ]
    assert parsed.entries.height == 0


@pytest.mark.parametrize("title", ["Is it all you need?", "Wait...", "Ends with U.S", "x" * 400])
def test_titles_that_read_like_titles_still_pair(tmp_path, title):
    write_dump(tmp_path, "2025-11-04.txt", dump_text("Nov 4", [f"{title}\n\nAbstract."]))
    parsed = parse_folder(tmp_path)
    assert parsed.files["error"].to_list() == [None]
    assert parsed.entries.select("title", "abstract").rows() == [(title, "Abstract.")]


def test_a_paragraph_ending_with_a_colon_is_split_from_the_next_even_without_a_full_stop(tmp_path):
    blocks = [
        "Title A\n\nWe make two contributions:\n\na new method and a benchmark (see appendix)",
        "Title B\n\nWe study B in two settings:\n\nsupervised and unsupervised (both hard)",
        "Title C\n\nAbstract C.",
    ]
    write_dump(tmp_path, "2025-11-04.txt", dump_text("Nov 4", blocks))
    parsed = parse_folder(tmp_path)
    assert parsed.files["error"].to_list() == [
        "2025-11-04.txt, line 15: expected a title, found 'a new method and a benchmark (see appendix)' after "
        "a paragraph that ends with ':': an abstract split into paragraphs? (titles and abstracts cannot be paired)"
    ]
    assert parsed.entries.height == 0
