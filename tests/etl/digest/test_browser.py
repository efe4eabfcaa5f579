"""The report in Chromium with the network blocked: no request but its own file, every chart drawn.

Every host name is unresolvable (`--host-resolver-rules`) and every request goes to a proxy that
refuses (port 9 of the loopback, nothing listens there): the page must not even try. The sample is
loaded with a refused dump whose title is a `<script>`, which the data-quality table quotes: it shows
as text and never runs. Screenshots at a desktop's and a phone's width land in the test's folder, and
in $PAPERHOUSE_REPORT_SHOTS when set (to look at them).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from etl.cli import EXIT_OK, EXIT_REJECTED, main
from tests.conftest import SAMPLE_DIR, dump_text, write_dump
from tests.etl.digest.conftest import load_sample

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
HOSTILE = "<script>window.pwned = 1</script> \"Quoted\" & 'more'"
CHARTS = {
    "papers-per-day", "papers-per-week", "top-keywords", "new-keywords", "code-share", "repositories",
    "hosts", "upvotes", "days-to-listing", "organizations",
    *(f"trend-week-{n}" for n in range(10)), *(f"trend-month-{n}" for n in range(10)),
}  # fmt: skip
BLOCKED = [
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
]


def chromium_or_skip() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("PAPERHOUSE_REQUIRE_BROWSER"):
            pytest.fail(f"{CHROMIUM} is missing (CI installs Debian's chromium)")
        pytest.skip("no chromium here; .ci/run installs it")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """The report of the sample plus a refused dump with a hostile title, from 2025-11-01."""
    root = tmp_path_factory.mktemp("browser")
    raw = root / "raw"
    shutil.copytree(SAMPLE_DIR, raw)
    write_dump(raw, "2026-06-05_hostile.txt", dump_text("Jun 5", ["First paper", "First abstract.", HOSTILE]))
    warehouse = root / "warehouse" / "paperhouse.duckdb"
    load_sample(raw, warehouse, EXIT_REJECTED)  # the hostile dump refused, the others loaded
    out = root / "report.html"
    serving = warehouse.parent / "serving" / warehouse.name
    assert (
        main(["report", "--warehouse", str(serving), "--since", "2025-11-01", "--out", str(out)]) == EXIT_OK
    )
    return out


def opened(browser, url: str, viewport: dict[str, int]):
    """A page at `url` in `viewport`, and the requests it made and those that failed."""
    page = browser.new_page(viewport=viewport, is_mobile=viewport["width"] < 600)
    requests: list[str] = []
    failed: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)  # anything late (a lazy image, a font) would have started by now
    return page, requests, failed


def test_the_page_requests_nothing_and_draws_every_chart_in_chromium(report, tmp_path):
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    shots = [tmp_path / "desktop.png", tmp_path / "phone.png"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BLOCKED)
        try:
            for shot, viewport in zip(
                shots, ({"width": 1280, "height": 900}, {"width": 390, "height": 844}), strict=True
            ):
                page, requests, failed = opened(browser, report.as_uri(), viewport)
                assert requests == [report.as_uri()] and failed == []
                drawn = page.eval_on_selector_all(
                    "svg.chart",
                    "els => els.map(e => { const r = e.getBoundingClientRect(); "
                    "return [e.dataset.chart, r.width > 0 && r.height > 0]; })",
                )
                assert {name for name, _ in drawn} == CHARTS | {n for n, _ in drawn if n.startswith("trend-")}
                assert CHARTS <= {name for name, shown in drawn if shown}
                assert page.evaluate("window.pwned") is None
                assert HOSTILE in page.inner_text("#quality")
                assert page.eval_on_selector_all("script", "els => els.length") == 0
                page.screenshot(path=str(shot), full_page=True)
                if (
                    viewport["width"] < 600
                ):  # nothing wider than the phone but the charts' own scrolling figures
                    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
                page.close()
            page = browser.new_page()
            page.goto(report.as_uri())
            pdf = page.pdf(path=str(tmp_path / "print.pdf"))  # the print stylesheet lays it out
            assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
        finally:
            browser.close()
    if os.environ.get("PAPERHOUSE_REPORT_SHOTS"):
        folder = Path(os.environ["PAPERHOUSE_REPORT_SHOTS"])
        folder.mkdir(parents=True, exist_ok=True)
        for path in (*shots, tmp_path / "print.pdf"):
            shutil.copy(path, folder / path.name)
