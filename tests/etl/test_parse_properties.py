"""Property: any list of entries, rendered into the dump format in any messy way, parses back."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl.parse import AUTHORS_RE, CARD_DOT, MONTHS
from tests.conftest import HEADER, parse_folder

LISTING = dt.date(2025, 11, 4)
# Control characters cannot be part of a line; unassigned code points normalize differently
# across Unicode versions; surrogates are not text.
LINE_CHARS = st.characters(blacklist_categories=("Cc", "Cs", "Cn"))


def clean(text: str) -> str:
    """What the parser keeps of a line: no-break spaces as spaces, stripped, NFC."""
    return unicodedata.normalize("NFC", text.replace("\u00a0", " ").strip())


def is_content_line(text: str) -> bool:
    kept = clean(text)
    return bool(kept) and kept != CARD_DOT


title_text = st.text(LINE_CHARS, min_size=1, max_size=80).filter(
    lambda t: is_content_line(t) and not re.search(AUTHORS_RE, clean(t))
)
abstract_text = st.text(LINE_CHARS, min_size=1, max_size=300).filter(is_content_line)
handle = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,20}", fullmatch=True)
org_name = st.text(LINE_CHARS, min_size=1, max_size=30).filter(lambda t: bool(clean(t)))


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
    blank = draw(st.sampled_from(["\n\n", "\n\n\n", "\n \n\t\n"]))
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
