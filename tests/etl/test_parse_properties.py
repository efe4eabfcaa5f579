"""Properties: any list of entries, rendered into the dump format in any messy way, parses back;
a listing year from the file's modification time is the latest listing date the file could be saved on."""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from etl.extract import discover_dumps, read_dumps
from etl.parse import (
    AUTHORS_RE,
    CARD_DOT,
    CLOCK_SKEW,
    EARLIEST_LISTING_YEAR,
    MAX_TITLE_CHARS,
    MONTHS,
    SECOND_HEADER_MARKERS,
    ParsedDumps,
    parse_dumps,
)
from tests.conftest import HEADER, dump_text

LISTING = dt.date(2025, 11, 4)
TODAY = dt.date(2026, 12, 1)
# Control characters cannot be part of a line; unassigned code points normalize differently
# across Unicode versions; surrogates are not text.
LINE_CHARS = st.characters(blacklist_categories=("Cc", "Cs", "Cn"))


def clean(text: str) -> str:
    """What the parser keeps of a line: no-break spaces as spaces, stripped, NFC."""
    return unicodedata.normalize("NFC", text.replace("\u00a0", " ").strip())


def is_visible(text: str) -> bool:
    """Whether a line has a character other than whitespace and invisible format characters (Cf)."""
    return any(not (c.isspace() or unicodedata.category(c) == "Cf") for c in text)


def is_content_line(text: str) -> bool:
    kept = clean(text)
    return is_visible(kept) and kept != CARD_DOT and kept not in SECOND_HEADER_MARKERS


def parse_folder(folder: Path, today: dt.date = TODAY) -> ParsedDumps:
    """Read and parse every dump of a folder against a fixed clock."""
    return parse_dumps(read_dumps(discover_dumps(folder)), None, today)


def reads_like_title(text: str) -> bool:
    """No full stop at the end, no URL, not paragraph-long: a title the parser pairs with confidence."""
    kept = clean(text)
    return not re.search(r"[^.]\.$", kept) and "://" not in kept and len(kept) <= MAX_TITLE_CHARS


title_text = st.text(LINE_CHARS, min_size=1, max_size=80).filter(
    lambda t: is_content_line(t) and not re.search(AUTHORS_RE, clean(t)) and reads_like_title(t)
)
# An abstract never ends on a colon: a paragraph that does was split from the next one.
abstract_text = st.text(LINE_CHARS, min_size=1, max_size=300).filter(
    lambda t: is_content_line(t) and not clean(t).endswith(":")
)
handle = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,20}", fullmatch=True)
org_name = st.text(LINE_CHARS, min_size=1, max_size=30).filter(lambda t: is_visible(clean(t)))


@st.composite
def cards(draw):
    head_kind = draw(st.sampled_from(["authors", "organization"]))
    if head_kind == "authors":
        n = draw(st.integers(1, 300))
        head = f"  • {n} author{'s' if n != 1 else ''}"
        fields = {"author_count": n, "organization_handle": None, "organization_name": None}
    else:
        h, name = draw(handle), draw(org_name)
        head = f"{h} {name}"
        fields = {"author_count": None, "organization_handle": h, "organization_name": clean(name)}
    dated = draw(st.booleans())
    if dated:
        day = draw(st.dates(dt.date(1990, 1, 1), dt.date(2025, 12, 31)))
        text = f"{MONTHS[day.month - 1]} {day.day}, {day.year}"
    else:
        month, dom = draw(st.integers(1, 12)), draw(st.integers(1, 28))
        year = LISTING.year if (month, dom) <= (LISTING.month, LISTING.day) else LISTING.year - 1
        day = dt.date(year, month, dom)
        text = f"{MONTHS[month - 1]} {dom}"
    count = draw(st.none() | st.integers(0, 5000))
    line = text if count is None else f"{text} {count}"
    fields |= {"card_date_text": text, "card_date": day, "upvotes": count or 0}
    return [head, CARD_DOT, line], fields


@st.composite
def entries(draw):
    title, abstract = draw(title_text), draw(abstract_text)
    card = draw(st.none() | cards())
    expected = {"title": clean(title), "abstract": clean(abstract)}
    if card is None:
        expected |= {
            "author_count": None,
            "organization_handle": None,
            "organization_name": None,
            "card_date_text": None,
            "card_date": None,
            "upvotes": None,
        }
        return [title, abstract], expected
    lines, fields = card
    return [title, abstract, *lines], expected | fields


@st.composite
def dumps(draw):
    listed = draw(st.lists(entries(), max_size=12))
    if listed:
        listed += draw(st.lists(st.sampled_from(listed), max_size=3))  # the same paper listed again
    padding = st.sampled_from(["", " ", "\t", "\u00a0", "  \t"])
    blank = draw(st.sampled_from(["\n\n", "\n\n\n", "\n \n\t\n", "\n\u200b\n", "\n\ufeff \u2060\n\n"]))
    blocks = []
    for lines, _ in listed:
        title, abstract, *card = (draw(padding) + line + draw(padding) for line in lines)
        blocks.append(title + blank + abstract + (blank + "\n".join(card) if card else ""))
    text = HEADER + "Nov 4" + blank + blank.join(blocks)
    if draw(st.booleans()):
        text += "\n"
    text = text.replace("\n", draw(st.sampled_from(["\n", "\r\n", "\r"])))
    if draw(st.booleans()):
        text = "\ufeff" + text
    return text, [expected for _, expected in listed]


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(dumps())
def test_rendered_entries_parse_back(tmp_path, dump):
    text, expected = dump
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    (folder / "2025-11-04_generated.txt").write_bytes(text.encode("utf-8"))
    parsed = parse_folder(folder)
    assert parsed.files["error"].to_list() == [None]
    got = parsed.entries.drop("file_id", "file_name", "title_line", "has_card", "listing_date").to_dicts()
    assert got == [{"position": i + 1} | e for i, e in enumerate(expected)]


def latest_listing_date(month: int, day: int, saved: dt.date) -> dt.date:
    """The latest date with this month and day on or before the day after `saved` (brute force)."""
    limit = saved + CLOCK_SKEW
    return max(
        dt.date(year, month, day)
        for year in range(limit.year - 8, limit.year + 1)
        if (month, day) != (2, 29) or calendar.isleap(year)
        if dt.date(year, month, day) <= limit
    )


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    listed=st.dates(dt.date(2024, 1, 1), dt.date(2024, 12, 31)),  # a leap year: Feb 29 included
    saved=st.datetimes(dt.datetime(2022, 1, 1), dt.datetime(2099, 12, 31, 23, 59, 59)),
)
@example(listed=dt.date(2024, 2, 29), saved=dt.datetime(2100, 3, 1, 12))  # 2100 is not a leap year
@example(listed=dt.date(2024, 2, 29), saved=dt.datetime(2028, 2, 28, 23, 59))  # within the skew
@example(listed=dt.date(2024, 2, 29), saved=dt.datetime(2023, 6, 1))  # 2020: before the site
@example(listed=dt.date(2024, 1, 1), saved=dt.datetime(2026, 12, 31, 0, 0))  # across the new year
def test_year_from_mtime_is_the_latest_listing_date_before_the_save(tmp_path, listed, saved):
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    path = folder / "page.txt"
    listing_text = f"{MONTHS[listed.month - 1]} {listed.day}"
    path.write_bytes(dump_text(listing_text, ["Plain\n\nNo card."]).encode("utf-8"))
    stamp = saved.replace(tzinfo=dt.UTC).timestamp()
    os.utime(path, (stamp, stamp))
    parsed = parse_folder(folder, today=saved.date())
    row = parsed.files.row(0, named=True)
    expected = latest_listing_date(listed.month, listed.day, saved.date())
    assert row["listing_year_rule"] == "file_mtime"
    if expected.year < EARLIEST_LISTING_YEAR:
        assert row["error"] == (
            f"page.txt, line 9: listing date '{listing_text}' resolves to year {expected.year} "
            "(year from the file's modification time), before 2022, when Daily Papers did not exist; "
            "name the file YYYY-MM-DD*.txt or pass --listing-year"
        )
        return
    assert row["error"] is None
    assert row["listing_date"] == expected
    limit = saved.date() + CLOCK_SKEW
    assert row["listing_date"] <= limit
    if (listed.month, listed.day) != (2, 29):
        assert row["listing_date"] > limit - dt.timedelta(days=366)
    else:  # the latest Feb 29: no later leap year's Feb 29 is on or before the limit
        assert all(
            dt.date(year, 2, 29) > limit
            for year in range(row["listing_date"].year + 1, limit.year + 1)
            if calendar.isleap(year)
        )


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    listed=st.lists(st.tuples(title_text, abstract_text), min_size=1, max_size=8),
    data=st.data(),
)
def test_a_split_abstract_is_refused_at_its_second_paragraph(tmp_path, listed, data):
    """Whatever the entries around it, a second paragraph is refused where it stands, never paired."""
    split = data.draw(st.integers(0, len(listed) - 1))
    second = data.draw(abstract_text).strip() + data.draw(
        st.sampled_from([" Part two.", " See https://x.org/y"])
    )
    blocks = [f"{title}\n\n{abstract}" for title, abstract in listed]
    blocks[split] += "\n\n" + second
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    (folder / "2025-11-04_split.txt").write_bytes(dump_text("Nov 4", blocks).encode("utf-8"))
    parsed = parse_folder(folder)
    # Each line of text is followed by a blank line; the first title is line 11.
    line = 11 + 2 * (2 * split + 2)
    assert (
        parsed.files["error"]
        .to_list()[0]
        .startswith(f"2025-11-04_split.txt, line {line}: expected a title, found '")
    )
    assert parsed.entries.height == 0
