"""The Markdown summary Dagster shows: the period, and the rising topics as tables whose cells hold any keyword."""

from __future__ import annotations

from etl.digest.figures import Topic
from etl.digest.summary import summary_markdown
from tests.etl.digest.test_page import figures_showing


def test_the_summary_tables_the_rising_topics_and_escapes_their_markdown():
    figures = figures_showing("a | b *c*\nd", None)
    figures.rising_week = [Topic("a | b *c*\nd", 3, 1, (1, 3))]
    text = summary_markdown(figures)
    assert text.splitlines()[0] == (
        "**2026-06-01 to 2026-06-07**: 9 papers listed for the first time, 3 returning; "
        "4 of 7 days without a dump, 1 with a guessed year; 1 refused dump version(s)."
    )
    assert "| a \\| b \\*c\\* d | 3 | 1 | +2 |" in text.splitlines()
    assert all(line.count(" | ") == 3 for line in text.splitlines() if line.startswith("| a"))
    assert summary_markdown(None) == "The warehouse lists no paper yet."
