"""Open the Dagster UI's asset graph in headless Chromium, save screenshots, fail if an asset is missing.

    python scripts/screenshot_asset_graph.py http://127.0.0.1:3000 artifacts/

Saves the global lineage graph (groups unfolded) and each asset group's graph, and checks that
every asset the server's GraphQL API knows is drawn as a node on one of those pages.
Drives Debian's chromium (or $CHROMIUM) with Playwright; no browser is downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
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


def _open(page: Page, url: str, timeout_ms: int) -> None:
    page.goto(url, wait_until="networkidle", timeout=timeout_ms)
    page.locator("foreignObject").first.wait_for(state="attached", timeout=timeout_ms)
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


def capture(base_url: str, folder: Path, timeout_ms: int = 90_000) -> list[str]:
    """Screenshot the lineage graphs into `folder`; return the assets not drawn on any of them."""
    base_url = base_url.rstrip("/")
    groups = asset_groups(base_url)
    folder.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
            headless=True,
            args=CHROMIUM_FLAGS,
        )
        try:
            page = browser.new_page(viewport={"width": 1800, "height": 2000})
            _open(page, f"{base_url}/asset-groups", timeout_ms)
            collapsed = page.locator('foreignObject [aria-label="unfold_more"]')
            for _ in range(len(set(groups.values())) + 1):  # groups start collapsed: unfold each
                if not collapsed.count():
                    break
                collapsed.first.click()
                page.wait_for_timeout(700)
            page.wait_for_timeout(2_000)  # let the layout settle
            page.screenshot(path=str(folder / "asset_graph.png"))
            seen |= _drawn_names(page, set(groups))
            for group in sorted(set(groups.values())):
                _open(page, f"{base_url}/locations/orchestration/asset-groups/{group}", timeout_ms)
                _zoom_out(page)
                page.wait_for_timeout(2_000)
                page.screenshot(path=str(folder / f"asset_group_{group}.png"))
                seen |= _drawn_names(page, set(groups))
        finally:
            browser.close()
    return sorted(set(groups) - seen)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: exit 1 when an asset is not on any page."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    missing = capture(args.base_url, args.folder)
    if missing:
        print(
            f"assets not drawn on the UI's graphs: {', '.join(missing)} (screenshots in {args.folder})",
            file=sys.stderr,
        )
        return 1
    print(f"every asset is drawn; screenshots in {args.folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
