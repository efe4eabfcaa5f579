"""docs/analysts.md, the analyst's cookbook: every query answers on the sample what the page shows.

Each question of the page has its SQL in a block marked `cookbook=<name>` and, right below it, the
answer in a block marked `result=<name>`: what the duckdb CLI prints for that SQL in markdown mode on
the serving copy of a load of the bundled sample. The test runs every query in the duckdb CLI 1.5.6
and 1.4.4 of `make clients` and compares the output exactly, so the page cannot fall behind the views.
The two align a BOOLEAN column differently in markdown mode (and `date_trunc` of a DATE gives a DATE in
1.4, a TIMESTAMP in 1.5): the answers show flags as text and months as dates or `YYYY-MM`.

Three sample dumps take their listing year from the file's modification time: the copies loaded here
get the fixed time of tests/etl/test_analyst_views.py (and the load a fixed today), so the answers do
not move with the day of the clone.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import etl.clock
from etl.cli import EXIT_OK, main
from tests.conftest import ROOT, SAMPLE_DIR, set_mtime
from tests.etl.test_analyst_views import SAVED
from tests.test_clients import client

PAGE = ROOT / "docs" / "analysts.md"
BLOCK = re.compile(r"^```(sql cookbook|text result)=([\w-]+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
TODAY = dt.date(2026, 12, 1)  # the `clock` fixture's day

pytestmark = pytest.mark.slow


def questions() -> dict[str, tuple[str, str]]:
    """Each question's name: its SQL and the answer the page shows, checked to come in pairs."""
    blocks = [(m[1].split()[1], m[2], m[3]) for m in BLOCK.finditer(PAGE.read_text(encoding="utf-8"))]
    pairs = {}
    for (kind, name, sql), (next_kind, next_name, answer) in zip(blocks[::2], blocks[1::2], strict=True):
        assert (kind, next_kind, next_name) == ("cookbook", "result", name), f"{name}: SQL, then its result"
        assert name not in pairs, f"{name} is used twice"
        pairs[name] = (sql, answer)
    return pairs


QUESTIONS = questions()


def test_the_cookbook_answers_at_least_twelve_questions_each_under_its_own_heading():
    text = PAGE.read_text(encoding="utf-8")
    assert len(QUESTIONS) >= 12
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    asked = [s for s in sections if "cookbook=" in s]
    assert [len(re.findall(r"^```sql cookbook=", s, re.MULTILINE)) for s in asked] == [1] * len(QUESTIONS)
    contents = next(s for s in sections if s.startswith("Contents\n"))
    assert [s.splitlines()[0] for s in asked] == re.findall(r"^- \[(.+)\]\(#", contents, re.MULTILINE)


def test_no_answer_shows_an_id():
    """The ids are join keys whose form may change (a migration may shorten them): answers never show one."""
    for name, (_, answer) in QUESTIONS.items():
        header = [cell.strip() for cell in answer.splitlines()[0].strip("|").split("|")]
        assert [c for c in header if c == "id" or c.endswith("_id")] == [], name


@pytest.fixture(scope="module")
def serving(tmp_path_factory) -> Path:
    """The serving copy of a load of the sample, its mtimes and today fixed."""
    root = tmp_path_factory.mktemp("cookbook")
    raw = root / "raw"
    shutil.copytree(SAMPLE_DIR, raw)
    for path in raw.glob("*.txt"):
        set_mtime(path, SAVED)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(etl.clock, "today", lambda: TODAY)
        assert (
            main(["load", str(raw), "--warehouse", str(root / "warehouse" / "paperhouse.duckdb")]) == EXIT_OK
        )
    return root / "warehouse" / "serving" / "paperhouse.duckdb"


@pytest.mark.parametrize("env", ["cli-1.5", "cli-1.4"])
@pytest.mark.parametrize("name", list(QUESTIONS))
def test_every_cookbook_query_answers_what_the_page_shows(serving, name, env):
    sql, shown = QUESTIONS[name]
    done = subprocess.run(
        [str(client(env, "duckdb")), "-readonly", str(serving), "-markdown", "-c", sql],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"{name}: {done.stderr}"
    if done.stdout != shown:
        diff = difflib.unified_diff(
            shown.splitlines(), done.stdout.splitlines(), "docs/analysts.md", env, lineterm=""
        )
        pytest.fail(f"the answer to {name!r} changed:\n" + "\n".join(diff))
