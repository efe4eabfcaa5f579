"""The page: every piece of untrusted text escaped, only http(s) links, no tag or attribute it does not write.

Titles, keywords, organizations, hosts, file names and refusal reasons come from the dumps. Whatever
they hold, the parsed page gives them back as text, verbatim, and holds no element or attribute the
template does not write itself (a `<script>`, an `onload`, a `javascript:` link).
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from etl.digest.figures import Figures, Period, Topic, weekly
from etl.digest.page import PAPER_SEARCH, charts, render, safe_url

TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "h3", "p", "code", "nav",
    "ul", "ol", "li", "a", "section", "div", "b", "span", "i", "figure", "figcaption", "svg", "g", "rect",
    "text", "line", "polyline", "circle", "table", "thead", "tbody", "tr", "th", "td", "details", "summary",
    "footer",
}  # fmt: skip
ATTRIBUTES = {
    "lang", "charset", "name", "content", "http-equiv", "href", "rel", "id", "class", "data-chart", "role",
    "viewbox", "xmlns", "preserveaspectratio", "x", "y", "x1", "x2", "y1", "y2", "width", "height",
    "points", "cx", "cy", "r", "text-anchor",
}  # fmt: skip
DAY = dt.date(2026, 6, 1)


def figures_showing(text: str, url: str | None) -> Figures:
    """Figures whose every text field holds `text` and every code URL `url`."""
    days = [
        {
            "date": DAY + dt.timedelta(days=n),
            "week_start": DAY,
            "month_start": DAY,
            "has_dump": n < 3,
            "dumps_listed": 1 if n < 3 else 0,
            "sightings": 4 if n < 3 else 0,
            "new_papers": 3 if n < 3 else 0,
            "returning_papers": 1 if n < 3 else 0,
            "year_guessed": n == 2,
        }
        for n in range(7)
    ]
    paper = {"title": text, "peak_upvotes": 2, "first_seen": DAY, "organization_name": text, "code_url": url}
    topic = Topic(text, 3, 1, (1, 3))
    return Figures(
        period=Period(DAY, DAY + dt.timedelta(days=6)),
        holdings={
            "papers": 9,
            "sightings": 12,
            "dumps": 3,
            "first_listing": DAY,
            "last_listing": DAY,
            "guessed_sightings": 4,
        },  # fmt: skip
        days=days,
        weeks=weekly(days),
        rising_week=[topic],
        rising_month=[topic, Topic(text + " (month)", 2, 0, (0, 2))],
        top_keywords=[{"keyword": text, "papers": 3, "mean_score": 1.5}],
        new_keywords=[{"keyword": text, "papers": 3, "first_seen": DAY}],
        keyword_papers={text: [{"keyword": text, **paper}]},
        code_share=[{"week_start": DAY, "papers": 9, "with_code": 1, "with_links": 2}],
        repositories=[{"host": text, "owner": text, "repository": text, "papers": 1}],
        hosts=[{"kind": text, "host": text, "papers": 1, "urls": 1}],
        top_papers=[paper],
        upvotes=[{"band": "2-4", "lowest": 2, "papers": 1}],
        days_to_listing=[
            {"wait": "1: within a week", "papers": 1, "shortest": 1, "median_days": 1.0, "longest": 1}
        ],
        organizations=[{"organization": text, "papers": 1, "with_code": 0, "most_upvotes": 2}],
        guessed_dumps=[{"file_name": text, "listing_date": DAY, "sightings": 4}],
        refused_dumps=[
            {"file_name": text, "status": "rejected", "error": text, "loaded_at": dt.datetime(2026, 6, 8)}
        ],
        loads=[{"status": "loaded", "versions": 3, "last_loaded_at": dt.datetime(2026, 6, 8)}],
    )


class Page(HTMLParser):
    """The page parsed: its elements with their attributes, and its text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.texts.append(data)


def parsed(text: str, url: str | None = None) -> Page:
    figures = figures_showing(text, url)
    return Page(render(figures, {"warehouse": text, "generated_at": "2026-06-08 00:00 UTC"}))


def assert_only_the_pages_own_markup(page: Page, url: str | None) -> None:
    assert {tag for tag, _ in page.elements} <= TAGS
    assert {name for _, attrs in page.elements for name in attrs} <= ATTRIBUTES
    links = {attrs["href"] for tag, attrs in page.elements if tag == "a"}
    allowed = {safe_url(url)} if safe_url(url) else set()
    assert {h for h in links if not h.startswith(("#", PAPER_SEARCH))} <= allowed


HOSTILE = [
    '<script>alert("x")</script>',
    "\"' onload=alert(1) x='",
    "</svg><script>document.title='pwned'</script>",
    "</title></style><img src=//evil.example/x.png>",
    "{{ 7 * 7 }} {% raw %}",
    "&amp; &lt; <!-- -->",
]


def test_a_title_with_a_script_and_quotes_is_text_everywhere():
    for text in HOSTILE:
        page = parsed(text, "javascript:alert(1)")
        assert_only_the_pages_own_markup(page, None)
        assert text in "".join(page.texts)
        assert not any(tag in ("script", "img", "iframe", "object") for tag, _ in page.elements)


@settings(max_examples=60, deadline=None)
@given(
    text=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60),
    url=st.one_of(
        st.none(),
        st.sampled_from(
            [
                'https://github.com/a/b?x=1&y="2"',
                "javascript:alert(1)",
                "data:text/html,<b>",
                "http://example.org/<x>",
            ]
        ),
    ),  # fmt: skip
)
def test_any_text_comes_back_verbatim_and_adds_no_markup(text, url):
    page = parsed(text, url)
    assert_only_the_pages_own_markup(page, url)
    shown = "".join(page.texts)
    assert text in shown


def test_only_http_links_are_made():
    assert safe_url("https://github.com/x/y") == "https://github.com/x/y"
    assert safe_url(" http://example.org/a ") == "http://example.org/a"
    assert [
        safe_url(u) for u in ("javascript:alert(1)", "data:text/html,x", "//evil", "ftp://x/y", "", None)
    ] == [None] * 6


def test_every_chart_has_its_name_and_a_title():
    figures = figures_showing("topic", None)
    drawn = charts(figures)
    assert set(drawn) == {
        "papers-per-day", "papers-per-week", "top-keywords", "new-keywords", "code-share", "repositories",
        "hosts", "upvotes", "days-to-listing", "organizations", "trend-week-0", "trend-month-0", "trend-month-1",
    }  # fmt: skip
    for name, svg in drawn.items():
        assert svg.startswith('<svg class="chart') and f'data-chart="{name}"' in svg and "<title>" in svg


def test_a_page_without_papers_says_so():
    html = render(None, {"warehouse": "w.duckdb", "generated_at": "now"})
    assert "lists no paper yet" in html and "<svg" not in html
