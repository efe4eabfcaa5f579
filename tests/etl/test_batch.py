"""Assembling a batch (etl.batch): one staging frame per warehouse table and search index table, with the
models' columns."""

from __future__ import annotations

import shutil
from datetime import date

import polars as pl

from etl.batch import StagingFrames
from etl.extract import read_dump_files
from etl.inventory import list_dumps
from etl.transform import transform
from models import SEARCH_INDEX_TABLES, TABLES
from tests.conftest import CUT_DUMP, CUT_REASON, DATA_DIR

TODAY = date(2026, 12, 2)
# Columns the merge computes in SQL from all of a paper's sightings, or stamps at commit.
COMPUTED = {
    "source_files": {"loaded_at"},
    "papers": {
        "organization_id", "published_date", "published_date_id", "first_seen_date_id",
        "last_seen_date_id", "upvotes", "author_count", "sightings",
    },
}  # fmt: skip
# Whether the batch extracted the links and keywords of its text; how many identities its entries
# of the paper have (the rule keys_name_one_text refuses two).
STAGING_ONLY = {"papers": {"extracted", "identities"}}


def batch_of(tmp_path) -> StagingFrames:
    shutil.copy(DATA_DIR / "2025-11-04_cards.txt", tmp_path / "2025-11-04_cards.txt")
    shutil.copy(CUT_DUMP, tmp_path / "cut.txt")
    dumps, unreadable, _ = read_dump_files(list_dumps(sorted(tmp_path.iterdir())).files)
    assert unreadable == []
    return transform(dumps, None, today=TODAY)


def test_a_batch_has_a_frame_per_table_with_its_columns(tmp_path):
    frames = batch_of(tmp_path).frames()
    tables = TABLES | SEARCH_INDEX_TABLES
    assert list(frames) == list(tables)
    for name, frame in frames.items():
        columns = {c.name for c in tables[name].columns}
        assert set(frame.columns) == columns - COMPUTED.get(name, set()) | STAGING_ONLY.get(name, set()), name


def test_the_cards_dump_and_a_refused_one_as_staging_rows(tmp_path):
    batch = batch_of(tmp_path)
    assert {n: f.height for n, f in batch.frames().items()} == {
        "source_files": 2, "dates": 5, "organizations": 1, "papers": 5, "paper_appearances": 5,
        "paper_texts": 5, "links": 2, "paper_links": 2, "keywords": 11, "paper_keywords": 11,
        "search_documents": 5, "search_postings": 45,
    }  # fmt: skip
    files = batch.source_files.sort("file_name").select("file_name", "status", "error", "entries")
    assert files.rows() == [
        ("2025-11-04_cards.txt", "loaded", None, 5),
        ("cut.txt", "rejected", CUT_REASON, None),
    ]
    assert batch.organizations.select("handle", "name").rows() == [("nvidia", "NVIDIA")]
    assert sorted(batch.links["url"]) == ["https://example.org/a_(b)", "https://github.com/x/raft"]
    assert batch.papers["title"].sort().to_list() == [
        "Counted Paper", "Holiday Paper", "No Card Here", "RAFT: Reward rAnked FineTuning for Generative "
        "Foundation Model Alignment", "Scaling Organizations",
    ]  # fmt: skip
    # Only the loaded dump's sightings: a refused dump stores nothing but its source_files row.
    loaded = batch.source_files.filter(pl.col("status") == "loaded")["file_id"]
    assert batch.paper_appearances["file_id"].unique().to_list() == loaded.to_list()
