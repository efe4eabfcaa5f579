"""`paperhouse load` and `paperhouse check`: the command line for cron and scripts.

Exit codes (the README's table): 0 loaded; 1 the load failed (the message says what was
committed); 2 a bad option or setting, nothing opened; 3 some dumps refused, the rest loaded;
4 loaded and committed, but the serving copy was not replaced; 5 another load holds the
warehouse; 130 and 143 stopped by SIGINT or SIGTERM (committed batches stay).
`paperhouse check` exits 0 when every rule holds, 1 when one is broken or the check failed, and 5
while a load holds the warehouse. `paperhouse report` exits 0 when it wrote the page, 1 when it could
not, 2 on a bad option, and 5 while a load holds the DuckDB file (its serving copy can be read).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL

from etl.audit import audit_warehouse, describe_failure, describe_lock, format_audit
from etl.digest import write_report
from etl.progress import terminal_bar
from etl.report import LoadReport, cause, printable
from etl.roles import grant_reader
from etl.runner import LoadRequest, Outcome
from etl.runner import run_load as run_guarded
from etl.settings import (
    Settings,
    SettingsError,
    setting_of,
    settings_with_options,
    shown_default,
    warehouse_label,
)
from etl.stopping import StopSwitch
from etl.warehouse import WarehouseLocked, engine_for, migrate

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_REJECTED = 3
EXIT_NOT_PUBLISHED = 4
EXIT_LOCKED = 5
EXIT_SIGNAL_BASE = 128  # + the signal number, as shells report it: 130 SIGINT, 143 SIGTERM


def _add_setting(parser: argparse.ArgumentParser, name: str) -> None:
    """The option of setting `name`, named, described and defaulted by the setting itself."""
    setting, default = setting_of(name)
    text = f"{setting.doc}; {setting.expected} (default: ${setting.env} or {shown_default(setting, default)})"
    text = text.replace("%", "%%")  # argparse formats help with %
    if setting.option.startswith("--"):
        parser.add_argument(setting.option, dest=name, metavar=setting.metavar, help=text)
    else:  # the positional argument: argparse names it by its destination
        parser.add_argument(name, nargs="?", help=text)


def _add_flag(parser: argparse.ArgumentParser, option: str, name: str, metavar: str) -> None:
    """A subcommand's own option for setting `name` (one `paperhouse load` does not take), described by it."""
    setting, default = setting_of(name)
    text = f"{setting.doc}; {setting.expected} (default: ${setting.env} or {shown_default(setting, default)})"
    parser.add_argument(option, dest=name, metavar=metavar, help=text.replace("%", "%%"))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paperhouse", description="Hugging Face Daily Papers dumps to DuckDB or PostgreSQL."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("load", help="load new and changed dumps of a folder into the warehouse")
    for name in settings_with_options():
        _add_setting(load, name)
    load.add_argument(
        "--prune",
        action="store_true",
        help="remove dumps no longer in the folder (their sightings, orphan papers)",
    )
    load.add_argument(
        "--force",
        action="store_true",
        help="with --prune or --full-refresh: allow a folder without the loaded dumps (removes every one)",
    )
    load.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild: empty every table, then load every dump of the folder again",
    )
    load.add_argument(
        "--accept-shrink",
        action="store_true",
        help="apply new versions held back as suspect because they lost entries (a cut download?)",
    )
    load.add_argument(
        "--rederive-keywords",
        action="store_true",
        help="derive every paper's keywords again before loading, even when this extractor version derived "
        "them (a load does so by itself when another version did)",
    )
    load.add_argument("--json", action="store_true", help="print one JSON object instead of a summary")
    check = commands.add_parser(
        "check", help="audit every integrity rule over the whole warehouse (read-only)"
    )
    _add_setting(check, "warehouse")
    check.add_argument(
        "--json", action="store_true", help="print one JSON object instead of one line per rule"
    )
    report = commands.add_parser(
        "report",
        help="write one self-contained HTML page of what the warehouse shows: what rose, in charts (read-only)",
    )
    _add_setting(report, "warehouse")
    _add_flag(report, "--out", "report_path", "FILE.html")
    _add_flag(report, "--weeks", "report_weeks", "N")
    report.add_argument(
        "--since",
        metavar="DATE",
        help="the period's first day, YYYY-MM-DD, instead of --weeks; it ends on the last listing date",
    )
    grant = commands.add_parser(
        "grant-reader",
        help="PostgreSQL: let an existing ROLE read every table and view of the warehouse, and write nothing",
    )
    grant.add_argument("role", help="the analyst role (CREATE ROLE ... LOGIN first)")
    _add_setting(grant, "warehouse")
    return parser


def run_grant_reader(args: argparse.Namespace) -> int:
    """Grant a role read-only access to the PostgreSQL warehouse (migrated first, so every view exists)."""
    try:
        settings = Settings.from_env(warehouse=args.warehouse)
    except SettingsError as exc:
        return _fail(str(exc), EXIT_USAGE)
    if not settings.on_server:
        return _fail(
            "grant-reader needs a PostgreSQL warehouse; a DuckDB file is read by whoever may read the file",
            EXIT_USAGE,
        )
    engine = engine_for(settings)
    try:
        migrate(engine)
        with engine.begin() as connection:
            grant_reader(connection, args.role)
    except Exception as exc:  # noqa: BLE001 - an unknown role, no right to grant: nothing was granted
        return _fail(f"grant-reader failed: {cause(exc)}; nothing was granted", EXIT_FAILED)
    finally:
        engine.dispose()
    print(f"{args.role} may now read every table and view of {warehouse_label(settings.warehouse)}")
    return EXIT_OK


def run_report(args: argparse.Namespace) -> int:
    """Write the report page of the warehouse (opened read-only); say where, how large, how long."""
    try:
        settings = Settings.from_env(
            warehouse=args.warehouse, report_path=args.report_path, report_weeks=args.report_weeks
        )
        since = _day(args.since, "--since")
    except SettingsError as exc:
        return _fail(str(exc), EXIT_USAGE)
    try:
        written = write_report(settings.warehouse, settings.report_file, since, settings.report_weeks)
    except WarehouseLocked as exc:
        who = f"process {exc.pid} ({exc.holder})" if exc.pid else "another process"
        return _fail(
            f"the warehouse {exc.path} is being written by {who}: no report was written; run it when that "
            "load ends, or on the serving copy (--warehouse serving/<name> beside it)",
            EXIT_LOCKED,
        )
    except Exception as exc:  # noqa: BLE001 - a missing file, an unmigrated warehouse: say so, write nothing
        return _fail(f"report failed: {cause(exc)}; no report was written", EXIT_FAILED)
    period = f"{written.period.start} to {written.period.end}" if written.period else "no paper listed yet"
    print(f"{written.path}: {period}, {written.size_bytes / 1000:,.0f} kB, in {written.seconds:.1f} s")
    return EXIT_OK


def _day(value: str | None, option: str) -> dt.date | None:
    """A YYYY-MM-DD date given to `option`, or None."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise SettingsError(f"{option}={value!r}: expected a date such as 2025-11-01") from None


def run_check(args: argparse.Namespace) -> int:
    """Audit the warehouse: every rule over every row; the exit code says whether all held."""
    try:
        warehouse = Settings.from_env(warehouse=args.warehouse).warehouse
        outcomes = audit_warehouse(warehouse)
    except SettingsError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except WarehouseLocked as exc:
        return _fail(describe_lock(exc), EXIT_LOCKED)
    except Exception as exc:  # noqa: BLE001 - a missing or unreadable file: say so, change nothing
        return _fail(describe_failure(exc), EXIT_FAILED)
    print(format_audit(outcomes, args.json))
    return EXIT_OK if all(o.passed for o in outcomes.values()) else EXIT_FAILED


def format_report(report: LoadReport, warehouse: Path | URL) -> str:
    """A human summary of one load."""
    serving = report.serving
    lines = [
        f"warehouse: {warehouse_label(warehouse)}",
        f"files: {report.files_seen} seen, {report.files_loaded} loaded, "
        f"{report.files_unchanged} unchanged, {len(report.files_rejected)} rejected"
        + (f", {len(report.files_suspect)} suspect" if report.files_suspect else "")
        + (f", {len(report.files_deferred)} deferred" if report.files_deferred else ""),
        f"entries: {report.entries}; papers: {report.papers_new} new, "
        f"{report.papers_already_known} already known, {report.papers_removed} removed"
        + (f"; dumps pruned: {report.files_removed}" if report.files_removed else ""),
        f"links: {report.links}; paper keywords: {report.keywords}",
    ]
    rederived = report.rederived_line()
    lines += [rederived] if rederived is not None else []
    lines += [
        "serving copy: " + _serving_state(serving),
        "tables: " + ", ".join(f"{name} {count}" for name, count in report.warehouse_rows.items()),
    ]
    if report.storage.get("rewritten_seconds") is not None:
        lines.insert(
            1,
            f"storage: rewritten in format {report.storage['version']} "
            f"in {report.storage['rewritten_seconds']:.1f} s (once)",
        )
    lines += [f"REJECTED '{printable(r['file'])}': {printable(r['reason'])}" for r in report.files_rejected]
    return "\n".join(lines + report.notice_lines())


def _serving_state(serving: dict) -> str:
    if serving.get("path", "") is None:
        return "none: BI tools query the PostgreSQL warehouse itself"
    if serving.get("error"):
        return f"{serving['path']} NOT published: {serving['error']}"
    if serving.get("changed_by_client"):
        return (
            f"{serving['path']} published in {serving['publish_seconds']:.3f} s; a client had written to the "
            f"version it replaced (opened without read-only mode, as root): kept as {serving['changed_by_client']}"
        )
    if serving.get("publish_seconds") is not None:
        return f"{serving['path']} published in {serving['publish_seconds']:.3f} s"
    return f"{serving['path']} already current"


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(**{name: getattr(args, name) for name in settings_with_options()})


def _fail(message: str, code: int) -> int:
    _say(message)
    return code


def _say(message: str) -> None:
    """One line on stderr, where the CLI's messages go (stdout holds the report)."""
    print(f"paperhouse: {message}", file=sys.stderr, flush=True)


EXIT_CODES = {
    Outcome.LOADED: EXIT_OK,
    Outcome.REFUSED_DUMPS: EXIT_REJECTED,
    Outcome.BAD_REQUEST: EXIT_USAGE,
    Outcome.FAILED: EXIT_FAILED,
    Outcome.NOT_PUBLISHED: EXIT_NOT_PUBLISHED,
    Outcome.LOCKED: EXIT_LOCKED,
}


@contextmanager
def _progress(report: LoadReport, shown: bool) -> Iterator[Callable[..., None] | None]:
    """The terminal's progress bar, or nothing (with --json, or when output goes to a file or a pipe)."""
    if not shown:
        yield None
        return
    with terminal_bar(report) as advance:
        yield advance


def run_load(args: argparse.Namespace, stop: StopSwitch) -> int:
    """Validate the settings, run the shared load sequence (`etl.runner`), report; return the exit code."""
    try:
        settings = _settings(args)
    except SettingsError as exc:
        return _fail(str(exc), EXIT_USAGE)
    request = LoadRequest(
        full_refresh=args.full_refresh,
        prune=args.prune,
        force=args.force,
        accept_shrink=args.accept_shrink,
        rederive_keywords=args.rederive_keywords,
    )
    report = LoadReport()
    with _progress(report, shown=not args.json and sys.stdout.isatty() and sys.stderr.isatty()) as advance:
        run = run_guarded(settings, request, stop, on_wait=_say, on_batch=advance, report=report)
    if run.complete:
        _emit(run.report, settings, args.json)
    if run.message is not None:
        _say(run.message)
    if run.outcome is Outcome.STOPPED:
        return EXIT_SIGNAL_BASE + run.signum
    return EXIT_CODES[run.outcome]


def _emit(report: LoadReport, settings: Settings, as_json: bool) -> None:
    try:
        print(
            json.dumps(report.to_dict(), indent=2) if as_json else format_report(report, settings.warehouse)
        )
        sys.stdout.flush()
    except BrokenPipeError:  # `paperhouse load | head`: the reader left; the load itself is done
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = _parser().parse_args(argv)
    if args.command == "check":
        return run_check(args)
    if args.command == "grant-reader":
        return run_grant_reader(args)
    if args.command == "report":
        return run_report(args)
    stop = StopSwitch()
    with stop.installed():  # the run turns a signal into its outcome (etl.runner): 130 or 143
        return run_load(args, stop)


if __name__ == "__main__":
    sys.exit(main())
