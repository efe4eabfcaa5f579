"""A clean exit with DuckDB loaded: release its Python-level type constants before the interpreter finalizes.

DuckDB's extension is built with nanobind, which checks at the very end of the process (after
Python's last garbage collection) that none of its objects is still alive, and prints
`nanobind: leaked N instances!` and some 40 more lines to stderr when one is. `duckdb.value.constant`
binds the 27 type constants of `duckdb.sqltypes` (BIGINT, VARCHAR, ...) in its namespace. At
shutdown that module object is freed before Python clears the namespaces of the modules still
alive, while its namespace lives on through its classes' methods (their globals); once a polars
conversion of a Python list has pinned polars in a static of its Rust side (any `is_in(list)`
after SQLAlchemy and duckdb-engine are imported does), those classes are no longer collected
before nanobind's check, and the 27 constants (with the types and functions they reference)
are reported as leaked. Nothing leaks in fact: the process is ending.

Clearing that one namespace at exit, before finalization begins, frees them while the
interpreter is whole, so a clean run prints nothing on stderr (cron mails stderr). It runs after
the program's own work (atexit), when nothing uses `duckdb.value` any more. If a DuckDB release
moves the constants elsewhere, `tests/test_cli.py`'s clean-stderr tests fail and name the lines.
"""

from __future__ import annotations

import atexit
import sys

MODULE = "duckdb.value.constant"


def release_duckdb_constants() -> None:
    """Clear the namespace of `duckdb.value.constant`, if loaded, so its type constants are freed now."""
    module = sys.modules.get(MODULE)
    if module is not None:
        vars(module).clear()


def release_at_exit() -> None:
    """Have `release_duckdb_constants` run at interpreter exit (once however often this is called)."""
    atexit.unregister(release_duckdb_constants)
    atexit.register(release_duckdb_constants)
