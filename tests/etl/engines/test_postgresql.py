"""The PostgreSQL engine (etl.engines.postgresql): passwords kept out of sight, the load lock, readers that never wait."""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.generate import generate
from etl import pipeline
from etl.cli import EXIT_LOCKED, EXIT_OK, EXIT_USAGE
from etl.engines.postgresql import APPLICATION, hold_load_lock, postgres_engine
from etl.pipeline import load_paths
from etl.warehouse import migrate, warehouse_engine
from tests.conftest import (
    ROOT,
    SAMPLE_DIR,
    dump_text,
    postgres_database,
    postgres_roles,
    require_postgres,
    snapshot,
    write_dump,
)
from tests.etl.test_incremental import states_after_each_load, variant_dumps
from tests.test_cli import run_cli

SAMPLE = sorted(SAMPLE_DIR.glob("*.txt"))

pytestmark = pytest.mark.postgresql


def _cli_url(url) -> str:  # noqa: ANN001
    return url.render_as_string(hide_password=False)


def test_a_password_in_the_url_is_refused_and_never_repeated(sample_dir):
    for given, shown in (
        (
            "postgresql://loader:s3cr3t-pw@db.example:5432/papers",
            "postgresql://loader:***@db.example:5432/papers",
        ),
        (
            "postgresql+psycopg://loader@db.example/papers?sslmode=require&PassWord=s3cr3t-pw&port=5432",
            "postgresql+psycopg://loader@db.example/papers?sslmode=require&PassWord=***'",  # to the end: `&` may be in it
        ),
    ):
        done = run_cli("load", str(sample_dir), "--warehouse", given)
        assert done.returncode == EXIT_USAGE
        assert "s3cr3t-pw" not in done.stderr + done.stdout
        assert shown in done.stderr
    done = run_cli("check", env={"PAPERHOUSE_WAREHOUSE": "postgresql+psycopg://a:s3cr3t-pw@h/d"})
    assert done.returncode == EXIT_USAGE and "s3cr3t-pw" not in done.stderr


def test_a_load_over_tcp_takes_its_password_from_pgpass_and_never_shows_it(sample_dir):
    tcp, pgpass = (
        os.environ.get("PAPERHOUSE_TEST_POSTGRES_TCP_URL"),
        os.environ.get("PAPERHOUSE_TEST_POSTGRES_PGPASS"),
    )
    require_postgres()
    if not (tcp and pgpass):
        pytest.skip("the server of .ci/with-postgres (TCP with a password) is needed")
    password = open(pgpass).read().strip().rsplit(":", 1)[1]
    with postgres_database("tcp") as url:
        target = _cli_url(make_url(tcp).set(database=url.database))
        refused = run_cli("load", str(sample_dir), "--warehouse", target)
        assert (
            refused.returncode == 1 and "password" in refused.stderr and "nothing was done" in refused.stderr
        )
        done = run_cli("load", str(sample_dir), "--warehouse", target, "--json", env={"PGPASSFILE": pgpass})
        assert done.returncode == EXIT_OK, done.stderr
        report = json.loads(done.stdout)
        assert report["warehouse_rows"]["papers"] == 411 and report["serving"]["path"] is None
        assert report["storage"] == {}  # DuckDB's file format: a server has none to report
        checked = run_cli("check", "--warehouse", target, env={"PGPASSFILE": pgpass})
        assert checked.returncode == EXIT_OK, checked.stderr
        for output in (refused.stderr, done.stdout, done.stderr, checked.stdout, checked.stderr):
            assert password not in output


def test_a_second_load_waits_on_the_lock_names_the_holder_and_queues_with_wait(sample_dir):
    with postgres_database("lock") as url:
        engine = postgres_engine(url)
        lock = hold_load_lock(engine, "test")
        pid = lock.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        lock.commit()
        try:
            refused = run_cli("load", str(sample_dir), "--warehouse", _cli_url(url))
            assert refused.returncode == EXIT_LOCKED
            assert re.fullmatch(
                rf"paperhouse: the warehouse {re.escape(str(url))} is being loaded by pid {pid} \({APPLICATION}\): "
                r"another load \(a `paperhouse load` or a Dagster run\) holds its load lock; nothing was done\. "
                r"Run again later, or pass --wait SECONDS to queue behind it\n",
                refused.stderr,
            ), refused.stderr
            threading.Timer(2.0, lock.close).start()
            started = time.monotonic()
            queued = run_cli("load", str(sample_dir), "--warehouse", _cli_url(url), "--wait", "60", "--json")
            assert queued.returncode == EXIT_OK, queued.stderr
            assert time.monotonic() - started >= 2.0  # it waited for the holder, and said whom for
            assert queued.stderr == (
                f"paperhouse: the warehouse {url} is being loaded by pid {pid} ({APPLICATION}): "
                "waiting up to 60 s for its load lock\n"
            )
            assert json.loads(queued.stdout)["files_loaded"] == 5
        finally:
            lock.close()
            engine.dispose()


def test_a_reader_sees_only_complete_states_while_a_load_commits(sample_dir):
    """MVCC: a reader's snapshot taken before a load commits shows none of the load, then all of it."""
    with postgres_database("mvcc") as url:
        assert (
            run_cli("load", str(sample_dir / ".." / "none"), "--warehouse", _cli_url(url)).returncode
            == EXIT_USAGE
        )
        reader = postgres_engine(url, read_only=True)
        with reader.connect() as c:
            c.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            before = c.execute(text("SELECT count(*) FROM pg_tables WHERE tablename = 'papers'")).scalar_one()
            done = run_cli("load", str(sample_dir), "--warehouse", _cli_url(url))
            assert done.returncode == EXIT_OK, done.stderr
            still = c.execute(text("SELECT count(*) FROM pg_tables WHERE tablename = 'papers'")).scalar_one()
        assert (before, still) == (0, 0)  # the snapshot predates the load: no half-made schema shows
        with reader.connect() as c:
            assert c.execute(text("SELECT count(*) FROM v_papers")).scalar_one() == 411
            with pytest.raises(Exception, match="read-only transaction"):
                c.execute(text("DELETE FROM papers"))
        reader.dispose()


def test_grant_reader_lets_the_analyst_read_the_warehouse_and_nothing_else(sample_dir):
    with postgres_roles("analyst") as (analyst,), postgres_database("roles") as url:
        admin = postgres_engine(url)
        with admin.begin() as c:
            c.exec_driver_sql("CREATE SCHEMA payroll")
            c.exec_driver_sql("CREATE TABLE payroll.salaries AS SELECT 1 AS amount")
        assert run_cli("load", str(sample_dir), "--warehouse", _cli_url(url)).returncode == EXIT_OK
        granted = run_cli("grant-reader", analyst, "--warehouse", _cli_url(url))
        assert granted.returncode == EXIT_OK, granted.stderr
        assert granted.stdout == f"{analyst} may now read every table and view of {url}\n"
        # A later migration drops and re-creates the views it changes: the grant still holds.
        with admin.begin() as c:
            c.exec_driver_sql("DROP VIEW v_papers_with_code")
            c.exec_driver_sql("CREATE VIEW v_papers_with_code AS SELECT 1 AS answer")
        reader = postgres_engine(url.set(username=analyst))
        with reader.connect() as c:
            assert c.execute(text("SELECT count(*) FROM v_papers")).scalar_one() == 411
            assert c.execute(text("SELECT count(*) FROM papers")).scalar_one() == 411
            assert c.execute(text("SELECT answer FROM v_papers_with_code")).scalar_one() == 1
            assert c.execute(text("SELECT count(*) FROM search_papers('diffusion')")).scalar_one() == 43
            for statement in (
                "DELETE FROM papers",
                "UPDATE papers SET title = 'x'",
                "CREATE TABLE mine (x int)",
                "SELECT * FROM payroll.salaries",
                "DROP VIEW v_papers",
            ):
                with pytest.raises(Exception, match="permission denied|must be owner"):
                    c.execute(text(statement))
                c.rollback()
        reader.dispose()
        unknown = run_cli("grant-reader", "no_such_role", "--warehouse", _cli_url(url))
        assert unknown.returncode == 1
        assert 'role "no_such_role" does not exist; nothing was granted' in unknown.stderr
        admin.dispose()


def test_the_documented_roles_a_loader_that_owns_the_schema_grants_and_no_one_else_can(sample_dir):
    with (
        postgres_roles("loader", "analyst", "stranger") as (loader, analyst, stranger),
        postgres_database("owners") as url,
    ):
        admin = postgres_engine(url)
        with admin.begin() as c:  # the DBA steps of docs/postgresql.md
            c.exec_driver_sql(f"ALTER DATABASE {url.database} OWNER TO {loader}")
            c.exec_driver_sql(f"ALTER SCHEMA public OWNER TO {loader}")
        as_loader, as_analyst, as_stranger = (
            _cli_url(url.set(username=role)) for role in (loader, analyst, stranger)
        )
        assert run_cli("load", str(sample_dir), "--warehouse", as_loader).returncode == EXIT_OK
        refused = run_cli("grant-reader", analyst, "--warehouse", as_stranger)
        assert (refused.returncode, refused.stdout) == (1, "")
        assert refused.stderr == (
            "paperhouse: grant-reader failed: InsufficientPrivilege: permission denied for table "
            "alembic_version; nothing was granted\n"
        )
        reader = postgres_engine(url.set(username=analyst))
        with reader.connect() as c, pytest.raises(Exception, match="permission denied for view v_papers"):
            c.execute(text("SELECT count(*) FROM v_papers"))
        assert run_cli("grant-reader", analyst, "--warehouse", as_loader).returncode == EXIT_OK
        # A reader, who may read alembic_version, still may not pass the grant on.
        refused = run_cli("grant-reader", stranger, "--warehouse", as_analyst)
        assert (refused.returncode, refused.stdout) == (1, "")
        assert refused.stderr == (
            f"paperhouse: grant-reader failed: PermissionError: {analyst} may not grant on the warehouse "
            f'(must be member of role "{loader}"); run grant-reader as {loader}, the role that owns the '
            "warehouse; nothing was granted\n"
        )
        with postgres_engine(url.set(username=stranger)).connect() as c:
            with pytest.raises(Exception, match="permission denied for view v_papers"):
                c.execute(text("SELECT count(*) FROM v_papers"))
        # The next migration's views are the loader's, and the default privileges are too.
        with postgres_engine(url.set(username=loader)).begin() as c:
            c.exec_driver_sql("DROP VIEW v_papers_with_code")
            c.exec_driver_sql("CREATE VIEW v_papers_with_code AS SELECT 1 AS answer")
        with reader.connect() as c:
            assert c.execute(text("SELECT count(*) FROM v_papers")).scalar_one() == 411
            assert c.execute(text("SELECT answer FROM v_papers_with_code")).scalar_one() == 1
        # The last step of docs/postgresql.md: no temporary tables for readers; the loader, the owner, stages still.
        with admin.begin() as c:
            c.exec_driver_sql(f"REVOKE TEMPORARY ON DATABASE {url.database} FROM PUBLIC")
        with (
            reader.connect() as c,
            pytest.raises(Exception, match="permission denied to create temporary"),
        ):
            c.execute(text("CREATE TEMP TABLE mine (x int)"))
        write_dump(sample_dir, "2025-12-01_new.txt", dump_text("Dec 1", ["Fresh paper\n\nIts abstract."]))
        again = run_cli("load", str(sample_dir), "--warehouse", as_loader, "--json")
        assert again.returncode == EXIT_OK, again.stderr
        assert json.loads(again.stdout)["warehouse_rows"]["papers"] == 412
        reader.dispose()
        admin.dispose()


def test_grant_reader_on_a_duckdb_file_says_roles_are_postgresql_only(tmp_path):
    done = run_cli("grant-reader", "analyst", "--warehouse", str(tmp_path / "w.duckdb"))
    assert done.returncode == EXIT_USAGE and "needs a PostgreSQL warehouse" in done.stderr
    assert not (tmp_path / "w.duckdb").exists()


def _load(raw, url, *options: str) -> None:  # noqa: ANN001
    done = run_cli("load", str(raw), "--warehouse", _cli_url(url), *options)
    assert done.returncode == EXIT_OK, done.stderr


@pytest.mark.slow
def test_readers_of_the_warehouse_itself_always_see_a_complete_load(tmp_path):
    """A separate process queries the PostgreSQL warehouse through SQLAlchemy during 20 loads: no serving copy."""
    dumps = variant_dumps(tmp_path, 20)
    states = set(states_after_each_load(tmp_path, [[d] for d in dumps]))  # the DuckDB reference
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy2(dumps[0], raw / dumps[0].name)
    with postgres_database("readers") as url:
        _load(raw, url)
        answers = tmp_path / "answers.jsonl"
        reader = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).parents[1] / "bi_reader.py"),
                _cli_url(url),
                str(answers),
                "--pool",
            ],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            for dump in dumps[1:]:
                shutil.copy2(dump, raw / dump.name)
                _load(raw, url)  # a connected reader never makes a load fail or wait
        finally:
            time.sleep(1)
            reader.send_signal(signal.SIGTERM)
            reader.communicate(timeout=60)
    results = [json.loads(line) for line in answers.read_text().splitlines()]
    failures = [r for r in results if "error" in r]
    assert not failures, failures[:3]
    seen = {tuple(r["state"]) for r in results}
    assert len(results) >= 20 and len(seen) >= 5
    assert seen <= states, seen - states
    assert all(r["consistent"] for r in results)


@pytest.mark.slow
def test_a_load_killed_at_any_moment_leaves_before_or_after(tmp_path):
    """SIGKILL a load into PostgreSQL at 16 moments: every table is as before or as after, and the next run finishes."""
    base_raw, full_raw = tmp_path / "base_raw", tmp_path / "full_raw"
    for path in SAMPLE[:2]:
        write_dump(base_raw, path.name, path.read_bytes())
    shutil.copytree(base_raw, full_raw)
    for path in SAMPLE[2:]:
        shutil.copy2(path, full_raw / path.name)

    def data(url) -> dict:  # noqa: ANN001
        engine = postgres_engine(url)
        try:
            return snapshot(engine)
        finally:
            engine.dispose()

    with postgres_database("base") as base:
        _load(base_raw, base)
        before = data(base)
        with postgres_database("after", template=base) as after_url:
            started = time.perf_counter()
            _load(full_raw, after_url)
            duration = time.perf_counter() - started
            after = data(after_url)
        assert before != after
        outcomes = []
        for i in range(16):
            with postgres_database(f"kill{i}", template=base) as target:
                process = subprocess.Popen(
                    [sys.executable, "-m", "etl.cli", "load", str(full_raw), "--warehouse", _cli_url(target)],
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                time.sleep(duration * (0.1 + 0.9 * i / 15))
                process.send_signal(signal.SIGKILL)
                process.wait()
                state = data(target)  # committed states only: the dead session's batch is not visible
                assert state in (before, after), f"kill {i} left a state that is neither before nor after"
                outcomes.append(state == after)
                _load(full_raw, target, "--wait", "120")  # waits while the server ends the dead session
                assert data(target) == after
    assert not all(outcomes), "no kill interrupted a load: the delays are too long for this machine"


def test_search_papers_ranks_title_matches_first_and_uses_its_index(sample_dir):
    with postgres_database("search") as url:
        _load(sample_dir, url)
        engine = postgres_engine(url)
        with engine.connect() as c:

            def search(query: str) -> list[tuple]:
                return c.execute(text("SELECT * FROM search_papers(:q)"), {"q": query}).all()

            found = search("diffusion")
            assert len(found) == 43
            assert found[:3] == [
                (
                    427812405886509,
                    "DDAE++: Enhancing Diffusion Models Towards Unified Generative and Discriminative Learning",
                    3.0,
                ),
                (
                    3497494820634758,
                    "Predict, Refine, Synthesize: Self-Guiding Diffusion Models for Probabilistic Time Series Forecasting",
                    3.0,
                ),
                (
                    9002612557716092,
                    "CtrlDiff: Boosting Large Diffusion Language Models with Dynamic Block Prediction and Controllable Generation",
                    3.0,
                ),
            ]
            assert [rank for *_, rank in found] == sorted((rank for *_, rank in found), reverse=True)
            assert all("diffusion" in title.lower() for _, title, rank in found if rank >= 2.0)
            assert search('"world model" -video') == [
                (5529889851898289, "Learning on Model Weights using Tree Experts", 0.4)
            ]
            assert search("") == [] and search("'\\:-)") == []  # any text is a query; none raises
            c.exec_driver_sql("SET enable_seqscan = off")
            plan = "\n".join(c.exec_driver_sql("EXPLAIN SELECT * FROM search_papers('diffusion')").scalars())
            assert "Index Scan on ix_papers_search" in plan
        engine.dispose()


def test_the_search_function_is_the_file_that_its_migration_pins():
    pinned = importlib.import_module("migrations.versions.0009_search_index_within_tsvector_limit")
    assert (ROOT / "sql" / "functions" / "postgresql" / "search_papers.sql").read_text() == pinned.FUNCTION


def test_the_sample_and_a_generated_corpus_give_the_same_rows_on_both_engines(tmp_path, sample_dir):
    """The content-derived keys make the engines agree: every table, row for row, incremental loads included."""
    corpus = tmp_path / "corpus"
    generated = generate(corpus, 12, 150, repeat_rate=0.2, seed=11)
    shutil.copytree(sample_dir, corpus, dirs_exist_ok=True)
    first, later = generated[:6] + sorted(sample_dir.glob("*.txt")), generated[6:]
    duck = warehouse_engine(tmp_path / "w.duckdb")
    with postgres_database("same") as url:
        server = postgres_engine(url)
        for engine in (duck, server):
            load_paths(first, engine)
        assert snapshot(server) == snapshot(duck)
        for engine in (duck, server):
            load_paths(first + later, engine)
        rows = snapshot(duck)
        assert snapshot(server) == rows
        assert len(rows["source_files"]) == 17 and len(rows["papers"]) == 1818
        server.dispose()
    duck.dispose()


def test_an_abstract_longer_than_a_tsvector_holds_loads_and_is_searched_by_its_first_100k_characters(
    tmp_path,
):
    words = " ".join(f"w{i}" for i in range(150_000))  # 1.1 MB: its whole tsvector would be about 2 MB
    abstract = f"Quokka {words} platypus."
    write_dump(
        tmp_path / "raw", "2025-11-03_long.txt", dump_text("Nov 3", [f"Zebrafish atlas\n\n{abstract}"])
    )
    write_dump(tmp_path / "raw", "2025-11-04_short.txt", dump_text("Nov 4", ["Platypus genome\n\nShort."]))
    with postgres_database("long") as url:
        engine = postgres_engine(url)
        report = load_paths(sorted((tmp_path / "raw").glob("*.txt")), engine)
        assert report.warehouse_rows["papers"] == 2
        with engine.connect() as c:

            def search(query: str) -> list[str]:
                return list(c.execute(text("SELECT title FROM search_papers(:q)"), {"q": query}).scalars())

            stored = c.execute(
                text("SELECT length(abstract) FROM papers WHERE title = 'Zebrafish atlas'")
            ).scalar()
            assert stored == len(abstract)  # the text is whole; only the index reads a prefix
            assert search("quokka") == ["Zebrafish atlas"]
            assert search("w9000") == ["Zebrafish atlas"]
            assert search("platypus") == ["Platypus genome"]  # past the first 100,000 characters
        engine.dispose()


def test_each_batch_moves_its_search_entries_into_the_index_and_leaves_none_pending(sample_dir):
    """A pending GIN list left by one load would be merged, whole, by whichever later load crossed its limit."""
    with postgres_database("pending") as url:
        engine = postgres_engine(url)
        with engine.begin() as c:
            c.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        report = load_paths(SAMPLE, engine, batch_bytes=200_000)  # several batches
        assert report.batches_committed > 1
        with engine.connect() as c:
            pending = c.exec_driver_sql(
                "SELECT pending_tuples FROM pgstatginindex('ix_papers_search')"
            ).scalar_one()
            found = c.execute(text("SELECT count(*) FROM search_papers('diffusion')")).scalar_one()
            fastupdate = c.exec_driver_sql(
                "SELECT reloptions FROM pg_class WHERE relname = 'ix_papers_search'"
            ).scalar_one()
        assert (pending, found, fastupdate) == (0, 43, None)  # bulk inserts still queue (the default)
        engine.dispose()


SEARCH_INDEX_DEFINITION = "SELECT pg_get_indexdef(to_regclass('ix_papers_search'))"


def _search_index(engine) -> str | None:  # noqa: ANN001
    with engine.connect() as c:
        return c.exec_driver_sql(SEARCH_INDEX_DEFINITION).scalar_one()


def test_a_first_backfill_builds_the_search_index_at_its_end_as_the_migrations_make_it(monkeypatch):
    """Dropped in the backfill's first transaction, built in its last from sql/postgresql/create_search_index.sql."""
    monkeypatch.setattr(pipeline, "BACKFILL_COMMIT_BYTES", 1)  # a transaction per batch
    with postgres_database("migrated") as migrated, postgres_database("backfilled") as url:
        reference, engine = postgres_engine(migrated), postgres_engine(url)
        migrate(reference)
        for full_refresh in (False, True):  # into an empty warehouse, then rebuilding it
            report = load_paths(SAMPLE, engine, batch_bytes=200_000, full_refresh=full_refresh)
            assert report.batches_committed > 2
            assert _search_index(engine) == _search_index(reference) is not None
            with engine.connect() as c:
                found = c.execute(text("SELECT count(*) FROM search_papers('diffusion')")).scalar_one()
            assert found == 43
        reference.dispose()
        engine.dispose()


def test_a_backfill_that_fails_after_a_commit_builds_the_search_index_before_it_raises(monkeypatch):
    monkeypatch.setattr(pipeline, "BACKFILL_COMMIT_BYTES", 1)
    merge_checked = pipeline.merge_checked

    def failing_third(connection, planned, *args):  # noqa: ANN001, ANN002
        if planned.number == 2:
            raise RuntimeError("the third batch broke")
        return merge_checked(connection, planned, *args)

    monkeypatch.setattr(pipeline, "merge_checked", failing_third)
    with postgres_database("failed") as url:
        engine = postgres_engine(url)
        with pytest.raises(RuntimeError, match="the third batch broke"):
            load_paths(SAMPLE, engine, batch_bytes=200_000)
        with engine.connect() as c:
            papers = c.execute(text("SELECT count(*) FROM papers")).scalar_one()
        assert papers > 0 and _search_index(engine) is not None  # two batches committed, with the index
        engine.dispose()


def test_a_load_first_builds_the_search_index_a_backfill_that_never_ended_left_out(sample_dir):
    """A backfill killed after a commit leaves the index dropped: the next load builds it before anything else."""
    with postgres_database("killed") as url:
        engine = postgres_engine(url)
        load_paths(SAMPLE[:2], engine)
        with engine.begin() as c:
            c.exec_driver_sql("DROP INDEX ix_papers_search")  # as the killed backfill left it
        report = load_paths(SAMPLE[:2], engine)  # nothing new to read
        assert report.batches_committed == 0 and _search_index(engine) is not None
        engine.dispose()


@pytest.mark.slow
def test_a_server_that_ends_the_load_s_sessions_mid_load_is_said_in_words_with_what_committed(tmp_path):
    """The server ends every session of a load after some batches committed: the message says so, and which."""
    from tests.test_cli import many_dumps

    raw, held = tmp_path / "raw", tmp_path / "held"
    held.mkdir()
    paths = many_dumps(raw, 60)
    for path in paths[3:]:  # a first load of 3, so that the second is no backfill and commits per batch
        path.rename(held / path.name)
    with postgres_database("ended") as url:
        _load(raw, url)
        for path in held.iterdir():
            path.rename(raw / path.name)
        admin = postgres_engine(url)
        load = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "etl.cli",
                "load",
                str(raw),
                "--batch-mb",
                "0.001",
                "--warehouse",
                _cli_url(url),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            with admin.connect() as connection:
                committed = 0
                while committed < 3 + 4 and load.poll() is None:  # four batches of the second load
                    committed = connection.execute(text("SELECT count(*) FROM source_files")).scalar_one()
                    connection.rollback()
                    time.sleep(0.02)
                ended = connection.execute(
                    text(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).scalar_one()
                connection.commit()
            _, err = load.communicate(timeout=60)
            with admin.connect() as connection:
                now = connection.execute(text("SELECT count(*) FROM source_files")).scalar_one()
        finally:
            load.kill()
            admin.dispose()
    assert ended >= 1 and load.returncode == 1
    message = [line for line in err.splitlines() if line.startswith("paperhouse:")]
    assert len(message) == 1 and "Traceback" not in err, err
    # The driver reports either the server's own words or the closed socket, as the ending reaches it.
    reason = r"\((AdminShutdown: terminating connection due to administrator command|OperationalError: consuming input failed: server closed the connection unexpectedly[^;]*)\); "
    assert re.match(
        "paperhouse: load failed: the server closed the connection "
        + reason
        + re.escape(f"committed: {now - 3} of 57 batches, {now - 3} dumps ("),
        message[0],
    ), message[0]
    assert message[0].endswith("; the next run tries them again")


@pytest.mark.slow
def test_sigterm_stops_a_load_whose_server_stopped_answering_mid_load(tmp_path):
    """The load's session is frozen (SIGSTOP) mid-load: SIGTERM still ends the load at once, saying what committed."""
    from tests.test_cli import many_dumps

    many_dumps(tmp_path / "raw", 60)
    with postgres_database("frozen") as url:
        admin = postgres_engine(url)
        load = subprocess.Popen(
            [sys.executable, "-m", "etl.cli", "load", str(tmp_path / "raw"), "--batch-mb", "0.001"]
            + ["--warehouse", _cli_url(url)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        frozen = None
        try:
            with admin.connect() as connection:
                while frozen is None and load.poll() is None:
                    frozen = connection.execute(
                        text(
                            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                            "AND application_name = 'paperhouse' AND pid <> pg_backend_pid() AND "
                            "EXISTS (SELECT FROM pg_tables WHERE tablename = 'papers')"
                        )
                    ).scalar()
                    connection.rollback()
                    time.sleep(0.05)
            os.kill(frozen, signal.SIGSTOP)
            time.sleep(1)
            signalled = time.monotonic()
            load.send_signal(signal.SIGTERM)
            _, err = load.communicate(timeout=60)
            took = time.monotonic() - signalled
        finally:
            if frozen is not None:
                os.kill(frozen, signal.SIGCONT)
            load.kill()
            admin.dispose()
    message = [line for line in err.splitlines() if line.startswith("paperhouse:")]
    assert load.returncode == 128 + signal.SIGTERM and len(message) == 1, err
    assert message[0].startswith("paperhouse: stopped by SIGTERM; ")
    assert took < 3  # a cancel the server does not answer, then the socket shut: about a second


def test_a_load_meeting_a_dagster_runs_lock_names_the_run(sample_dir):
    with postgres_database("named_lock") as url:
        engine = postgres_engine(url)
        lock = hold_load_lock(engine, "test", holder="Dagster run 5f0c2a3e-91d4-4c8b-a0f1-2d6e7b9c8a10")
        pid = lock.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        lock.commit()
        try:
            refused = run_cli("load", str(sample_dir), "--warehouse", _cli_url(url))
            assert refused.returncode == EXIT_LOCKED
            assert re.fullmatch(
                rf"paperhouse: the warehouse {re.escape(str(url))} is being loaded by pid {pid} "
                r"\(Dagster run 5f0c2a3e-91d4-4c8b-a0f1-2d6e7b9c8a10\)( from \S+)?: another load "
                r"\(a `paperhouse load` or a Dagster run\) holds its load lock; nothing was done\. "
                r"Run again later, or pass --wait SECONDS to queue behind it\n",
                refused.stderr,
            ), refused.stderr
        finally:
            lock.close()
            engine.dispose()
