"""Previews: stored rows of each table that a load's dumps brought, with exactly the schema's columns."""

from __future__ import annotations

from etl.pipeline import load_paths
from etl.preview import table_previews
from models import TABLES


def test_each_preview_is_stored_rows_with_the_tables_columns(engine, sample_dir):
    report = load_paths(sorted(sample_dir.glob("*.txt")), engine)
    with engine.connect() as c:
        previews = table_previews(c, report.loaded_file_ids)
        only_first = table_previews(c, report.loaded_file_ids[:1], rows=3)
    assert {n: f.columns for n, f in previews.items()} == {
        n: [c.name for c in t.columns] for n, t in TABLES.items()
    }
    assert {n: f.height for n, f in previews.items()} == dict.fromkeys(TABLES, 5) | {
        "organizations": 3,
        "paper_texts": 0,
    }  # one printed text per paper
    # ids follow the content hash, so the first loaded id is this dump's:
    assert only_first["source_files"]["file_name"].to_list() == ["003_b4640f3a18e1601e.txt"]
    assert only_first["paper_appearances"]["position"].to_list() == [1, 2, 3]
    assert only_first["papers"]["title"].to_list() == [
        "GuideSR: Rethinking Guidance for One-Step High-Fidelity Diffusion-Based Super-Resolution",
        "Make-A-Voice: Unified Voice Synthesis With Discrete Representation",
        "GenHancer: Imperfect Generative Models are Secretly Strong Vision-Centric Enhancers",
    ]
    with engine.connect() as c:
        assert {n: f.height for n, f in table_previews(c, []).items()} == dict.fromkeys(TABLES, 0)
