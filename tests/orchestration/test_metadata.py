"""Materialization metadata (orchestration.metadata): previews, and what a partition says of its own dump."""

from __future__ import annotations

import polars as pl

from orchestration.metadata import markdown_preview, partition_metadata


def test_a_preview_rounds_floats_for_display_and_escapes_pipes():
    frame = pl.DataFrame({"score": [4.1666669999999995, 2.0], "text": ["a|b", None]})
    assert markdown_preview(frame).value.splitlines() == [
        "| score | text |",
        "|---|---|",
        "| 4.166667 | a\\|b |",
        "| 2.0 |  |",
    ]


def test_only_a_partition_s_own_rows_are_its_row_count():
    version = ("ab" * 32, 137)
    assert partition_metadata("source_files", version) == {
        "sha256": "ab" * 32,
        "dagster/partition_row_count": 1,
    }
    assert partition_metadata("paper_appearances", version) == {"dagster/partition_row_count": 137}
    assert partition_metadata("papers", version) == {}  # a paper is in many dumps: no count of its own
    assert partition_metadata("source_files", None) == {}
