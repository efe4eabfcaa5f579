"""The report's queries: one named file each under `sql/digest/`, run read-only over the analyst views.

Each file starts with a comment saying what it answers, ending in `-- binds:` and the names of the
`:parameters` it takes (none: an empty list); `query_names` reads them, and `run` refuses a file whose
header disagrees with its text or a call that binds other names. The files are shared by DuckDB and
PostgreSQL (`etl.sql` picks an engine's own text where one exists). Rows come back as dictionaries.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from sqlalchemy import Connection, text

from etl.sql import sql_file, sql_names

FOLDER = "digest"
_BINDS = re.compile(r"^-- binds:(.*)$", re.MULTILINE)
_PARAMETER = re.compile(r"(?<![:\w]):([a-z_]+)\b")


@cache
def declared_binds(name: str) -> tuple[str, ...]:
    """The parameters the header of `sql/digest/<name>.sql` names, checked against its text."""
    sql = sql_file(FOLDER, name)
    found = _BINDS.search(sql)
    if found is None:
        raise ValueError(f"sql/{FOLDER}/{name}.sql: its header lacks `-- binds:`")
    declared = tuple(b.strip() for b in found[1].split(",") if b.strip())
    body = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    used = tuple(sorted(set(_PARAMETER.findall(body))))
    if tuple(sorted(declared)) != used:
        raise ValueError(f"sql/{FOLDER}/{name}.sql binds {list(used)}, its header says {list(declared)}")
    return declared


def query_names() -> list[str]:
    """Every query of the report, by name (`session` included: the settings run first)."""
    return sql_names(FOLDER)


def run(connection: Connection, name: str, **binds: Any) -> list[dict[str, Any]]:
    """The rows of query `name`, with exactly the binds its header names."""
    declared = declared_binds(name)
    if set(binds) != set(declared):
        raise TypeError(f"sql/{FOLDER}/{name}.sql binds {sorted(declared)}, given {sorted(binds)}")
    sql = sql_file(FOLDER, name, connection.dialect.name)
    result = connection.execute(text(sql), binds)
    return [dict(row) for row in result.mappings()] if result.returns_rows else []
