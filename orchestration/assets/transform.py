"""Transform: paper identity and deduplication, links and keywords."""

import dagster as dg
import polars as pl

from etl.dedupe import identify_papers, latest_paper_texts
from etl.keywords import METHOD, extract_keywords
from etl.links import extract_links
from etl.parse import ParsedDumps
from orchestration.metadata import markdown_preview

GROUP = "transform"


@dg.asset(group_name=GROUP, kinds={"polars"})
def identified_entries(context: dg.AssetExecutionContext, parsed_entries: ParsedDumps) -> pl.DataFrame:
    """Every entry with its stable paper_id (normalized title + abstract) and title_id."""
    identified = identify_papers(parsed_entries.entries)
    context.add_output_metadata(
        {"dagster/row_count": identified.height, "distinct_papers": identified["paper_id"].n_unique()}
    )
    return identified


@dg.asset(group_name=GROUP, kinds={"polars"})
def deduplicated_papers(context: dg.AssetExecutionContext, identified_entries: pl.DataFrame) -> pl.DataFrame:
    """One row per distinct paper: title and abstract as printed in its most recent sighting."""
    papers = latest_paper_texts(identified_entries)
    context.add_output_metadata(
        {"dagster/row_count": papers.height, "preview": markdown_preview(papers.select("paper_id", "title"))}
    )
    return papers


@dg.asset(group_name=GROUP, kinds={"polars"})
def extracted_links(
    context: dg.AssetExecutionContext, deduplicated_papers: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Cleaned, classified URLs of each paper's abstract: (links, paper_links)."""
    links, paper_links = extract_links(deduplicated_papers)
    context.add_output_metadata(
        {
            "dagster/row_count": links.height,
            "paper_links": paper_links.height,
            "by_kind": dg.MetadataValue.json(dict(links.group_by("kind").len().iter_rows())),
            "preview": markdown_preview(links),
        }
    )
    return links, paper_links


@dg.asset(group_name=GROUP, kinds={"polars"})
def extracted_keywords(
    context: dg.AssetExecutionContext, deduplicated_papers: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Top keyphrases (RAKE) and announced method names of each paper: (keywords, paper_keywords)."""
    keywords, paper_keywords = extract_keywords(deduplicated_papers)
    context.add_output_metadata(
        {
            "dagster/row_count": keywords.height,
            "paper_keywords": paper_keywords.height,
            "method": METHOD,
            "preview": markdown_preview(keywords),
        }
    )
    return keywords, paper_keywords
