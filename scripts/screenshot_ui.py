"""Open pages of the Dagster UI in headless Chromium, save screenshots, fail when a page lacks what it must show.

    python scripts/screenshot_ui.py http://127.0.0.1:3000 artifacts/ui PAGE [PAGE ...]

PAGE is one of:
  graph                          the global lineage graph, collapsed and with every group
                                 unfolded, and each group's graph; every asset the GraphQL API
                                 knows must be drawn
  partitions:ASSET:PARTITION     ASSET's partitions page, with PARTITION selected; it must name
                                 PARTITION
  run:RUN_ID                     a run's page; it must show the refusal its log warns of ("Refused: ")
  check:ASSET:CHECK              a check's page on ASSET; it must say how many dumps are refused
  history:ASSET                  ASSET's events (its materializations): it must name a load
                                 outside Dagster (`paperhouse load`, from the command line or cron)
  overview:ASSET:TEXT            ASSET's overview page; it must show TEXT (e.g. its freshness)
  materialize:GROUP:COUNT        GROUP's graph, its "Materialize all" dialog as it opens, then
                                 with "All" clicked, which must select COUNT partitions; the
                                 dialog's texts go to materialize_dialog.json

Drives Debian's chromium (or $CHROMIUM) with Playwright; no browser is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.parse
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ASSET_QUERY = "{ assetNodes { assetKey { path } groupName } }"
TIMEOUT_MS = 90_000


def asset_groups(base_url: str) -> dict[str, str]:
    """Asset name -> group name, from the server's GraphQL API."""
    request = urllib.request.Request(
        f"{base_url}/graphql",
        data=json.dumps({"query": ASSET_QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        nodes = json.load(response)["data"]["assetNodes"]
    return {"/".join(n["assetKey"]["path"]): n["groupName"] for n in nodes}


def _open(page: Page, url: str, wait_for: str = "foreignObject") -> None:
    page.goto(url, wait_until="networkidle", timeout=TIMEOUT_MS)
    if wait_for:
        page.locator(wait_for).first.wait_for(state="attached", timeout=TIMEOUT_MS)
    skip = page.get_by_role("button", name="Skip")  # the first-visit newsletter dialog comes late
    try:
        skip.first.click(timeout=5_000)
    except PlaywrightTimeout:
        pass


def _zoom_out(page: Page, clicks: int = 3) -> None:
    """Zoom the graph out so that tall groups fit in the viewport (nodes offscreen are not drawn)."""
    button = page.locator('[aria-label="zoom_out"]')
    for _ in range(clicks if button.count() else 0):
        button.first.click()
        page.wait_for_timeout(300)


def _drawn_names(page: Page, candidates: set[str]) -> set[str]:
    """Asset names whose node is drawn on the page (a node's text starts with its name)."""
    texts = page.locator("foreignObject").all_text_contents()
    return {name for name in candidates for text in texts if text.startswith(name)}


def graph_pages(page: Page, base_url: str, folder: Path) -> list[str]:
    """Screenshot the lineage graphs; return the problems (assets drawn on none of them)."""
    groups = asset_groups(base_url)
    _open(page, f"{base_url}/asset-groups")
    page.wait_for_timeout(2_000)
    page.screenshot(path=str(folder / "asset_graph_collapsed.png"))
    collapsed = page.locator('foreignObject [aria-label="unfold_more"]')
    for _ in range(len(set(groups.values())) + 1):  # groups start collapsed: unfold each
        if not collapsed.count():
            break
        collapsed.first.click()
        page.wait_for_timeout(700)
    _open(page, f"{base_url}/asset-groups")  # the UI keeps them unfolded, and fits the graph on load
    _zoom_out(page, 2)
    page.wait_for_timeout(2_000)  # let the layout settle
    page.screenshot(path=str(folder / "asset_graph.png"))
    seen = _drawn_names(page, set(groups))
    for group in sorted(set(groups.values())):
        _open(page, f"{base_url}/locations/orchestration/asset-groups/{group}")
        _zoom_out(page)
        page.wait_for_timeout(2_000)
        page.screenshot(path=str(folder / f"asset_group_{group}.png"))
        seen |= _drawn_names(page, set(groups))
    missing = sorted(set(groups) - seen)
    return [f"assets not drawn on the UI's graphs: {', '.join(missing)}"] if missing else []


def _shot_and_expect(page: Page, path: Path, needles: list[str]) -> list[str]:
    page.wait_for_timeout(3_000)
    page.screenshot(path=str(path), full_page=True)
    body = page.locator("body").inner_text()
    return [f"{path.name}: the page does not show {n!r}" for n in needles if n not in body]


def partitions_page(page: Page, base_url: str, folder: Path, asset: str, partition: str) -> list[str]:
    """The asset's partitions page with one partition selected: it must name it."""
    query = urllib.parse.urlencode({"view": "partitions", "partition": partition})
    _open(page, f"{base_url}/assets/{asset}?{query}", wait_for="")
    return _shot_and_expect(page, folder / f"partitions_{asset}.png", [partition])


def run_page(page: Page, base_url: str, folder: Path, run_id: str) -> list[str]:
    """A run's page: the refusal its log warns of must be on it."""
    _open(page, f"{base_url}/runs/{run_id}", wait_for="")
    return _shot_and_expect(page, folder / "refused_run.png", ["Refused: "])


def check_page(page: Page, base_url: str, folder: Path, asset: str, check: str) -> list[str]:
    """A check's page: the refused file must be named on it."""
    query = urllib.parse.urlencode({"view": "checks", "checkDetail": check})
    _open(page, f"{base_url}/assets/{asset}?{query}", wait_for="")
    return _shot_and_expect(page, folder / f"check_{check}.png", ["refused dumps in the folder: 1"])


def asset_page(page: Page, base_url: str, folder: Path, asset: str, needle: str) -> list[str]:
    """An asset's latest materialization (its events view): its metadata must show `needle`."""
    _open(page, f"{base_url}/assets/{asset}?view=events", wait_for="")
    return _shot_and_expect(page, folder / f"asset_{asset}.png", [needle])


def history_page(page: Page, base_url: str, folder: Path, asset: str) -> list[str]:
    """The asset's events: the CLI's loads, recorded by the sensor `loads_outside_dagster`, must be on it."""
    _open(page, f"{base_url}/assets/{asset}?view=events", wait_for="")
    return _shot_and_expect(page, folder / f"history_{asset}.png", ["paperhouse load outside Dagster"])


def overview_page(page: Page, base_url: str, folder: Path, asset: str, text: str) -> list[str]:
    """The asset's overview page: it must show `text`."""
    _open(page, f"{base_url}/assets/{asset}", wait_for="")
    return _shot_and_expect(page, folder / f"overview_{asset}.png", [text])


def materialize_dialog(page: Page, base_url: str, folder: Path, group: str, count: str) -> list[str]:
    """GROUP's "Materialize all" dialog as it opens and after "All": the latter must select COUNT partitions."""
    _open(page, f"{base_url}/locations/orchestration/asset-groups/{group}")
    page.wait_for_timeout(2_000)
    page.get_by_role("button", name="Materialize all").first.click()
    dialog = page.locator('[role="dialog"]').first
    dialog.get_by_text("Partition selection").first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(2_000)  # the partitions' health loads after the dialog
    page.screenshot(path=str(folder / "materialize_dialog_opened.png"))
    opened = dialog.inner_text()
    dialog.get_by_role("button", name="All", exact=True).click()
    page.wait_for_timeout(1_000)
    page.screenshot(path=str(folder / "materialize_dialog_all.png"))
    chosen = dialog.inner_text()
    (folder / "materialize_dialog.json").write_text(json.dumps({"opened": opened, "all": chosen}, indent=1))
    dialog.get_by_role("button", name="Cancel").click()
    expected = f"{count} partitions"
    return [] if expected in chosen else [f"the dialog with All selected does not show {expected!r}"]


def capture(base_url: str, folder: Path, pages: list[str]) -> list[str]:
    """Screenshot each page into `folder`; return what a page failed to show."""
    base_url = base_url.rstrip("/")
    folder.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            headless=True,
            args=CHROMIUM_FLAGS,
        )
        try:
            page = browser.new_page(viewport={"width": 1800, "height": 2000})
            for spec in pages:
                kind, *args = spec.split(":")
                handler = {
                    "graph": graph_pages,
                    "partitions": partitions_page,
                    "run": run_page,
                    "check": check_page,
                    "asset": asset_page,
                    "materialize": materialize_dialog,
                    "history": history_page,
                    "overview": overview_page,
                }
                problems += handler[kind](page, base_url, folder, *args)
        finally:
            browser.close()
    return problems


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: exit 1 when a page lacks what it must show."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("folder", type=Path)
    parser.add_argument("pages", nargs="+")
    args = parser.parse_args(argv)
    problems = capture(args.base_url, args.folder, args.pages)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"screenshots in {args.folder}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
