"""The report's one HTML page: the figures drawn (`etl.digest.svg`) and set in a Jinja2 template.

The template autoescapes every value; the charts are `Markup` whose text `svg` escaped itself. The
page carries its CSS inline and a Content-Security-Policy that allows no script and no request
(`default-src 'none'`), so a mailed or hosted copy loads nothing, whatever a title holds. Links out
(a paper's code, its search on Hugging Face) are followed only when clicked, and only http(s) ones
are made links.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib.resources import files
from typing import Any
from urllib.parse import quote_plus, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from etl.digest import svg
from etl.digest.figures import Figures, Topic

PAPER_SEARCH = "https://huggingface.co/papers?q="  # where a title links: Daily Papers' own search


def safe_url(url: str | None) -> str | None:
    """`url` when it is an http(s) URL with a host, else None: no `javascript:` or `data:` link."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.hostname else None


def paper_search(title: str) -> str:
    return PAPER_SEARCH + quote_plus(title)


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("etl.digest", ""),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["n"] = lambda v: f"{v:,}" if isinstance(v, int) else v
    env.filters["pct"] = lambda v: f"{v:.0%}"
    env.globals.update(safe_url=safe_url, paper_search=paper_search)
    return env


def _css() -> Markup:
    return Markup((files("etl.digest") / "report.css").read_text(encoding="utf-8"))


def _spans(days: list[dt.date]) -> list[tuple[dt.date, dt.date, int]]:
    """Consecutive days merged: (first, last, days)."""
    spans: list[list] = []
    for day in days:
        if spans and (day - spans[-1][1]).days == 1:
            spans[-1][1] = day
        else:
            spans.append([day, day])
    return [(a, b, (b - a).days + 1) for a, b in spans]


def charts(figures: Figures) -> dict[str, Markup]:
    """Every chart of the report, by its name (the `data-chart` of its SVG)."""
    days = [
        svg.Day(
            d["date"], d["new_papers"], d["returning_papers"], bool(d["has_dump"]), bool(d["year_guessed"])
        )
        for d in figures.days
    ]
    weeks = figures.weeks
    drawn = {
        "papers-per-day": svg.day_bars(days),
        "papers-per-week": svg.column_bars(
            "papers-per-week",
            "Papers first listed per week",
            [
                (
                    w["week_start"].strftime("%d %b"),
                    w["new_papers"],
                    f"week of {w['week_start']}: {w['new_papers']:,} new papers, {w['returning_papers']:,} "
                    f"returning, {w['days_without']} of {w['days']} days without a dump"
                    + (" (year guessed)" if w["year_guessed"] else ""),
                )
                for w in weeks
            ],
            [w["year_guessed"] for w in weeks],
        ),
        "top-keywords": svg.bar_list(
            "top-keywords",
            "Top topics of the period",
            [(r["keyword"], r["papers"], "") for r in figures.top_keywords],
        ),
        "new-keywords": svg.bar_list(
            "new-keywords",
            "Topics new this period",
            [(r["keyword"], r["papers"], f"first {r['first_seen']}") for r in figures.new_keywords],
        ),
        "code-share": svg.share_line(
            "code-share",
            "Share of papers linking to code, per week",
            [
                (
                    r["week_start"].strftime("%d %b"),
                    r["with_code"] / r["papers"] if r["papers"] else 0.0,
                    f"week of {r['week_start']}: {r['with_code']:,} of {r['papers']:,} papers link to code, "
                    f"{r['with_links']:,} link anywhere",
                )
                for r in figures.code_share
            ],
        ),
        "repositories": svg.bar_list(
            "repositories",
            "Most-linked code repositories",
            [
                (f"{r['owner']}/{r['repository'] or ''}".rstrip("/"), r["papers"], r["host"])
                for r in figures.repositories
            ],
        ),
        "hosts": svg.bar_list(
            "hosts",
            "What abstracts link to, by host",
            [(r["host"], r["papers"], f"{r['kind']}, {r['urls']:,} URLs") for r in figures.hosts],
        ),
        "upvotes": svg.bar_list(
            "upvotes",
            "Peak upvotes of the period's papers with a card",
            [
                (f"{r['band']} upvote" + ("" if r["band"] == "1" else "s"), r["papers"], "")
                for r in figures.upvotes
            ],
        ),
        "days-to-listing": svg.bar_list(
            "days-to-listing",
            "Days from the arXiv date to the first listing",
            [
                (r["wait"].split(": ", 1)[1], r["papers"], f"median {r['median_days']:g} days")
                for r in figures.days_to_listing
            ],
        ),
        "organizations": svg.bar_list(
            "organizations",
            "Organizations by papers",
            [(r["organization"], r["papers"], f"{r['with_code']} with code") for r in figures.organizations],
        ),
    }
    for key, topics in (("week", figures.rising_week), ("month", figures.rising_month)):
        for i, topic in enumerate(topics):
            drawn[f"trend-{key}-{i}"] = svg.sparkline(
                f"trend-{key}-{i}", f"{topic.keyword}: papers per week", list(topic.trend)
            )
    return drawn


def render(figures: Figures | None, context: dict[str, Any]) -> str:
    """The whole page. `context`: what the header says (the warehouse, when it was made)."""
    template = _environment().get_template("report.html.j2")
    if figures is None:
        return template.render(figures=None, css=_css(), **context)
    anchors = {k: f"topic-{i}" for i, k in enumerate(sorted(figures.keyword_papers))}
    totals = {
        "new": sum(d["new_papers"] for d in figures.days),
        "returning": sum(d["returning_papers"] for d in figures.days),
        "sightings": sum(d["sightings"] for d in figures.days),
        "dumps": sum(d["dumps_listed"] for d in figures.days),
        "gap_days": len(figures.gap_days),
        "guessed_days": len(figures.guessed_days),
        "code": sum(r["with_code"] for r in figures.code_share),
    }
    return template.render(
        figures=figures,
        css=_css(),
        charts=charts(figures),
        anchors=anchors,
        totals=totals,
        gaps=_spans(figures.gap_days),
        topic_lists=[
            ("week", "Week over week", figures.rising_week),
            ("month", "Month over month", figures.rising_month),
        ],
        Topic=Topic,
        **context,
    )
