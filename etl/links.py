"""Find the http(s) URLs of each paper's abstract, clean them, and classify them."""

from __future__ import annotations

import polars as pl

from etl.keys import stable_id_expr

# Characters RFC 3986 never allows unencoded end a URL; `{here}` template residue goes with them.
URL_RE = r"""(?i)https?://[^\s<>"{}|\\^`\[\]]+"""
_TRAILING_PUNCTUATION = r"""[.,;:!?'"…。，；：！？、*]+$"""
_CLEANING_PASSES = 4

_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org")
_HF_HOSTS = ("huggingface.co", "hf.co")
_ARXIV_HOSTS = ("arxiv.org", "export.arxiv.org")
_VIDEO_HOSTS = ("youtube.com", "youtu.be", "vimeo.com", "bilibili.com")
_PAGE_SUFFIXES = (".github.io", ".gitlab.io", ".netlify.app", ".vercel.app", ".pages.dev")
_PAGE_HOSTS = ("sites.google.com",)


def _strip_once(frame: pl.DataFrame) -> pl.DataFrame:
    """One pass of `clean_urls` over the frame's `url`: trailing punctuation, then an unbalanced `)`, then `]`.

    Each step is its own `with_columns`: nested in one expression, every step would evaluate
    the ones before it once per reference (several times slower).
    """
    frame = frame.with_columns(url=pl.col("url").str.replace(_TRAILING_PUNCTUATION, ""))
    url = pl.col("url")
    for opening, closing in ("()", "[]"):
        unbalanced = url.str.ends_with(closing) & (
            url.str.count_matches(f"\\{closing}") > url.str.count_matches(f"\\{opening}")
        )
        frame = frame.with_columns(
            url=pl.when(unbalanced).then(url.str.slice(0, url.str.len_chars() - 1)).otherwise(url)
        )
    return frame


def clean_urls(urls: pl.Series) -> pl.Series:
    """Strip what follows a URL in prose (trailing punctuation, unbalanced brackets); lowercase the host."""
    frame = pl.DataFrame({"url": urls})
    for _ in range(_CLEANING_PASSES):
        frame = _strip_once(frame)
    scheme_host = pl.col("url").str.extract(r"(?i)^(https?://[^/?#]+)", 1)
    return (
        frame.select(
            pl.concat_str(
                scheme_host.str.to_lowercase(), pl.col("url").str.slice(scheme_host.str.len_chars())
            )
        )
        .to_series()
        .alias(urls.name)
    )


def _host_in(host: pl.Expr, hosts: tuple[str, ...]) -> pl.Expr:
    exact = host.is_in(hosts)
    for h in hosts:
        exact = exact | host.str.ends_with("." + h)
    return exact


def link_kind(host: pl.Expr) -> pl.Expr:
    """Classify a link by its host."""
    page = _host_in(host, _PAGE_HOSTS)
    for suffix in _PAGE_SUFFIXES:
        page = page | host.str.ends_with(suffix)
    return (
        pl.when(_host_in(host, _CODE_HOSTS))
        .then(pl.lit("code"))
        .when(_host_in(host, _HF_HOSTS))
        .then(pl.lit("huggingface"))
        .when(_host_in(host, _ARXIV_HOSTS))
        .then(pl.lit("arxiv"))
        .when(_host_in(host, _VIDEO_HOSTS))
        .then(pl.lit("video"))
        .when(page)
        .then(pl.lit("project_page"))
        .otherwise(pl.lit("other"))
    )


def extract_links(papers: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (links, paper_links) for papers with `paper_id` and `abstract`."""
    found = (
        # Every URL holds "://": the regex runs only on the abstracts that hold it.
        papers.filter(pl.col("abstract").str.contains("://", literal=True))
        .select("paper_id", url=pl.col("abstract").str.extract_all(URL_RE))
        .explode("url")
        .drop_nulls("url")
        .with_columns(url=pl.col("url").map_batches(clean_urls, return_dtype=pl.String))
        .filter(pl.col("url").str.contains(r"^https?://[^/?#.]+\.[^/?#]+"))
        .with_columns(link_id=stable_id_expr("url"))
    )
    host = pl.col("url").str.extract(r"^https?://([^/?#:@]+)", 1).str.strip_prefix("www.")
    links = (
        found.select("link_id", "url")
        .unique(
            "url"
        )  # one row per URL, not per key: two URLs whose keys collide stay two (keys_name_one_text)
        .with_columns(host=host)
        .with_columns(kind=link_kind(pl.col("host")))
        .sort("link_id")
    )
    paper_links = (
        found.with_columns(ordinal=pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over("paper_id"))
        .group_by("paper_id", "link_id")
        .agg(pl.col("ordinal").min())
        .sort("paper_id", "link_id")
    )
    return links, paper_links
