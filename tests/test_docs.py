"""The docs: a short README, links that resolve, and the exit codes they show held to the code.

The values the docs show and the tests pin live in docs/tested.toml (tests/documented.py reads it);
each test that uses one also checks the pages that show it.
"""

from __future__ import annotations

import re
import signal

import pytest

from etl.cli import EXIT_CODES, EXIT_SIGNAL_BASE
from tests.conftest import ROOT
from tests.documented import pages, pinned

DOCS = sorted([ROOT / "README.md", ROOT / "ARCHITECTURE.md", *(ROOT / "docs").glob("*.md")])
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a page's headings: lowercased, punctuation dropped, spaces to
    hyphens, and -1, -2, … after a repeat."""
    seen: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6} (.+)$", _outside_code(markdown), re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        seen[slug] = seen.get(slug, -1) + 1
        if seen[slug]:
            seen[f"{slug}-{seen[slug]}"] = 0
    return set(seen)


def _outside_code(markdown: str) -> str:
    return re.sub(r"^```.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL)


def test_the_readme_stays_short():
    assert len((ROOT / "README.md").read_bytes()) <= 12 * 1024


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_reaches_a_file_and_its_heading(doc):
    broken = []
    for target in LINK.findall(_outside_code(doc.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):
            continue  # http(s), mailto
        path, _, anchor = target.partition("#")
        file = (doc.parent / path).resolve() if path else doc
        if not file.is_file():
            broken.append(target)
        elif anchor and (file.suffix != ".md" or anchor not in anchors(file.read_text(encoding="utf-8"))):
            broken.append(target)
    assert broken == []


def test_every_topic_page_is_linked_from_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = {target.partition("#")[0] for target in LINK.findall(readme)}
    assert {f"docs/{p.name}" for p in (ROOT / "docs").iterdir() if p.suffix in (".md", ".toml")} <= linked


def test_the_exit_codes_shown_are_the_codes_the_command_line_returns():
    documented = pinned("exit_codes")
    codes = {name: code for name, code in documented.items() if name != "shown_in"}
    assert codes == {
        **{outcome.name.lower(): code for outcome, code in EXIT_CODES.items()},
        "sigint": EXIT_SIGNAL_BASE + signal.SIGINT,
        "sigterm": EXIT_SIGNAL_BASE + signal.SIGTERM,
    }
    assert codes == {
        "loaded": 0,
        "failed": 1,
        "bad_request": 2,
        "refused_dumps": 3,
        "not_published": 4,
        "locked": 5,
        "sigint": 130,
        "sigterm": 143,
    }
    for page, text in pages(documented).items():
        rows = {
            cell for line in text.splitlines() if line.startswith("| ") for cell in [line.split(" | ")[0][2:]]
        }
        shown = {int(code) for cell in rows for code in cell.split(", ") if code.isdigit()}
        assert shown == set(codes.values()), page


def test_every_table_of_tested_toml_names_pages_that_exist():
    for name in ("duckdb_clients", "postgresql_clients", "exit_codes", "settings", "report"):
        assert all((ROOT / page).is_file() for page in pinned(name)["shown_in"]), name
