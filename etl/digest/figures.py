"""The numbers behind each chart of the report, computed from the rows of its queries.

`gather` runs every query of `sql/digest/` for one period on one connection and returns a `Figures`:
plain rows and values, no markup, so the tests can pin each chart's counts and Dagster can summarize
the week. The period ends on the last listing date the warehouse holds; it starts on `since`, or on
the Monday `weeks` weeks back, so that its weeks are whole ISO weeks (as `v_keyword_weeks` counts).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from etl.digest.queries import run

MONTH_WEEKS = 4  # a "month" of the month-over-month: the last four weeks against the four before


def monday(day: dt.date) -> dt.date:
    """The Monday of `day`'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class Period:
    """The days the report covers, both ends included, and the weeks its trends are drawn over."""

    start: dt.date
    end: dt.date

    @property
    def last_week(self) -> dt.date:
        """Monday of the week of the period's last day: the week whose rise is reported."""
        return monday(self.end)

    @property
    def trend_start(self) -> dt.date:
        """Monday of the first week the trends need: the period's, or eight weeks before the last."""
        return min(monday(self.start), self.last_week - dt.timedelta(weeks=2 * MONTH_WEEKS - 1))

    @property
    def trend_weeks(self) -> list[dt.date]:
        """Every Monday from `trend_start` to `last_week`."""
        count = (self.last_week - self.trend_start).days // 7 + 1
        return [self.trend_start + dt.timedelta(weeks=n) for n in range(count)]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def period_for(last_listing: dt.date, since: dt.date | None, weeks: int) -> Period:
    """The period ending on `last_listing`: from `since`, else from the Monday `weeks` whole weeks back."""
    start = since if since is not None else monday(last_listing) - dt.timedelta(weeks=weeks - 1)
    return Period(min(start, last_listing), last_listing)


@dataclass(frozen=True)
class Topic:
    """A keyword's rise: its papers in the recent span, in the span before, and its weekly trend."""

    keyword: str
    papers: int
    papers_before: int
    trend: tuple[int, ...]

    @property
    def change(self) -> int:
        return self.papers - self.papers_before


@dataclass
class Figures:
    """Everything the report shows, as rows and values."""

    period: Period
    holdings: dict[str, Any]
    days: list[dict[str, Any]]
    weeks: list[dict[str, Any]]
    rising_week: list[Topic]
    rising_month: list[Topic]
    top_keywords: list[dict[str, Any]]
    new_keywords: list[dict[str, Any]]
    keyword_papers: dict[str, list[dict[str, Any]]]
    code_share: list[dict[str, Any]]
    repositories: list[dict[str, Any]]
    hosts: list[dict[str, Any]]
    top_papers: list[dict[str, Any]]
    upvotes: list[dict[str, Any]]
    days_to_listing: list[dict[str, Any]]
    organizations: list[dict[str, Any]]
    guessed_dumps: list[dict[str, Any]]
    refused_dumps: list[dict[str, Any]]
    loads: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    @property
    def gap_days(self) -> list[dt.date]:
        """The days of the period without a loaded dump."""
        return [d["date"] for d in self.days if not d["has_dump"]]

    @property
    def guessed_days(self) -> list[dt.date]:
        """The days of the period whose listing year is a guess."""
        return [d["date"] for d in self.days if d["year_guessed"]]

    @property
    def last_loaded_at(self) -> dt.datetime | None:
        times = [r["last_loaded_at"] for r in self.loads if r["last_loaded_at"] is not None]
        return max(times) if times else None


def weekly(days: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The days summed by week: dumps, sightings, new and returning papers, days without a dump."""
    weeks: dict[dt.date, dict[str, Any]] = {}
    for day in days:
        week = weeks.setdefault(
            day["week_start"],
            {"week_start": day["week_start"], "days": 0, "days_without": 0, "year_guessed": False}
            | dict.fromkeys(("dumps_listed", "sightings", "new_papers", "returning_papers"), 0),
        )
        week["days"] += 1
        week["days_without"] += 0 if day["has_dump"] else 1
        week["year_guessed"] |= bool(day["year_guessed"])
        for key in ("dumps_listed", "sightings", "new_papers", "returning_papers"):
            week[key] += day[key]
    return list(weeks.values())


def rising(rows: list[dict[str, Any]], period: Period) -> tuple[list[Topic], list[Topic]]:
    """The rows of `rising.sql` as the topics that rose most week over week and month over month."""
    topics: dict[tuple[str, int], tuple[str, int, int, dict[dt.date, int]]] = {}
    for row in rows:
        key = (row["span"], row["place"])
        topics.setdefault(key, (row["keyword"], row["papers"], row["papers_before"], {}))[3][
            row["week_start"]
        ] = row["week_papers"]
    weeks = period.trend_weeks

    def listed(span: str) -> list[Topic]:
        places = sorted(place for s, place in topics if s == span)
        return [
            Topic(k, papers, before, tuple(counts.get(w, 0) for w in weeks))
            for k, papers, before, counts in (topics[(span, p)] for p in places)
        ]

    return listed("week"), listed("month")


def gather(connection: Connection, since: dt.date | None, weeks: int) -> Figures | None:
    """Every figure of the report on `connection`; None when the warehouse lists no paper yet."""
    run(connection, "session")
    (holdings,) = run(connection, "holdings")
    if holdings["last_listing"] is None:
        return None
    period = period_for(holdings["last_listing"], since, weeks)
    binds = {"period_start": period.start, "period_end": period.end}
    days = run(connection, "days", **binds)
    month_start = period.last_week - dt.timedelta(weeks=MONTH_WEEKS - 1)
    rows = run(
        connection,
        "rising",
        trend_start=period.trend_start,
        period_end=period.end,
        last_week=period.last_week,
        month_start=month_start,
        month_before=month_start - dt.timedelta(weeks=MONTH_WEEKS),
    )
    rising_week, rising_month = rising(rows, period)
    top_keywords = run(connection, "top_keywords", **binds)
    new_keywords = run(connection, "new_keywords", **binds)
    named = sorted(
        {t.keyword for t in (*rising_week, *rising_month)}
        | {r["keyword"] for r in (*top_keywords, *new_keywords)}
    )
    papers: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in run(connection, "keyword_papers", keywords=named, **binds):
        papers[row["keyword"]].append(row)
    return Figures(
        period=period,
        holdings=holdings,
        days=days,
        weeks=weekly(days),
        rising_week=rising_week,
        rising_month=rising_month,
        top_keywords=top_keywords,
        new_keywords=new_keywords,
        keyword_papers=dict(papers),
        code_share=run(connection, "code_share", **binds),
        repositories=run(connection, "repositories", **binds),
        hosts=run(connection, "hosts", **binds),
        top_papers=run(connection, "top_papers", **binds),
        upvotes=run(connection, "upvotes", **binds),
        days_to_listing=run(connection, "days_to_listing", **binds),
        organizations=run(connection, "organizations", **binds),
        guessed_dumps=run(connection, "guessed_dumps"),
        refused_dumps=run(connection, "refused_dumps"),
        loads=run(connection, "loads"),
    )
