"""Incremental loads: pruning, integrity gate, serving copy, crash safety and readers during loads."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from etl.checks import CheckOutcome, RuleBroken
from etl.pipeline import load_folder
from etl.serving import is_current, publish
from etl.serving_layout import default_serving_path
from etl.warehouse import warehouse_engine
from tests.conftest import (
    ROOT,
    SAMPLE_DIR,
    dump_text,
    fresh_state,
    parse_folder,
    snapshot,
    warehouse_state,
    write_dump,
)

SAMPLE = sorted(SAMPLE_DIR.glob("*.txt"))


def test_a_deleted_dump_changes_nothing_unless_pruned(engine, tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "2025-01-01.txt", dump_text("Jan 1", ["Only here\n\nOnly.", "Shared\n\nShared."]))
    write_dump(raw, "2025-01-02.txt", dump_text("Jan 2", ["Shared\n\nShared."]))
    load_folder(raw, engine)
    before = snapshot(engine)
    (raw / "2025-01-01.txt").unlink()
    assert load_folder(raw, engine).files_removed == 0
    assert snapshot(engine) == before
    report = load_folder(raw, engine, prune=True)
    assert (report.files_removed, report.papers_removed) == (1, 1)
    with engine.connect() as c:
        assert c.execute(text("SELECT title, sightings FROM papers")).all() == [("Shared", 1)]
        statuses = dict(c.execute(text("SELECT file_name, status FROM source_files")).all())
    assert statuses == {"2025-01-01.txt": "removed", "2025-01-02.txt": "loaded"}


OLDER = "Shared Paper\n\nCode at https://github.com/Org/Repo.\n\nacme ACME Inc\n·\nJan 1 2"
NEWER = "SHARED PAPER\n\nCode at  https://github.com/org/repo.\n\nacme ACME Corp\n·\nJan 1 5"


def rows_of(engine, sql: str) -> list[tuple]:
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text(sql)).all()]


@pytest.mark.parametrize("how", ["prune", "replace"])
def test_losing_the_newest_sighting_restores_the_one_before(engine, tmp_path, how):
    raw = tmp_path / "raw"
    write_dump(raw, "2025-01-01.txt", dump_text("Jan 1", [OLDER]))
    write_dump(raw, "2025-01-02.txt", dump_text("Jan 2", [NEWER.replace("acme ACME Corp", "beta Beta Lab")]))
    load_folder(raw, engine)
    assert rows_of(engine, "SELECT title, upvotes FROM papers") == [("SHARED PAPER", 5)]
    if how == "prune":
        (raw / "2025-01-02.txt").unlink()
    else:
        write_dump(raw, "2025-01-02.txt", dump_text("Jan 2", ["Other\n\nOther."]))
    load_folder(raw, engine, prune=how == "prune")
    assert rows_of(engine, "SELECT title, upvotes FROM papers WHERE title ILIKE 'shared%'") == [
        ("Shared Paper", 2)
    ]
    assert rows_of(engine, "SELECT url FROM links") == [("https://github.com/Org/Repo",)]
    assert rows_of(engine, "SELECT handle, name FROM organizations") == [("acme", "ACME Inc")]
    assert warehouse_state(engine) == fresh_state(engine, raw, tmp_path / "fresh")


@pytest.mark.parametrize(
    "order", [("2025-01-01.txt", "2025-01-02.txt"), ("2025-01-02.txt", "2025-01-01.txt")]
)
def test_links_keywords_and_names_come_from_the_newest_sighting_in_any_load_order(engine, tmp_path, order):
    dumps = {"2025-01-01.txt": dump_text("Jan 1", [OLDER]), "2025-01-02.txt": dump_text("Jan 2", [NEWER])}
    raw = tmp_path / "raw"
    for name in order:
        write_dump(raw, name, dumps[name])
        load_folder(raw, engine)
    assert rows_of(engine, "SELECT title FROM papers") == [("SHARED PAPER",)]
    assert rows_of(engine, "SELECT url FROM links") == [("https://github.com/org/repo",)]
    assert rows_of(engine, "SELECT name FROM organizations") == [("ACME Corp",)]
    assert warehouse_state(engine) == fresh_state(engine, raw, tmp_path / "fresh")


def test_a_prune_removes_the_dates_and_organizations_no_row_refers_to(engine, tmp_path):
    raw = tmp_path / "raw"
    write_dump(raw, "2025-01-01.txt", dump_text("Jan 1", ["Kept\n\nKept."]))
    write_dump(raw, "2025-03-03.txt", dump_text("Mar 3", ["Gone\n\nGone.\n\nacme ACME\n·\nFeb 2"]))
    load_folder(raw, engine)
    (raw / "2025-03-03.txt").unlink()
    load_folder(raw, engine, prune=True)
    assert rows_of(engine, "SELECT date_id FROM dates") == [(20250101,)]
    assert rows_of(engine, "SELECT count(*) FROM organizations") == [(0,)]
    assert warehouse_state(engine) == fresh_state(engine, raw, tmp_path / "fresh")


def test_a_load_that_breaks_integrity_is_rolled_back(engine, sample_dir, monkeypatch):
    import etl.pipeline

    before = snapshot(engine)

    def broken(connection, *args, **kwargs):
        return {"no_dangling_references": CheckOutcome(False, 1, {"paper_links.link_id -> links": 1})}

    monkeypatch.setattr(etl.pipeline, "integrity_outcomes", broken)
    with pytest.raises(RuleBroken, match="no_dangling_references"):
        load_folder(sample_dir, engine)
    assert snapshot(engine) == before


def test_serving_copy_is_a_complete_readable_snapshot(tmp_path, sample_dir):
    warehouse = tmp_path / "w.duckdb"
    engine = warehouse_engine(warehouse)
    load_folder(sample_dir, engine)
    serving = default_serving_path(warehouse)
    assert not is_current(engine, serving)
    seconds = publish(engine, warehouse, serving)
    assert seconds > 0 and is_current(engine, serving)
    reader = warehouse_engine(serving, read_only=True)
    assert snapshot(reader) == snapshot(engine)
    # The writer keeps writing while the reader holds the serving copy open.
    with reader.connect() as held:
        write_dump(sample_dir, "2025-12-01.txt", dump_text("Dec 1", ["Later\n\nLater."]))
        load_folder(sample_dir, engine)
        assert held.execute(text("SELECT count(*) FROM papers")).scalar_one() == 411
    assert not is_current(engine, serving)
    reader.dispose()
    engine.dispose()


def states_after_each_load(tmp_path: Path, loads: list[list[Path]]) -> list[tuple[int, int, int]]:
    """(files, papers, appearances) after each cumulative load, from a clean reference run."""
    raw, engine = tmp_path / "reference_raw", warehouse_engine(tmp_path / "reference.duckdb")
    raw.mkdir()
    states = [(0, 0, 0)]
    for group in loads:
        for path in group:
            shutil.copy2(path, raw / path.name)
        rows = load_folder(raw, engine).warehouse_rows
        states.append((rows["source_files"], rows["papers"], rows["paper_appearances"]))
    engine.dispose()
    return states


def variant_dumps(tmp_path: Path, count: int) -> list[Path]:
    """`count` dated dumps of 40 sample papers each (overlapping), plus one paper of their own."""
    entries = parse_folder(SAMPLE_DIR).entries.select("title", "abstract").rows()
    made = []
    for i in range(count):
        chosen = entries[(i * 20) % 400 : (i * 20) % 400 + 40]
        blocks = [f"Own paper {i}\n\nOwn abstract {i}."] + [f"{t}\n\n{a}" for t, a in chosen]
        made.append(
            write_dump(tmp_path / "variants", f"2025-10-{i + 1:02d}.txt", dump_text(f"Oct {i + 1}", blocks))
        )
    return made


@pytest.mark.slow
def test_readers_always_see_a_complete_load(tmp_path):
    """A separate process queries the serving copy through SQLAlchemy, as Superset does, during 20 loads."""
    dumps = variant_dumps(tmp_path, 20)
    states = set(states_after_each_load(tmp_path, [[d] for d in dumps]))
    raw, warehouse = tmp_path / "raw", tmp_path / "live" / "w.duckdb"
    raw.mkdir()
    serving = default_serving_path(warehouse)
    write_dump(raw, dumps[0].name, dumps[0].read_bytes())
    done = subprocess.run(
        [sys.executable, "-m", "etl.cli", "load", str(raw), "--warehouse", str(warehouse)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    answers = tmp_path / "answers.jsonl"
    reader = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("bi_reader.py")), str(serving), str(answers)],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for dump in dumps[1:]:
            shutil.copy2(dump, raw / dump.name)
            done = subprocess.run(
                [sys.executable, "-m", "etl.cli", "load", str(raw), "--warehouse", str(warehouse)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert done.returncode == 0, done.stderr  # a connected reader never makes a load fail
    finally:
        time.sleep(1)
        reader.send_signal(signal.SIGTERM)
        _, errors = reader.communicate(timeout=60)
    results = [json.loads(line) for line in answers.read_text().splitlines()]
    failures = [r for r in results if "error" in r]
    assert not failures, failures[:3]
    seen = {tuple(r["state"]) for r in results}
    assert len(results) >= 20 and len(seen) >= 5
    assert seen <= states, seen - states
    assert all(r["consistent"] for r in results)


@pytest.mark.slow
def test_a_load_killed_at_any_moment_leaves_before_or_after(tmp_path):
    """SIGKILL a loading process at 24 different moments; every table is as before or as after."""
    base_raw = tmp_path / "base_raw"
    for path in SAMPLE[:2]:
        write_dump(base_raw, path.name, path.read_bytes())
    base = tmp_path / "base.duckdb"
    command = [sys.executable, "-m", "etl.cli", "load"]
    subprocess.run(
        [*command, str(base_raw), "--warehouse", str(base)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    full_raw = tmp_path / "full_raw"
    shutil.copytree(base_raw, full_raw)
    for path in SAMPLE[2:]:
        shutil.copy2(path, full_raw / path.name)

    def data(path: Path) -> dict:
        engine = warehouse_engine(path)
        try:
            return snapshot(engine)
        finally:
            engine.dispose()

    before = data(base)
    after_path = tmp_path / "after.duckdb"
    shutil.copy(base, after_path)
    started = time.perf_counter()
    subprocess.run(
        [*command, str(full_raw), "--warehouse", str(after_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    duration = time.perf_counter() - started
    after = data(after_path)
    assert before != after

    outcomes = []
    for i in range(24):
        target = tmp_path / f"kill_{i}" / "w.duckdb"
        target.parent.mkdir()
        shutil.copy(base, target)
        process = subprocess.Popen(
            [*command, str(full_raw), "--warehouse", str(target)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(duration * (0.15 + 0.9 * i / 23))
        process.send_signal(signal.SIGKILL)
        process.wait()
        state = data(target)
        assert state in (before, after), f"kill {i} left a state that is neither before nor after"
        outcomes.append(state == after)
        subprocess.run(
            [*command, str(full_raw), "--warehouse", str(target)],
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=300,
        )
        assert data(target) == after  # the next run finishes the work
        serving = default_serving_path(target)
        assert data(serving) == after  # and publishes what an interrupted run did not
    assert not all(outcomes), "no kill interrupted a load: the delays are too long for this machine"
