"""The load (etl.pipeline): sample figures in the warehouse, idempotent reloads, order-independent incremental loads."""

from __future__ import annotations

import inspect
import itertools
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

import etl.pipeline
from etl.inventory import list_dumps
from etl.pipeline import LoadOptions, load_batches, load_folder, load_paths, plan_batches, plan_transactions
from etl.report import LoadReport
from etl.settings import Settings
from etl.stopping import LoadInterrupted, StopSwitch
from etl.warehouse import migrate, warehouse_engine
from tests.conftest import SAMPLE_DIR, dump_text, snapshot, write_dump


def scalar(engine, sql: str):
    with engine.connect() as connection:
        return connection.execute(text(sql)).scalar_one()


def test_sample_load_figures(engine, sample_dir):
    report = load_folder(sample_dir, engine)
    assert (report.files_seen, report.files_loaded, report.files_rejected) == (5, 5, [])
    assert report.entries == 451 and report.papers_new == 411
    counts = report.warehouse_rows
    assert counts["papers"] == 411
    assert counts["paper_appearances"] == 451
    assert counts["organizations"] == 3
    assert counts["links"] == 109 and counts["paper_links"] == 109
    assert scalar(engine, "SELECT count(*) FROM papers WHERE sightings > 1") >= 34
    assert scalar(engine, "SELECT count(*) FROM v_duplicates") == 34
    assert (
        scalar(
            engine,
            "SELECT count(*) FROM papers p WHERE NOT EXISTS "
            "(SELECT 1 FROM paper_keywords k WHERE k.paper_id = p.paper_id)",
        )
        == 0
    )
    assert scalar(engine, "SELECT count(*) FROM paper_appearances WHERE upvotes IS NOT NULL") == 275
    assert scalar(engine, "SELECT sum(sightings) FROM papers") == 451


def test_every_reference_resolves(engine, sample_dir):
    load_folder(sample_dir, engine)
    dangling = {
        "appearance->paper": "SELECT count(*) FROM paper_appearances a WHERE paper_id NOT IN (SELECT paper_id FROM papers)",
        "appearance->file": "SELECT count(*) FROM paper_appearances a WHERE file_id NOT IN (SELECT file_id FROM source_files)",
        "paper_link->link": "SELECT count(*) FROM paper_links a WHERE link_id NOT IN (SELECT link_id FROM links)",
        "paper_keyword->keyword": "SELECT count(*) FROM paper_keywords a WHERE keyword_id NOT IN (SELECT keyword_id FROM keywords)",
        "paper->organization": "SELECT count(*) FROM papers p WHERE organization_id IS NOT NULL "
        "AND organization_id NOT IN (SELECT organization_id FROM organizations)",
        "dates": "SELECT count(*) FROM (SELECT listing_date_id AS d FROM paper_appearances UNION "
        "SELECT card_date_id FROM paper_appearances UNION SELECT published_date_id FROM papers UNION "
        "SELECT first_seen_date_id FROM papers UNION SELECT last_seen_date_id FROM papers UNION "
        "SELECT listing_date_id FROM source_files) AS ids WHERE d IS NOT NULL AND d NOT IN (SELECT date_id FROM dates)",
    }
    assert {name: scalar(engine, sql) for name, sql in dangling.items()} == dict.fromkeys(dangling, 0)


def test_paper_fields_come_from_the_most_recent_sighting_with_a_value(engine, tmp_path):
    raw = tmp_path / "raw"
    card = "Shared\n\nShared abstract.\n\n  • 4 authors\n·\nJan 2 5"
    write_dump(raw, "2025-01-03.txt", dump_text("Jan 3", [card]))
    write_dump(raw, "2025-01-09.txt", dump_text("Jan 9", ["Shared\n\nShared abstract."]))
    load_folder(raw, engine)
    with engine.connect() as c:
        row = c.execute(text("SELECT * FROM v_papers")).mappings().one()
    assert (row["author_count"], row["upvotes"], row["sightings"]) == (4, 5, 2)
    assert str(row["first_seen"]) == "2025-01-03" and str(row["last_seen"]) == "2025-01-09"
    assert str(row["published_date"]) == "2025-01-02"


def test_a_known_paper_keeps_the_text_printed_in_its_most_recent_sighting(engine, tmp_path):
    """A later print (same identity, other case) replaces the stored text; an older one, loaded after it, does not."""
    raw = tmp_path / "raw"

    def stored() -> tuple[str, str, int]:
        with engine.connect() as c:
            return tuple(c.execute(text("SELECT title, abstract, sightings FROM papers")).one())

    write_dump(raw, "2025-01-03.txt", dump_text("Jan 3", ["Shared Title\n\nShared abstract."]))
    load_folder(raw, engine)
    assert stored() == ("Shared Title", "Shared abstract.", 1)
    write_dump(raw, "2025-01-09.txt", dump_text("Jan 9", ["Shared Title\n\nSHARED abstract."]))
    load_folder(raw, engine)
    assert stored() == ("Shared Title", "SHARED abstract.", 2)
    write_dump(raw, "2025-01-01.txt", dump_text("Jan 1", ["shared title\n\nshared abstract."]))
    load_folder(raw, engine)
    assert stored() == ("Shared Title", "SHARED abstract.", 3)


def test_loading_twice_changes_nothing(engine, sample_dir):
    load_folder(sample_dir, engine)
    first = snapshot(engine)
    with engine.connect() as c:
        stamps = c.execute(text("SELECT file_id, loaded_at FROM source_files ORDER BY 1")).all()
    report = load_folder(sample_dir, engine)
    assert report.files_unchanged == 5 and report.files_loaded == 0
    assert snapshot(engine) == first
    with engine.connect() as c:
        assert c.execute(text("SELECT file_id, loaded_at FROM source_files ORDER BY 1")).all() == stamps


@pytest.mark.parametrize("order", [(4, 3, 2, 1, 0), (2, 0, 4, 1, 3)])
def test_incremental_loads_in_any_order_equal_one_fresh_load(tmp_path, engine, sample_dir, order):
    load_folder(sample_dir, engine)
    fresh = snapshot(engine)
    files = sorted(SAMPLE_DIR.glob("*.txt"))
    incremental = warehouse_engine(tmp_path / "incremental.duckdb")
    migrate(incremental)
    raw = tmp_path / "arriving"
    raw.mkdir()
    for index in order:
        shutil.copy2(files[index], raw / files[index].name)
        load_folder(raw, incremental)
    assert snapshot(incremental) == fresh
    incremental.dispose()


@pytest.mark.parametrize("batch_bytes", [1, 200_000, 450_000])
def test_batched_load_equals_one_batch(tmp_path, engine, sample_dir, batch_bytes):
    """Memory is bounded by the batch; the stored result does not depend on where batches split."""
    load_folder(sample_dir, engine)
    whole = snapshot(engine)
    batched = warehouse_engine(tmp_path / "batched.duckdb")
    report = load_folder(sample_dir, batched, batch_bytes=batch_bytes)
    assert snapshot(batched) == whole
    assert report.files_loaded == 5 and report.warehouse_rows["papers"] == 411
    batched.dispose()


def test_a_library_load_has_the_settings_defaults_the_dump_size_cap_included():
    assert LoadOptions() == LoadOptions.from_settings(Settings())
    assert LoadOptions().max_dump_bytes == Settings().max_dump_bytes
    defaults = inspect.signature(load_paths).parameters
    assert (defaults["batch_bytes"].default, defaults["max_dump_bytes"].default) == (
        Settings().batch_bytes,
        Settings().max_dump_bytes,
    )


def test_batches_split_by_size_and_keep_order(tmp_path):
    sizes = [5, 5, 5, 20, 1, 1]
    paths = [write_dump(tmp_path, f"{i}.txt", "x" * size) for i, size in enumerate(sizes)]
    listing = list_dumps(paths)
    assert listing.unreadable == []
    batches = plan_batches(listing.files, 10)
    assert [[f.path.name for f in batch] for batch in batches] == [
        ["0.txt", "1.txt"],
        ["2.txt"],
        ["3.txt"],
        ["4.txt", "5.txt"],
    ]
    assert plan_batches([], 10) == []


def test_changed_dump_replaces_its_sightings(engine, tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "2025-02-01.txt", dump_text("Feb 1", ["Kept\n\nKept.", "Dropped\n\nDropped."]))
    load_folder(raw, engine)
    write_dump(
        raw, "2025-02-01.txt", dump_text("Feb 1", ["Kept\n\nKept.", "Added\n\nAdded https://github.com/a/b."])
    )
    report = load_folder(raw, engine)
    assert report.papers_removed == 1 and report.papers_new == 1
    with engine.connect() as c:
        titles = c.execute(text("SELECT title FROM papers ORDER BY title")).scalars().all()
        statuses = c.execute(text("SELECT status FROM source_files ORDER BY loaded_at")).scalars().all()
    assert titles == ["Added", "Kept"]
    assert statuses == ["superseded", "loaded"]
    fresh = warehouse_engine(tmp_path / "fresh.duckdb")
    migrate(fresh)
    load_folder(raw, fresh)
    current = {t: rows for t, rows in snapshot(engine).items() if t != "source_files"}
    assert current == {t: rows for t, rows in snapshot(fresh).items() if t != "source_files"}
    fresh.dispose()


def test_keys_are_stable_across_loads_of_subsets(tmp_path, engine, sample_dir):
    load_folder(sample_dir, engine)
    with engine.connect() as c:
        whole = dict(c.execute(text("SELECT title, paper_id FROM papers")).all())
    for path in itertools.islice(sorted(SAMPLE_DIR.glob("*.txt")), 2):
        alone = warehouse_engine(tmp_path / f"{path.stem}.duckdb")
        raw = tmp_path / path.stem
        write_dump(raw, path.name, path.read_bytes())
        load_folder(raw, alone)
        with alone.connect() as c:
            for title, paper_id in c.execute(text("SELECT title, paper_id FROM papers")).all():
                assert whole[title] == paper_id
        alone.dispose()


def test_missing_raw_folder_is_a_clear_error(engine, tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="raw dump folder not found"):
        load_folder(tmp_path / "nope", engine)


def test_a_first_backfill_commits_per_commit_bytes_and_every_other_load_per_batch(tmp_path):
    paths = [write_dump(tmp_path, f"{i}.txt", "x" * 10) for i in range(7)]
    files = list_dumps(paths).files
    options = LoadOptions(batch_bytes=10, present_files=["0.txt"])
    per_batch = plan_transactions(files, options)
    assert [p.commit_after for p in per_batch] == [True] * 7
    grouped = plan_transactions(files, options, commit_bytes=30)
    assert [p.commit_after for p in grouped] == [False, False, True, False, False, True, True]
    assert [p.present_files for p in grouped] == [None] * 6 + [["0.txt"]]  # pruning: last batch only


def test_a_first_backfill_stopped_before_its_commit_leaves_the_empty_warehouse(
    engine, sample_dir, monkeypatch
):
    """Its batches share one transaction (under 128 MB): a stop in the third of five rolls all back."""
    stop, report, merged = StopSwitch(), LoadReport(), []
    original = etl.pipeline.merge_batch

    def merge_then_stop(*args, **kwargs):
        merged.append(1)
        if len(merged) == 3:
            stop.request(15)  # SIGTERM, as its handler records it
        return original(*args, **kwargs)

    monkeypatch.setattr(etl.pipeline, "merge_batch", merge_then_stop)
    paths = sorted(sample_dir.glob("*.txt"))
    with pytest.raises(LoadInterrupted):
        list(load_batches(paths, engine, LoadOptions(batch_bytes=1), report, stop=stop))
    assert (report.batches, report.batches_committed, len(merged)) == (5, 0, 3)
    assert scalar(engine, "SELECT count(*) FROM source_files") == 0
    assert scalar(engine, "SELECT count(*) FROM papers") == 0
    monkeypatch.undo()
    again = load_folder(sample_dir, engine)  # the next run does the whole backfill
    assert again.files_loaded == 5 and again.warehouse_rows["papers"] == 411
