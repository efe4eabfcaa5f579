"""`paperhouse load`: the command line for cron and scripts."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from etl.pipeline import LoadReport, default_listing_year, default_raw_dir, load_dumps
from etl.warehouse import default_warehouse_path, warehouse_engine

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_REJECTED = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paperhouse", description="Hugging Face Daily Papers dumps to DuckDB."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help="load new and changed dumps of a folder into the warehouse")
    load.add_argument(
        "raw_dir", nargs="?", type=Path, help="dump folder (default: $PAPERHOUSE_RAW_DIR or data/raw)"
    )
    load.add_argument(
        "--warehouse",
        type=Path,
        help="DuckDB file (default: $PAPERHOUSE_WAREHOUSE or warehouse/paperhouse.duckdb)",
    )
    load.add_argument(
        "--listing-year", type=int, help="year of listing dates when the file name has no ISO date"
    )
    load.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    return parser


def format_report(report: LoadReport, warehouse: Path) -> str:
    """A human summary of one load."""
    lines = [
        f"warehouse: {warehouse}",
        f"files: {report.files_seen} seen, {report.files_loaded} loaded, "
        f"{report.files_unchanged} unchanged, {len(report.files_rejected)} rejected",
        f"entries: {report.entries}; papers: {report.papers_new} new, "
        f"{report.papers_already_known} already known, {report.papers_removed} removed",
        f"links: {report.links}; paper keywords: {report.keywords}",
        "tables: " + ", ".join(f"{name} {count}" for name, count in report.warehouse_rows.items()),
    ]
    lines += [f"REJECTED {r['file']}: {r['reason']}" for r in report.files_rejected]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = _parser().parse_args(argv)
    raw_dir = args.raw_dir or default_raw_dir()
    warehouse = args.warehouse or default_warehouse_path()
    listing_year = args.listing_year if args.listing_year is not None else default_listing_year()
    try:
        report = load_dumps(raw_dir, warehouse_engine(warehouse), listing_year)
    except Exception as exc:  # noqa: BLE001 - any failure: report it, exit non-zero, nothing committed
        print(f"paperhouse: load failed, warehouse unchanged: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(json.dumps(report.to_dict(), indent=2) if args.json else format_report(report, warehouse))
    return EXIT_REJECTED if report.files_rejected else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
