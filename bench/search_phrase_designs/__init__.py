"""Phrase designs for `search_papers` on DuckDB, timed paired against the shipped macro (prototypes).

    python -m bench.search_phrase_designs WAREHOUSE --cli .clients/cli-1.5/bin/duckdb [--rounds 5]

Each design (`chain.sql`, `grouped.sql`, `unnested.sql` here) replaces the phrase CTEs of
`sql/functions/duckdb/search_papers.sql` after `phrase_words`, to `phrase_bits`, and is created as a
TEMP macro in a read-only CLI session, so the warehouse is not changed. Per phrase query of
`bench.search_agreement`: every design must return what the shipped macro returns (the count
and a hash of every row), then `SELECT * FROM <macro>(q) LIMIT 10` is timed in `rounds` rounds,
the designs in a rotated order each round, after one untimed round; the median per design.
"""

from __future__ import annotations

import re
import statistics
import subprocess
from pathlib import Path

from bench.search_agreement import QUERIES
from etl.sql import sql_file

DESIGNS = ("chain", "grouped", "unnested")
PHRASE_QUERIES = tuple(q for q in QUERIES if '"' in q)
_HERE = Path(__file__).parent
_RUN_TIME = re.compile(r"Run Time \(s\): real ([0-9.]+)")
_START, _END = "), phrase_places AS MATERIALIZED (", "), phrased AS ("


def design_macro(design: str) -> str:
    """The shipped macro's text with its phrase CTEs replaced by `design`'s, as TEMP macro search_papers_<design>."""
    shipped = sql_file("functions", "search_papers", "duckdb")
    body = shipped[shipped.index("CREATE MACRO") :]
    start, end = body.index(_START), body.index(_END)
    segment = (_HERE / f"{design}.sql").read_text()
    segment = segment[segment.index("\n), ") + 1 :].rstrip() + "\n"
    body = body[:start] + segment + body[end:]
    if design == "chain":
        body = body.replace("AS TABLE\nWITH items AS (", "AS TABLE\nWITH RECURSIVE items AS (", 1)
    body = body.rstrip().rstrip(";") + ";"
    return body.replace("CREATE MACRO search_papers(", f"CREATE TEMP MACRO search_papers_{design}(", 1)


def _literal(query: str) -> str:
    return "'" + query.replace("'", "''") + "'"


def _run(cli: Path, warehouse: Path, script: str) -> str:
    done = subprocess.run(
        [str(cli), "-readonly", str(warehouse)], input=script, capture_output=True, text=True, check=False
    )
    if done.returncode or "Error" in done.stdout:
        raise SystemExit(f"{cli} failed: {(done.stderr or done.stdout).strip()[:2000]}")
    return done.stdout


def compare(
    warehouse: Path, cli: Path, rounds: int = 5, queries=PHRASE_QUERIES
) -> dict[str, dict[str, float]]:
    """Per query, the median seconds of each macro (`search_papers` and each design's); checks they agree."""
    macros = ("search_papers",) + tuple(f"search_papers_{d}" for d in DESIGNS)
    setup = "".join(design_macro(d) + "\n" for d in DESIGNS)
    found: dict[str, dict[str, float]] = {}
    for query in queries:
        check = ".mode list\n.headers off\n" + "".join(
            f"SELECT count(*) || ' ' || coalesce(bit_xor(hash(paper_id, title, rank)), 0) FROM {m}({_literal(query)});\n"
            for m in macros
        )
        answers = _run(cli, warehouse, setup + check).split()
        assert len(set(zip(answers[::2], answers[1::2], strict=True))) == 1, (query, answers)
        timed: list[str] = []
        script = setup + "".join(f"SELECT * FROM {m}({_literal(query)}) LIMIT 10;\n" for m in macros)
        script += ".timer on\n"
        for r in range(rounds):
            order = macros[r % len(macros) :] + macros[: r % len(macros)]
            timed += order
            script += "".join(f"SELECT * FROM {m}({_literal(query)}) LIMIT 10;\n" for m in order)
        seconds = [float(s) for s in _RUN_TIME.findall(_run(cli, warehouse, script))]
        assert len(seconds) == len(timed)
        found[query] = {
            m: round(statistics.median(s for n, s in zip(timed, seconds, strict=True) if n == m), 3)
            for m in macros
        }
        found[query]["matches"] = int(answers[0])
    return found
