"""Views and descriptions: a generated view migration, and descriptions applied after migrating."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

import models
from etl.pipeline import load_folder
from etl.warehouse import alembic_config, head_views, migrate
from migrations import docs
from migrations.new_view_migration import write_view_migration
from migrations.views import view_body, view_descriptions, view_files
from tests.catalog import column_comments, relation_comments
from tests.conftest import ROOT

KEYWORD_COUNTS = view_files()["v_keyword_counts"]
CHANGED = KEYWORD_COUNTS.replace("-- mean_score = paper_keywords.score\n", "").replace(
    ",\n    avg(pk.score) as mean_score\n", "\n"
)
NEW = """-- Method names and how many papers announce them.
--
-- Columns:
-- keyword = keywords.keyword
-- papers: Number of papers whose title announces the method.
select keyword, papers
from v_keyword_counts
where kind = 'method'
"""


def rows(engine: Engine, sql: str) -> list[tuple]:
    with engine.connect() as c:
        return sorted(tuple(r) for r in c.execute(text(sql)).all())


def described(engine: Engine, name: str) -> tuple[str | None, dict[str, str | None]]:
    with engine.connect() as c:
        return relation_comments(c)[name], column_comments(c)[name]


def test_a_generated_migration_brings_the_views_to_their_files_and_back(
    engine, sample_dir, tmp_path, monkeypatch
):
    scripts = tmp_path / "migrations"
    shutil.copytree(ROOT / "migrations", scripts, ignore=shutil.ignore_patterns("__pycache__"))
    texts = view_files() | {"v_keyword_counts": CHANGED, "v_method_keywords": NEW}
    path = write_view_migration("keyword counts without scores", texts, scripts)

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    following = f"{int(head) + 1:04d}"
    assert path.name == f"{following}_keyword_counts_without_scores.py"
    source = path.read_text(encoding="utf-8")
    assert "-- Columns:" not in source  # bodies alone: the headers are applied after migrating
    lint = [sys.executable, "-m", "ruff"]
    assert subprocess.run([*lint, "format", "--check", str(path)], capture_output=True).returncode == 0
    assert subprocess.run([*lint, "check", "--no-cache", str(path)], capture_output=True).returncode == 0
    module = {}
    exec(compile(source, str(path), "exec"), module)
    pinned = list(module["VIEWS"])  # the changed view, the views that read it, the new one that does too
    assert pinned[0] == "v_keyword_counts" and pinned[-1] == "v_method_keywords"
    assert all("from v_keyword_counts" in texts[name] for name in pinned[1:])
    assert module["down_revision"] == head

    load_folder(sample_dir, engine)
    before = rows(engine, "SELECT * FROM v_keyword_counts")
    config = Config()
    config.set_main_option("script_location", str(scripts))
    monkeypatch.setattr(docs, "view_files", lambda: texts)  # the files the new revision was written from

    def run(action, revision):
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            action(config, revision)

    run(command.upgrade, "head")
    for name in ("v_keyword_counts", "v_method_keywords"):
        assert rows(engine, f"SELECT * FROM {name}") == rows(engine, view_body(texts[name]))
    assert rows(engine, "SELECT * FROM v_keyword_counts") == [r[:4] for r in before]
    descriptions = view_descriptions(texts)
    assert described(engine, "v_method_keywords") == descriptions["v_method_keywords"]
    assert described(engine, "v_keyword_counts") == descriptions["v_keyword_counts"]

    run(command.downgrade, head)
    assert rows(engine, "SELECT * FROM v_keyword_counts") == before
    with engine.connect() as c:
        assert "v_method_keywords" not in relation_comments(c)


def test_no_migration_is_written_when_the_files_match_the_pins(tmp_path):
    scripts = tmp_path / "migrations"
    shutil.copytree(ROOT / "migrations", scripts, ignore=shutil.ignore_patterns("__pycache__"))
    with pytest.raises(SystemExit, match="no migration to write"):
        write_view_migration("nothing", scripts=scripts)
    with pytest.raises(SystemExit, match="write their removal by hand"):
        write_view_migration(
            "drop one", {n: t for n, t in view_files().items() if n != "v_duplicates"}, scripts
        )


def test_a_description_fix_reaches_the_warehouse_without_a_migration(engine, monkeypatch):
    papers = models.TABLES["papers"]
    monkeypatch.setattr(papers, "comment", "Papers, described anew.")
    monkeypatch.setattr(papers.c.upvotes, "comment", "Upvotes, described anew.")
    fixed = KEYWORD_COUNTS.replace(
        "-- papers: Number of papers that carry the keyword", "-- papers: How many papers carry the keyword"
    )
    assert fixed != KEYWORD_COUNTS
    monkeypatch.setattr(docs, "view_files", lambda: view_files() | {"v_keyword_counts": fixed})

    assert migrate(engine) is False  # no revision to apply: the descriptions alone are written
    with engine.connect() as c:
        tables, columns = relation_comments(c), column_comments(c)
    assert tables["papers"] == "Papers, described anew."
    assert columns["papers"]["upvotes"] == columns["v_papers"]["upvotes"] == "Upvotes, described anew."
    assert columns["v_keyword_counts"]["papers"].startswith("How many papers carry the keyword")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.check(config)  # the warehouse's comments are the models'
        assert docs.persist_docs(connection, head_views(engine.dialect.name)) == 0  # nothing left to write


def test_a_view_file_ahead_of_its_migration_leaves_the_views_comments_alone(engine, monkeypatch):
    before = described(engine, "v_keyword_counts")
    monkeypatch.setattr(docs, "view_files", lambda: view_files() | {"v_keyword_counts": CHANGED})
    migrate(engine)
    assert described(engine, "v_keyword_counts") == before
