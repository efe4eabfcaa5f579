"""The report in a few lines of Markdown: what Dagster's asset page shows of the week, without opening the file."""

from __future__ import annotations

from etl.digest.figures import Figures, Topic


def _cell(text: str) -> str:
    """A table cell's text: no pipe, newline or Markdown emphasis from a keyword leaks into the table."""
    escaped = "".join(f"\\{c}" if c in "\\|*_`[]<>#" else c for c in text)
    return " ".join(escaped.split())


def _table(topics: list[Topic], before: str) -> list[str]:
    if not topics:
        return ["No topic rose."]
    rows = [f"| topic | papers | {before} | change |", "| --- | ---: | ---: | ---: |"]
    rows += [f"| {_cell(t.keyword)} | {t.papers:,} | {t.papers_before:,} | +{t.change:,} |" for t in topics]
    return rows


def summary_markdown(figures: Figures | None) -> str:
    """The period, its papers and gaps, and the rising topics of the week and of the month as tables."""
    if figures is None:
        return "The warehouse lists no paper yet."
    days = figures.days
    new = sum(d["new_papers"] for d in days)
    returning = sum(d["returning_papers"] for d in days)
    lines = [
        f"**{figures.period.start} to {figures.period.end}**: {new:,} papers listed for the first time, "
        f"{returning:,} returning; {len(figures.gap_days)} of {figures.period.days} days without a dump"
        + (f", {len(figures.guessed_days)} with a guessed year" if figures.guessed_days else "")
        + (f"; {len(figures.refused_dumps)} refused dump version(s)" if figures.refused_dumps else "")
        + ".",
        "",
        f"**Rising this week** (week of {figures.period.last_week} against the week before)",
        "",
        *_table(figures.rising_week, "week before"),
        "",
        "**Rising this month** (the last four weeks against the four before)",
        "",
        *_table(figures.rising_month[:5], "four weeks before"),
    ]
    return "\n".join(lines)
