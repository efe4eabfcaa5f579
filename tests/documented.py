"""The values the docs show and the tests pin: docs/tested.toml, and the pages that show each table of it.

Tests take these values from the TOML file, never by parsing prose; `pages` hands them the text of
every page (or section of a page) that shows a table's values to readers, so that a test can check
those pages still show them word for word.
"""

from __future__ import annotations

import tomllib

from tests.conftest import ROOT

TESTED = ROOT / "docs" / "tested.toml"


def pinned(name: str) -> dict:
    """One table of docs/tested.toml."""
    return tomllib.loads(TESTED.read_text(encoding="utf-8"))[name]


def pages(table: dict) -> dict[str, str]:
    """The text of each page in the table's `shown_in`: only its `section` (a heading line, up to the
    next heading of the same level) when the table names one."""
    texts = {}
    for page in table["shown_in"]:
        text = (ROOT / page).read_text(encoding="utf-8")
        if "section" in table:
            heading = table["section"]
            level = heading.split(" ", 1)[0]
            start = text.index(f"\n{heading}\n")
            end = text.find(f"\n{level} ", start + 1)
            text = text[start : None if end == -1 else end]
        texts[page] = text
    return texts
