"""Clients the project did not write, each in its own environment, read the warehouse.

`make clients` (and `make test`) builds them under .clients/: the duckdb CLI 1.5.6 and 1.4.4 from
PyPI, and a Superset-like Python (duckdb 1.4.4, SQLAlchemy 1.4, duckdb-engine, psycopg2). They
open the DuckDB serving copy; on PostgreSQL, the Superset-like Python and Debian's psql read the
warehouse itself as the analyst role. The connection strings are the documented ones: docs/tested.toml
holds them, and the pages that show them to users (docs/bi_clients.md, docs/postgresql.md) must show
them word for word.

The recipes of docs/bi_clients.md (its blocks marked `recipe=`) run as written: the CLI ones install
duckdb-cli from PyPI, the Node ones use @duckdb/node-api 1.4.2-r.1 (`make clients`: .clients/node-api),
and Evidence's is checked the way its duckdb source resolves `filename`. Clients that open the
serving copy without read-only mode run as a user other than root (tests/clients/nonroot.py) and are
refused by the file's mode.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from etl.cli import EXIT_OK, main
from etl.serving import publish
from etl.warehouse import warehouse_engine
from tests.clients.nonroot import cli_as_client, hand_over, open_folder, python_as_client
from tests.conftest import ROOT, SAMPLE_DIR, postgres_database, postgres_roles
from tests.documented import pages, pinned

DOCUMENTED_PATH = "/abs/path/warehouse/serving/paperhouse.duckdb"
CLIENTS = Path(os.environ.get("PAPERHOUSE_CLIENTS", ROOT / ".clients"))
VIEWS = sorted(p.stem for p in (ROOT / "sql" / "views").glob("*.sql"))

pytestmark = pytest.mark.slow


def client(env: str, program: str) -> Path:
    path = CLIENTS / env / "bin" / program
    if not path.exists():
        if os.environ.get("PAPERHOUSE_CI"):
            pytest.fail(f"{path} is missing: `make clients` builds it")
        pytest.skip(f"{path} is missing: `make clients` builds it")
    return path


def documented(name: str, *keys: str) -> list[str]:
    """Connection strings of docs/tested.toml, checked to be shown word for word on every page that
    shows them to users."""
    table = pinned(name)
    for page, text in pages(table).items():
        assert [k for k in keys if f"`{table[k]}`" not in text] == [], f"{page} no longer shows them"
    return [table[k] for k in keys]


def documented_duckdb_strings() -> tuple[str, str]:
    """The duckdb CLI command and the Superset URI of the serving copy."""
    cli, uri = documented("duckdb_clients", "duckdb_cli", "superset_uri")
    return cli, uri


def test_the_documented_connection_strings_name_the_serving_copy_read_only():
    cli, uri = documented_duckdb_strings()
    assert cli == f"duckdb -readonly {DOCUMENTED_PATH}"
    assert uri == f"duckdb:///{DOCUMENTED_PATH}?access_mode=READ_ONLY"
    assert documented("postgresql_clients", "superset_uri") == [
        "postgresql+psycopg2://analyst@db:5432/papers"
    ]


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> tuple[Path, Path]:
    """A fresh load of the bundled sample; the folder standing for /abs/path, and its serving copy."""
    root = tmp_path_factory.mktemp("abs")
    assert (
        main(["load", str(SAMPLE_DIR), "--warehouse", str(root / "warehouse" / "paperhouse.duckdb")])
        == EXIT_OK
    )
    return root, root / "warehouse" / "serving" / "paperhouse.duckdb"


@pytest.fixture(scope="module")
def expected(served) -> dict:
    """What the project's own DuckDB reads in the serving copy: view counts, comments."""
    connection = duckdb.connect(str(served[1]), read_only=True)
    try:
        counts = {v: connection.execute(f"SELECT count(*) FROM {v}").fetchone()[0] for v in VIEWS}
        comments = {
            name: connection.execute(
                "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
                [name],
            ).fetchall()
            for name in ("v_papers", "papers")
        }
    finally:
        connection.close()
    return {"counts": counts, "comments": comments}


@pytest.mark.parametrize(("env", "version"), [("cli-1.5", "v1.5.6"), ("cli-1.4", "v1.4.4")])
def test_the_duckdb_cli_from_pypi_answers_every_view(served, expected, env, version):
    root, _ = served
    command = documented_duckdb_strings()[0].replace("/abs/path", str(root)).split()
    duckdb_cli = client(env, "duckdb")
    sql = "PRAGMA version; " + "; ".join(f"SELECT '{v}', count(*) FROM {v}" for v in VIEWS)
    done = subprocess.run(
        [str(duckdb_cli), *command[1:], "-csv", "-noheader", "-c", sql],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(version + ",")
    assert dict(line.split(",") for line in lines[1:]) == {v: str(n) for v, n in expected["counts"].items()}
    assert expected["counts"]["v_papers"] == 411


def test_a_superset_like_environment_queries_and_reflects_with_comments(served, expected):
    root, _ = served
    python = client("superset", "python")
    uri = documented_duckdb_strings()[1].replace("/abs/path", str(root))
    done = subprocess.run(
        [str(python), str(ROOT / "tests" / "clients" / "reflect.py"), uri],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert (seen["duckdb"], seen["sqlalchemy"]) == ("1.4.4", "1.4.54")
    assert seen["views"] == VIEWS and seen["counts"] == expected["counts"]
    assert {"papers", "paper_appearances", "source_files", "dates"} <= set(seen["tables"])
    for name, columns in seen["columns"].items():
        assert [tuple(c) for c in columns] == expected["comments"][name]
        assert all(comment for _, comment in columns), f"{name} has a column without a description"


def run_reflect(uri: str) -> dict:
    """What the Superset-like environment sees at `uri` (tests/clients/reflect.py)."""
    done = subprocess.run(
        [str(client("superset", "python")), str(ROOT / "tests" / "clients" / "reflect.py"), uri],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.postgresql
def test_superset_like_python_and_psql_read_the_postgresql_warehouse_as_the_analyst(expected):
    (documented_uri,) = documented("postgresql_clients", "superset_uri")
    psql = Path(os.environ.get("PAPERHOUSE_TEST_POSTGRES_BIN", "/usr/lib/postgresql/15/bin")) / "psql"
    with postgres_roles("analyst") as (analyst,), postgres_database("bi") as url:
        target = url.render_as_string(hide_password=False)
        assert main(["load", str(SAMPLE_DIR), "--warehouse", target]) == EXIT_OK
        assert main(["grant-reader", analyst, "--warehouse", target]) == EXIT_OK
        host, port = url.query["host"], url.query["port"]
        seen = run_reflect(
            documented_uri.replace(
                "analyst@db:5432/papers", f"{analyst}@/{url.database}?host={host}&port={port}"
            )
        )
        assert seen["sqlalchemy"] == "1.4.54"
        assert seen["views"] == VIEWS and seen["counts"] == expected["counts"]  # the same as DuckDB's
        assert {"papers", "paper_appearances", "source_files", "dates"} <= set(seen["tables"])
        for name, columns in seen["columns"].items():
            assert [tuple(c) for c in columns] == expected["comments"][name]

        def as_analyst(sql: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                [str(psql), "-h", host, "-p", port, "-U", analyst, "-d", url.database, "-At"]
                + ["-v", "ON_ERROR_STOP=1", "-c", sql],
                capture_output=True,
                text=True,
                timeout=60,
            )

        found = as_analyst("SELECT count(*) FROM search_papers('diffusion')")
        assert (found.returncode, found.stdout) == (0, "43\n"), found.stderr
        refused = as_analyst("DELETE FROM paper_links")
        assert refused.returncode == 1 and "permission denied for table paper_links" in refused.stderr


# The serving copy refuses writes: each version file is published read-only (etl.serving.SERVED_MODE).
# Clients run as a user file modes apply to (tests/clients/nonroot.py), owning the files.
WRITE = "CREATE TABLE analyst_notes AS SELECT 1 AS note"
REFUSED = 'IO Error: Cannot open file "{}": Permission denied'  # DuckDB 1.4 names the symlink, 1.5 its target


@pytest.fixture(scope="module")
def handed_over():
    """A fresh load of the sample in a folder the client user owns; its serving path."""
    with open_folder() as root:
        warehouse = root / "warehouse" / "paperhouse.duckdb"
        assert main(["load", str(SAMPLE_DIR), "--warehouse", str(warehouse)]) == EXIT_OK
        hand_over(root)
        yield root / "warehouse" / "serving" / "paperhouse.duckdb"


def served_files(serving: Path) -> dict[str, tuple[int, str]]:
    """Every file under the serving folder: its mode and the SHA-256 of its bytes."""
    return {
        str(p.relative_to(serving.parent)): (
            p.lstat().st_mode & 0o7777,
            hashlib.sha256(p.read_bytes()).hexdigest(),
        )
        for p in sorted(serving.parent.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def python_clients() -> list[tuple[str, Path]]:
    """The project's Python (its duckdb) and the Superset-like one (duckdb 1.4.4)."""
    return [("project", Path(sys.executable)), ("superset", client("superset", "python"))]


@pytest.mark.parametrize("env", ["cli-1.5", "cli-1.4", "python-project", "python-superset"])
def test_a_client_without_read_only_mode_is_refused_and_nothing_changes(handed_over, env):
    hand_over(handed_over.parent)  # the client owns the files: only their mode stops it
    version = handed_over.resolve()
    before = served_files(handed_over)
    assert before[str(version.relative_to(handed_over.parent))][0] == 0o444
    if env.startswith("cli"):
        argv = [*cli_as_client(client(env, "duckdb")), str(handed_over), "-c", WRITE]
    else:
        python = dict(python_clients())[env.removeprefix("python-")]
        write = f"import duckdb, sys; duckdb.connect(sys.argv[1]).execute({WRITE!r})"
        argv = [*python_as_client(python), "-c", write, str(handed_over)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert any(REFUSED.format(p) in done.stderr for p in (handed_over, version)), done.stderr
    assert served_files(handed_over) == before  # the same bytes, no WAL, still read-only


@pytest.mark.parametrize("env", ["cli-1.5", "cli-1.4", "python-project", "python-superset"])
def test_a_read_only_client_reads_and_writes_nothing(handed_over, env):
    before = served_files(handed_over)
    if env.startswith("cli"):
        command = documented_duckdb_strings()[0].split()
        argv = [*cli_as_client(client(env, "duckdb")), *command[1:-1], str(handed_over), "-csv", "-noheader"]
        argv += ["-c", "SELECT count(*) FROM v_papers"]
    else:
        python = dict(python_clients())[env.removeprefix("python-")]
        read = "SELECT count(*) FROM v_papers"
        read = f"import duckdb, sys; print(duckdb.connect(sys.argv[1], read_only=True).execute({read!r}).fetchone()[0])"
        argv = [*python_as_client(python), "-c", read, str(handed_over)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "411"), done.stderr
    assert served_files(handed_over) == before  # no WAL beside the version


READ_WHILE_PUBLISHING = """
import duckdb, sys, time
from pathlib import Path
serving, stop = sys.argv[1], Path(sys.argv[2])
opened = errors = 0
while not stop.exists():
    try:
        connection = duckdb.connect(serving, read_only=True)
        assert connection.execute("SELECT count(*) FROM v_papers").fetchone()[0] == 411
        connection.close()
        opened += 1
    except Exception as exc:
        errors += 1
        print(exc, file=sys.stderr)
print(opened, errors)
"""


def test_read_only_clients_open_the_copy_while_new_versions_are_published(handed_over):
    warehouse = handed_over.parent.parent / "paperhouse.duckdb"
    stop = handed_over.parent.parent.parent / "stop"
    reader = subprocess.Popen(
        [*python_as_client(Path(sys.executable)), "-c", READ_WHILE_PUBLISHING, str(handed_over), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    engine = warehouse_engine(warehouse)
    try:
        for _ in range(5):
            publish(engine, warehouse, handed_over)
            assert handed_over.resolve().stat().st_mode & 0o7777 == 0o444
    finally:
        engine.dispose()
        stop.touch()
        out, err = reader.communicate(timeout=120)
    opened, errors = map(int, out.split())
    assert (errors, reader.returncode) == (0, 0), err
    assert opened > 0


# The recipes of docs/bi_clients.md, run as written: its fenced blocks marked `recipe=<name>`.
RECIPE = re.compile(r"^```(\w+) recipe=([\w.-]+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
RECIPES = {"cli-1.5", "cli-1.4", "python", "node-api", "evidence-link", "evidence-connection"}


def recipe(name: str, root: Path, scratch: Path) -> str:
    """The block `name` of docs/bi_clients.md, `/abs/path` standing for `root` and `/tmp/` for `scratch`."""
    blocks = {
        m[2]: m[3] for m in RECIPE.finditer((ROOT / "docs" / "bi_clients.md").read_text(encoding="utf-8"))
    }
    assert set(blocks) == RECIPES
    return blocks[name].replace("/tmp/", f"{scratch}/").replace("/abs/path", str(root))


def run_recipe(argv: list[str], **kwargs) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize("name", ["cli-1.5", "cli-1.4"])
def test_the_duckdb_cli_recipes_install_and_query_as_written(served, name, tmp_path):
    shell = recipe(name, served[0], tmp_path)
    answer = run_recipe(["bash", "-euo", "pipefail", "-c", shell])
    assert re.search(r"^│\s+411\s+│$", answer, re.MULTILINE), answer  # the CLI's box, one row


@pytest.mark.parametrize("env", ["project", "superset"])
def test_the_python_recipe_runs_as_written(served, env, tmp_path):
    python = dict(python_clients())[env]
    assert run_recipe([str(python), "-c", recipe("python", served[0], tmp_path)]) == "411\n"


def node_api() -> Path:
    """The node_modules folder `make clients` installs @duckdb/node-api into (and node is there to run it)."""
    modules = CLIENTS / "node-api" / "node_modules"
    if shutil.which("node") is None or not (modules / "@duckdb" / "node-api" / "package.json").exists():
        if os.environ.get("PAPERHOUSE_CI"):
            pytest.fail(f"{modules} has no @duckdb/node-api: `make clients` installs it")
        pytest.skip(f"{modules} has no @duckdb/node-api: `make clients` installs it")
    return modules


def run_node(script: str, folder: Path) -> str:
    """Run the ES module `script` from `folder`, which sees .clients/node-api's packages."""
    (folder / "node_modules").symlink_to(node_api())
    (folder / "recipe.mjs").write_text(script, encoding="utf-8")
    return run_recipe(["node", "recipe.mjs"], cwd=folder)


def test_the_node_api_recipe_runs_as_written(served, tmp_path):
    assert run_node(recipe("node-api", served[0], tmp_path), tmp_path) == "411\n"


# What Evidence's duckdb source (@evidence-dev/duckdb 1.0.13, packages/datasources/duckdb/index.cjs,
# runQuery) opens: path.join(the source's folder, filename), READ_ONLY, through @duckdb/node-api.
EVIDENCE_OPENS = """
import { DuckDBInstance } from "@duckdb/node-api";
import path from "node:path";
import fs from "node:fs";
const [directory, filename] = process.argv.slice(2);
const opened = path.join(directory, filename);
if (!fs.existsSync(opened)) { console.log("missing " + opened); process.exit(0); }
const instance = await DuckDBInstance.create(opened, { access_mode: "READ_ONLY", custom_user_agent: "evidence-dev" });
const reader = await (await instance.connect()).runAndReadAll("select count(*) from v_papers");
console.log(String(reader.getRows()[0][0]));
"""


def test_the_evidence_recipe_opens_the_copy_the_way_evidences_duckdb_source_does(served, tmp_path):
    import yaml

    project = tmp_path / "evidence"
    project.mkdir()
    run_recipe(["bash", "-euo", "pipefail", "-c", recipe("evidence-link", served[0], tmp_path)], cwd=project)
    source = project / "sources" / "papers"
    connection = yaml.safe_load(recipe("evidence-connection", served[0], tmp_path))
    assert (connection["name"], connection["type"]) == (source.name, "duckdb")
    (source / "connection.yaml").write_text(
        recipe("evidence-connection", served[0], tmp_path), encoding="utf-8"
    )
    (tmp_path / "node_modules").symlink_to(node_api())
    (tmp_path / "opens.mjs").write_text(EVIDENCE_OPENS, encoding="utf-8")

    def opens(filename: str) -> str:
        return run_recipe(["node", "opens.mjs", str(source), filename], cwd=tmp_path).strip()

    assert opens(connection["options"]["filename"]) == "411"
    # What the README said before: an absolute filename is joined onto the source's folder.
    absolute = str(served[1])
    assert opens(absolute) == f"missing {source}{absolute}"
