"""URL extraction: cleaning of what prose glues to a URL, and classification by host."""

from __future__ import annotations

import polars as pl
import pytest

from etl.links import extract_links
from tests.conftest import SAMPLE_DIR, parse_folder


def links_of(abstract: str) -> list[tuple[str, str, str]]:
    links, paper_links = extract_links(pl.DataFrame({"paper_id": [1], "abstract": [abstract]}))
    ordered = paper_links.join(links, on="link_id").sort("ordinal")
    return list(ordered.select("url", "host", "kind").iter_rows())


@pytest.mark.parametrize(
    ("abstract", "url"),
    [
        ("Code: https://github.com/x/y.", "https://github.com/x/y"),
        ("See https://guangyid.github.io/hoi123touch{here}.", "https://guangyid.github.io/hoi123touch"),
        ("(code at https://github.com/hamishivi/EasyLM)", "https://github.com/hamishivi/EasyLM"),
        ("Wiki https://en.wikipedia.org/wiki/Foo_(bar).", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("At https://tgb-seq.github.io/.", "https://tgb-seq.github.io/"),
        ("Repo https://github.com/ihaeyong/PFNR.git.", "https://github.com/ihaeyong/PFNR.git"),
        ("Repo https://github.com/tldoan/-HYP-OW-AAAI-2024-", "https://github.com/tldoan/-HYP-OW-AAAI-2024-"),
        ('Quoted "https://example.com/a", then more', "https://example.com/a"),
        ("Upper HTTPS://GitHub.COM/Org/Repo;", "https://github.com/Org/Repo"),
        ("Ellipsis https://example.com/x…", "https://example.com/x"),
    ],
)
def test_url_cleaning(abstract, url):
    assert [u for u, _, _ in links_of(abstract)] == [url]


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://github.com/a/b", "code"),
        ("https://gitlab.com/a/b", "code"),
        ("https://huggingface.co/datasets/a", "huggingface"),
        ("https://hf.co/a", "huggingface"),
        ("https://arxiv.org/abs/2401.00001", "arxiv"),
        ("https://www.youtube.com/watch?v=x", "video"),
        ("https://youtu.be/x", "video"),
        ("https://me.github.io/proj", "project_page"),
        ("https://sites.google.com/view/x", "project_page"),
        ("https://example.com/x", "other"),
    ],
)
def test_link_kind(url, kind):
    assert links_of(f"Link {url} here.")[0][2] == kind


def test_www_is_not_part_of_the_host_and_links_keep_their_order():
    found = links_of(
        "First https://www.example.com/a then https://github.com/b/c and https://www.example.com/a."
    )
    assert [(u, h) for u, h, _ in found] == [
        ("https://www.example.com/a", "example.com"),
        ("https://github.com/b/c", "github.com"),
    ]


def test_sample_has_109_distinct_urls_all_clean():
    entries = parse_folder(SAMPLE_DIR).entries
    links, _ = extract_links(entries.select(pl.int_range(pl.len()).alias("paper_id"), "abstract"))
    assert links.height == 109
    assert not links["url"].str.contains(r"[.,;:)\]}]$").any()
    assert not links["url"].str.contains(r"[{}\s]").any()
