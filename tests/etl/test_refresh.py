"""A full refresh's paper figures (etl.refresh): the papers after it compared with those before it."""

from __future__ import annotations

from etl.pipeline import load_folder


def test_a_full_refresh_counts_the_papers_it_kept_added_and_removed(engine, sample_dir):
    load_folder(sample_dir, engine)
    same = load_folder(sample_dir, engine, full_refresh=True)
    assert (same.papers_new, same.papers_already_known, same.papers_removed) == (0, 411, 0)
    last = sorted(sample_dir.glob("*.txt"))[-1]
    kept = last.read_bytes()
    last.unlink()
    fewer = load_folder(sample_dir, engine, full_refresh=True)  # a second refresh on the same pool
    assert (fewer.papers_new, fewer.papers_already_known, fewer.papers_removed) == (0, 370, 41)
    last.write_bytes(kept)
    more = load_folder(sample_dir, engine, full_refresh=True)
    assert (more.papers_new, more.papers_already_known, more.papers_removed) == (41, 370, 0)
