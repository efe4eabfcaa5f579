"""How long does one search take in a client? Each query of `bench.search_agreement`, in the duckdb CLI.

    python -m bench.search_speed WAREHOUSE --cli .clients/cli-1.5/bin/duckdb [--repeat 3] [--json]

Opens WAREHOUSE read-only in the given duckdb CLI (a client the project did not write, as an
analyst would), and runs `SELECT * FROM search_papers(q) LIMIT 10` `repeat` times per query in one
session, with `.timer on`. Prints, per query, the median wall seconds the CLI reports, and how many
papers the query matches (counted once, untimed), then the median and the maximum over queries.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
from pathlib import Path

from bench.search_agreement import QUERIES

_RUN_TIME = re.compile(r"Run Time \(s\): real ([0-9.]+)")


def _literal(query: str) -> str:
    return "'" + query.replace("'", "''") + "'"


def timings(warehouse: Path, cli: Path, repeat: int = 3) -> dict[str, dict]:
    """Per query: median seconds of its first 10 results, and the number of papers it matches."""
    found: dict[str, dict] = {}
    for query in QUERIES:
        top = f"SELECT * FROM search_papers({_literal(query)}) LIMIT 10;\n"
        count = f"SELECT count(*) FROM search_papers({_literal(query)});\n"
        script = ".timer on\n" + top * repeat + ".timer off\n.mode list\n" + count
        done = subprocess.run(
            [str(cli), "-readonly", str(warehouse)], input=script, capture_output=True, text=True, check=False
        )
        if done.returncode:
            raise SystemExit(f"{cli} failed on {query!r}: {done.stderr.strip()}")
        seconds = [float(s) for s in _RUN_TIME.findall(done.stdout)]
        assert len(seconds) == repeat, done.stdout[-2000:] + done.stderr[-2000:]
        found[query] = {
            "seconds": round(statistics.median(seconds), 3),
            "matches": int(done.stdout.strip().splitlines()[-1]),
        }
    return found


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--cli", type=Path, required=True, help="a duckdb CLI binary")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    found = timings(args.warehouse, args.cli, args.repeat)
    seconds = [f["seconds"] for f in found.values()]
    summary = {"median": round(statistics.median(seconds), 3), "max": max(seconds)}
    if args.json:
        print(json.dumps({"queries": found, "summary": summary}, indent=2))
        return
    for query, f in found.items():
        print(f"{f['seconds']:7.3f} s  {f['matches']:>8} papers  {query}")
    print(f"median {summary['median']:.3f} s, max {summary['max']:.3f} s over {len(found)} queries")


if __name__ == "__main__":
    main()
