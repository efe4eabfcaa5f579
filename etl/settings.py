"""Every setting of a load, in one typed object, read from the environment and validated once.

Each field names its environment variable, its default and the form it expects; these defaults
are the only ones (the library's own, `DEFAULTS`, are read from them). A bad value
is a `SettingsError` whose one-line message names the variable (or option) and that form,
raised before anything is opened. Nothing here is read at import time.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from etl import clock
from etl.serving_layout import default_serving_path, serving_problem
from etl.storage import STORAGE_FORMATS
from etl.years import listing_year_problem

POSTGRES_DRIVER = (
    "postgresql+psycopg"  # the PostgreSQL warehouse's SQLAlchemy driver (etl.engines.postgresql)
)

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)\s*$", re.IGNORECASE)
_UNIT_BYTES = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
_UNIT_BYTES |= {"KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}

# Bounds of the numeric settings: a value outside them is refused before anything is opened,
# never met later as an overflow or an out-of-memory error that names no setting.
MAX_BATCH_MB = 4096  # one transaction's dumps; memory grows with it
MAX_DUMP_MB = 1024  # one file is parsed whole, at several times its size in memory
MIN_DUCKDB_MEMORY = "64MB"  # the sample needs about 24MB: below this even a small load runs out
MAX_DUCKDB_SIZE = "1TB"
MIN_DUCKDB_CHECKPOINT = "1MB"
MAX_LOCK_WAIT_SECONDS = 86_400  # a day: a load queued longer than that is queued behind a stuck one
MIN_CONNECT_TIMEOUT_SECONDS, MAX_CONNECT_TIMEOUT_SECONDS = 2, 300  # libpq counts whole seconds, 2 at least


class SettingsError(ValueError):
    """A setting has a value of the wrong form; the message names it and the form expected."""


class _Problem(ValueError):
    """A value of the right form that is still refused; its message says why (quoted before the form)."""


def _path(value: str) -> Path:
    """A non-empty path; `~` and `~user` are expanded, as a shell would."""
    if not value:
        raise ValueError(value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8, as the shell passed them
        raise _Problem("the path is not valid UTF-8") from None
    try:
        return Path(value).expanduser()
    except RuntimeError:  # no home folder for that user
        user = value.split("/", 1)[0]
        raise _Problem(f"{user} names no user with a home folder") from None


def _warehouse(value: str) -> Path | URL:
    """A DuckDB file path, or a PostgreSQL URL without a password (libpq reads it from PGPASSWORD or ~/.pgpass)."""
    if "://" not in value:
        return _path(value)
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError(value)  # no URL holds a control character; SQLAlchemy would cut it there
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError(value) from None
    if url.get_backend_name() != "postgresql" or url.get_driver_name() not in ("psycopg", "postgresql"):
        raise ValueError(value)
    if url.password is not None or any(key.lower() == "password" for key in url.query):
        raise ValueError(value)  # a password in a URL lands in shell histories, process lists and logs
    return url.set(drivername=POSTGRES_DRIVER)


def _password_spans(raw: str) -> list[tuple[int, int]]:
    """Where a password may be in `raw`: after `user:` up to the LAST `@`, and after `password=` to the end.

    A password may hold `/`, `@`, `?` or `&`, so neither ends where a URL parser would end it;
    masking too much costs only a less helpful message.
    """
    spans = []
    userinfo = re.search(r"://[^/:]*:(.*)@", raw, flags=re.DOTALL)  # greedy: up to the last @
    if userinfo:
        spans.append(userinfo.span(1))
    query = re.search(r"[?&]password=(.*)", raw, flags=re.DOTALL | re.IGNORECASE)
    if query:
        spans.append(query.span(1))
    return spans


def _without_password(raw: str) -> str:
    """`raw` with anything that may be a password of a URL masked (`user:***@`, `?password=***`), for messages."""
    shown, end = "", 0
    for start, stop in sorted(_password_spans(raw)):
        if start > end or not shown:
            shown += raw[end:start] + "***"
        end = max(end, stop)
    return shown + raw[end:]


def warehouse_label(warehouse: Path | URL) -> str:
    """How messages name the warehouse: its path, or its URL (which never holds a password)."""
    return str(warehouse) if isinstance(warehouse, Path) else warehouse.render_as_string(hide_password=True)


def _year(value: str) -> int:
    """A year in ASCII digits."""
    if not re.fullmatch(r"[0-9]{1,6}", value):
        raise ValueError(value)
    return int(value)


def _megabytes(most: float) -> Callable[[str], float]:
    """A parser of a number of megabytes, more than 0 and at most `most`."""

    def parse(value: str) -> float:
        number = float(value)
        if not math.isfinite(number) or not 0 < number <= most:
            raise ValueError(value)
        return number

    return parse


def size_bytes(size: str) -> float:
    """The bytes of a DuckDB size such as 512MB or 2GiB (KB is 1000 bytes, KiB 1024)."""
    match = _SIZE.match(size)
    if not match:
        raise ValueError(size)
    return float(match[1]) * _UNIT_BYTES[match[2].upper()]


def _duckdb_size(least: str, most: str) -> Callable[[str], str]:
    """A parser of a DuckDB size, such as 512MB or 2GiB, from `least` to `most`."""

    def parse(value: str) -> str:
        match = _SIZE.match(value)
        if not match or not size_bytes(least) <= size_bytes(value) <= size_bytes(most):
            raise ValueError(value)
        return f"{match[1]}{match[2].upper().replace('I', 'i')}"

    return parse


def _storage_version(value: str) -> str:
    """A storage format DuckDB 2.0 writes, such as v1.0.0."""
    version = value if value.startswith("v") else f"v{value}"
    if version not in STORAGE_FORMATS:
        raise ValueError(value)
    return version


def _seconds(least: float, most: float) -> Callable[[str], float]:
    """A parser of a number of seconds from `least` to `most`."""

    def parse(value: str) -> float:
        number = float(value)
        if not math.isfinite(number) or not least <= number <= most:
            raise ValueError(value)
        return number

    return parse


def _whole_seconds(least: int, most: int) -> Callable[[str], int]:
    """A parser of a whole number of seconds from `least` to `most`."""

    def parse(value: str) -> int:
        if not re.fullmatch(r"[0-9]{1,4}", value) or not least <= int(value) <= most:
            raise ValueError(value)
        return int(value)

    return parse


MAX_SETTLE_SECONDS = 300.0  # the pause is taken once per load, holding the warehouse
MAX_SENSOR_BATCH = 100_000  # dumps in one sensor run; batch_mb still bounds each transaction
MAX_REPORT_WEEKS = 520  # ten years of weeks: the report's trends, one point a week


def _http_url(value: str) -> str:
    """An http or https URL with a host, such as https://hooks.slack.com/services/T0/B0/X."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or re.search(r"[\s\x00-\x1f\x7f]", value):
        raise ValueError(value)
    return value


def _url_origin(raw: str) -> str:
    """A URL as a message quotes it: scheme and host only (a webhook's path is its secret)."""
    try:
        parts = urlsplit(raw.strip())
    except ValueError:
        return "***"
    return f"{parts.scheme}://{parts.hostname}/***" if parts.scheme and parts.hostname else "***"


_EMAIL = re.compile(r"[^@\s,<>]+@[^@\s,<>]+")
_TEAM = re.compile(r"team:[A-Za-z0-9_.-]+")


def _addresses(value: str) -> tuple[str, ...]:
    """One or more e-mail addresses, separated by commas."""
    addresses = tuple(a.strip() for a in value.split(","))
    if not all(_EMAIL.fullmatch(a) for a in addresses):
        raise ValueError(value)
    return addresses


def _address(value: str) -> str:
    """One e-mail address."""
    if not _EMAIL.fullmatch(value):
        raise ValueError(value)
    return value


def _owners(value: str) -> tuple[str, ...]:
    """One or more owners, separated by commas: e-mail addresses, or team names such as team:data."""
    owners = tuple(o.strip() for o in value.split(","))
    if not all(_EMAIL.fullmatch(o) or _TEAM.fullmatch(o) for o in owners):
        raise ValueError(value)
    return owners


def _host(value: str) -> str:
    """A host name or address, such as smtp.example.org or 127.0.0.1."""
    if not re.fullmatch(r"[A-Za-z0-9_.:-]{1,253}", value):
        raise ValueError(value)
    return value


def _port(value: str) -> int:
    """A TCP port, 1 to 65535."""
    if not re.fullmatch(r"[0-9]{1,5}", value) or not 1 <= int(value) <= 65535:
        raise ValueError(value)
    return int(value)


def _branch(value: str) -> str:
    """A git branch name, such as main."""
    if not re.fullmatch(r"[A-Za-z0-9._/-]{1,200}", value) or ".." in value:
        raise ValueError(value)
    return value


MIN_FRESHNESS_HOURS, MAX_FRESHNESS_HOURS = 1, 8760  # Dagster's window is a minute at least; a year at most
MAX_ALERT_TIMEOUT_SECONDS = 60  # the alert is sent from the sensor's tick, which must not hang


_settle_seconds = _seconds(0, MAX_SETTLE_SECONDS)


def _count(least: int, most: int) -> Callable[[str], int]:
    """A parser of a whole number from `least` to `most`."""

    def parse(value: str) -> int:
        if not re.fullmatch(r"[0-9]{1,9}", value) or not least <= int(value) <= most:
            raise ValueError(value)
        return int(value)

    return parse


def _cron(value: str) -> str:
    """A five-field cron expression, such as `0 6 * * *`."""
    fields_ = value.split()
    if len(fields_) != 5 or not all(re.fullmatch(r"[0-9A-Za-z*,/-]+", f) for f in fields_):
        raise ValueError(value)
    return " ".join(fields_)


@dataclass(frozen=True)
class Setting:
    """How one setting is read: its variable, its option, its parser and its expected form."""

    env: str
    option: str | None
    parse: Callable[[str], object]
    expected: str
    doc: str
    check: Callable[[object, date], str | None] | None = None  # a rule on the parsed value and the clock
    shown: Callable[[str], str] = str  # how a message quotes a bad value (never a password)
    metavar: str | None = None  # how --help names the option's value, when not after the option
    unset: str | None = None  # what a default of None means


def _setting(default: object, env: str, option: str | None, parse, expected: str, doc: str, **more):  # noqa: ANN001
    return field(default=default, metadata={"setting": Setting(env, option, parse, expected, doc, **more)})


@dataclass(frozen=True)
class Settings:
    """The settings of one load; `from_env` builds and validates them."""

    raw_dir: Path = _setting(
        Path("data/raw"), "PAPERHOUSE_RAW_DIR", "RAW_DIR", _path, "a folder path", "folder of *.txt dumps"
    )
    warehouse: Path | URL = _setting(
        Path("warehouse/paperhouse.duckdb"),
        "PAPERHOUSE_WAREHOUSE",
        "--warehouse",
        _warehouse,
        "a file path, or a URL such as postgresql+psycopg://loader@db:5432/papers with no password "
        "in it (PGPASSWORD or ~/.pgpass holds it)",
        "the warehouse: a DuckDB file (created, with its folder, if missing), or a PostgreSQL "
        "database (its schema is migrated on the first load)",
        shown=_without_password,
    )
    serving: Path | None = _setting(
        None,
        "PAPERHOUSE_SERVING",
        "--serving",
        _path,
        "a file path",
        "the read-only copy for BI tools",
        unset="serving/<name> beside the warehouse",
    )
    listing_year: int | None = _setting(
        None,
        "PAPERHOUSE_LISTING_YEAR",
        "--listing-year",
        _year,
        "a year such as 2025",
        "year of listing dates when neither the page nor the file name prints one",
        check=listing_year_problem,
    )
    batch_mb: float = _setting(
        32.0,
        "PAPERHOUSE_BATCH_MB",
        "--batch-mb",
        _megabytes(MAX_BATCH_MB),
        f"a number of megabytes more than 0 and at most {MAX_BATCH_MB}, such as 32",
        "dump megabytes per transaction: memory is bounded by this, not by the folder",
    )
    max_dump_mb: float = _setting(
        64.0,
        "PAPERHOUSE_MAX_DUMP_MB",
        None,
        _megabytes(MAX_DUMP_MB),
        f"a number of megabytes more than 0 and at most {MAX_DUMP_MB}, such as 64",
        "largest dump accepted; a saved listing page is well under 1 MB, and one file is parsed whole",
    )
    duckdb_memory: str = _setting(
        "1GB",
        "PAPERHOUSE_DUCKDB_MEMORY",
        None,
        _duckdb_size(MIN_DUCKDB_MEMORY, MAX_DUCKDB_SIZE),
        f"a size from {MIN_DUCKDB_MEMORY} to {MAX_DUCKDB_SIZE}, such as 512MB or 2GB",
        "DuckDB's memory cap (it spills beyond it)",
    )
    duckdb_checkpoint: str = _setting(
        "256MB",
        "PAPERHOUSE_DUCKDB_CHECKPOINT",
        None,
        _duckdb_size(MIN_DUCKDB_CHECKPOINT, MAX_DUCKDB_SIZE),
        f"a size from {MIN_DUCKDB_CHECKPOINT} to {MAX_DUCKDB_SIZE}, such as 256MB",
        "WAL size at which DuckDB checkpoints; keep it at most half the memory cap",
    )
    storage_version: str = _setting(
        "v1.0.0",
        "PAPERHOUSE_STORAGE_VERSION",
        None,
        _storage_version,
        "one of " + ", ".join(STORAGE_FORMATS),
        "DuckDB storage format of the warehouse and its serving copy: v1.0.0 opens in every DuckDB "
        "client from 1.0 on; a warehouse in another format is rewritten once, on the next load",
    )
    lock_wait_seconds: float = _setting(
        0.0,
        "PAPERHOUSE_LOCK_WAIT",
        "--wait",
        _seconds(0, MAX_LOCK_WAIT_SECONDS),
        f"a number of seconds from 0 to {MAX_LOCK_WAIT_SECONDS}",
        "how long a load waits for another load to release the warehouse, and for another publish of "
        "the serving copy",
        metavar="SECONDS",
    )
    settle_seconds: float = _setting(
        3.0,
        "PAPERHOUSE_SETTLE_SECONDS",
        None,
        _settle_seconds,
        f"a number of seconds from 0 to {MAX_SETTLE_SECONDS:g}",
        "a dump is read only once its size and modification time have stayed unchanged this long; "
        "a younger one is watched that long within the run, and deferred to the next run if it changes",
    )
    connect_timeout: int = _setting(
        10,
        "PAPERHOUSE_CONNECT_TIMEOUT",
        None,
        _whole_seconds(MIN_CONNECT_TIMEOUT_SECONDS, MAX_CONNECT_TIMEOUT_SECONDS),
        f"a whole number of seconds from {MIN_CONNECT_TIMEOUT_SECONDS} to {MAX_CONNECT_TIMEOUT_SECONDS}",
        "PostgreSQL: how long a connection may take to be answered before the load fails",
    )
    sweep_cron: str = _setting(
        "0 6 * * *",
        "PAPERHOUSE_SWEEP_CRON",
        None,
        _cron,
        "a five-field cron expression, such as '0 6 * * *'",
        "when Dagster's daily sweep loads what the sensor missed (read when the definitions load)",
    )
    freshness_hours: float = _setting(
        26.0,
        "PAPERHOUSE_FRESHNESS_HOURS",
        None,
        _seconds(MIN_FRESHNESS_HOURS, MAX_FRESHNESS_HOURS),
        f"a number of hours from {MIN_FRESHNESS_HOURS} to {MAX_FRESHNESS_HOURS}, such as 26",
        "Dagster marks the warehouse tables stale (health red) when no dump was loaded for this long "
        "(read when the definitions load)",
    )
    owners: tuple[str, ...] = _setting(
        ("team:paperhouse",),
        "PAPERHOUSE_OWNERS",
        None,
        _owners,
        "e-mail addresses or team names such as team:data, separated by commas",
        "the owners of every Dagster asset (read when the definitions load)",
    )
    git_url: str | None = _setting(
        None,
        "PAPERHOUSE_GIT_URL",
        None,
        _http_url,
        "the URL of the repository, such as https://github.com/acme/paperhouse",
        "Dagster links each asset to its source file in this repository (read when the definitions load)",
        unset="local file paths",
    )
    git_branch: str = _setting(
        "main",
        "PAPERHOUSE_GIT_BRANCH",
        None,
        _branch,
        "a git branch name, such as main",
        "the branch whose source files the code references link to",
    )
    dagster_url: str | None = _setting(
        None,
        "PAPERHOUSE_DAGSTER_URL",
        None,
        _http_url,
        "the URL of the Dagster UI, such as http://dagster.example.org:3000",
        "alerts link to the failed run in this UI",
        unset="no link",
    )
    alert_webhook: str | None = _setting(
        None,
        "PAPERHOUSE_ALERT_WEBHOOK",
        None,
        _http_url,
        "an http or https URL, such as a Slack incoming webhook's",
        'a failed Dagster run is posted here as Slack-compatible JSON ({"text": ...})',
        shown=_url_origin,
        unset="no webhook",
    )
    alert_smtp_host: str | None = _setting(
        None,
        "PAPERHOUSE_ALERT_SMTP_HOST",
        None,
        _host,
        "a host name or address, such as smtp.example.org",
        "a failed Dagster run is e-mailed through this SMTP server to PAPERHOUSE_ALERT_EMAIL_TO",
        unset="no e-mail",
    )
    alert_smtp_port: int = _setting(
        25,
        "PAPERHOUSE_ALERT_SMTP_PORT",
        None,
        _port,
        "a port number from 1 to 65535",
        "the SMTP server's port",
    )
    alert_email_from: str = _setting(
        "paperhouse@localhost",
        "PAPERHOUSE_ALERT_EMAIL_FROM",
        None,
        _address,
        "an e-mail address",
        "the sender of alert e-mails",
    )
    alert_email_to: tuple[str, ...] | None = _setting(
        None,
        "PAPERHOUSE_ALERT_EMAIL_TO",
        None,
        _addresses,
        "e-mail addresses separated by commas",
        "the recipients of alert e-mails",
        unset="no e-mail",
    )
    alert_timeout_seconds: float = _setting(
        10.0,
        "PAPERHOUSE_ALERT_TIMEOUT",
        None,
        _seconds(1, MAX_ALERT_TIMEOUT_SECONDS),
        f"a number of seconds from 1 to {MAX_ALERT_TIMEOUT_SECONDS}",
        "how long an alert may take to be delivered before it is given up with a warning",
    )
    sensor_batch: int = _setting(
        200,
        "PAPERHOUSE_SENSOR_BATCH",
        None,
        _count(1, MAX_SENSOR_BATCH),
        f"a whole number of dumps from 1 to {MAX_SENSOR_BATCH}",
        "most dumps Dagster's sensor puts in one run: the new and changed files of a tick make one "
        "run per this many",
    )

    report_path: Path | None = _setting(
        None,
        "PAPERHOUSE_REPORT",
        None,
        _path,
        "a file path",
        "where `paperhouse report` writes its HTML page",
        unset="report.html beside the warehouse file",  # paperhouse-report.html here for PostgreSQL
    )
    report_weeks: int = _setting(
        8,
        "PAPERHOUSE_REPORT_WEEKS",
        None,
        _count(1, MAX_REPORT_WEEKS),
        f"a whole number of weeks from 1 to {MAX_REPORT_WEEKS}",
        "how many whole weeks `paperhouse report` covers, up to the last listing date",
    )

    @property
    def report_file(self) -> Path:
        """Where the report goes: the configured path, else beside the warehouse file (or in this folder)."""
        if self.report_path is not None:
            return self.report_path
        if self.on_server:
            return Path("paperhouse-report.html")
        return self.warehouse.parent / "report.html"

    @property
    def batch_bytes(self) -> int:
        """Dump bytes per load transaction."""
        return int(self.batch_mb * 1_000_000)

    @property
    def max_dump_bytes(self) -> int:
        """Size in bytes above which a dump is refused unread."""
        return int(self.max_dump_mb * 1_000_000)

    @property
    def on_server(self) -> bool:
        """Whether the warehouse is a PostgreSQL database (readers query it directly: no serving copy)."""
        return isinstance(self.warehouse, URL)

    @property
    def serving_path(self) -> Path | None:
        """The serving copy: the configured path, else serving/<name> beside the warehouse; None on a server."""
        if self.on_server:
            return None
        return self.serving or default_serving_path(self.warehouse)

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        today: date | None = None,
        defaults: Mapping[str, object] | None = None,
        **overrides: object,
    ) -> Settings:
        """Settings from `env` (default: os.environ), then `overrides` (None: not given), all validated.

        Overrides are values a caller already holds (command-line options, Dagster config), as
        strings or typed values; they are validated as the environment's are. `defaults` replace
        the fields' own where neither an override nor the environment gives a value.
        """
        env = os.environ if env is None else env
        today = today or clock.today()
        defaults = defaults or {}
        values: dict[str, object] = {}
        for spec in fields(cls):
            setting: Setting = spec.metadata["setting"]
            given = overrides.get(spec.name)
            if given is not None:
                values[spec.name] = _parsed(setting, setting.option or spec.name, str(given), today)
            elif env.get(setting.env, "").strip():
                values[spec.name] = _parsed(setting, setting.env, env[setting.env], today)
            elif spec.name in defaults:
                values[spec.name] = _parsed(setting, spec.name, str(defaults[spec.name]), today)
        unknown = (set(overrides) | set(defaults)) - {spec.name for spec in fields(cls)}
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        settings = cls(**values)
        settings.validate(today)
        return settings

    @classmethod
    def read_one(cls, name: str, env: Mapping[str, str] | None = None) -> object:
        """One setting alone, from `env` (default: os.environ), validated; its default when unset.

        For what must be known before a run (Dagster's schedule cron, read when the definitions
        load): a bad value of another setting is then that run's error, not the definitions'.
        """
        env = os.environ if env is None else env
        spec = next(f for f in fields(cls) if f.name == name)
        setting: Setting = spec.metadata["setting"]
        raw = env.get(setting.env, "").strip()
        return _parsed(setting, setting.env, env[setting.env], clock.today()) if raw else spec.default

    def validate(self, today: date | None = None) -> None:
        """Check the rules that span values or need the clock (the listing year's range).

        Paths are checked against the file system (read only): the warehouse must not be inside
        the raw folder, and the serving copy must not replace what paperhouse did not make there
        (`etl.serving_layout.serving_problem`).
        """
        if self.on_server and self.serving is not None:
            raise SettingsError(
                "PAPERHOUSE_SERVING (--serving) names a serving copy, but the warehouse is a PostgreSQL "
                "database, which BI tools query directly: unset it"
            )
        if not self.on_server and _inside_folder(self.warehouse, self.raw_dir):
            raise SettingsError(
                f"the warehouse {self.warehouse} is inside the raw dump folder {self.raw_dir}, which must hold "
                "dumps only: give --warehouse (PAPERHOUSE_WAREHOUSE) a path outside it"
            )
        # A default serving copy beside a warehouse whose folder cannot exist: the warehouse's
        # own check names that path (exit 1), not the serving copy the user never named.
        checked = not self.on_server and (
            self.serving is not None or _could_hold_files(self.warehouse.parent)
        )
        problem = serving_problem(self.serving_path, self.warehouse, self.raw_dir) if checked else None
        if problem:
            raise SettingsError(problem)
        if self.listing_year is not None:
            problem = listing_year_problem(self.listing_year, today or clock.today())
            if problem:
                raise SettingsError(f"listing year {self.listing_year}: {problem}")


# Every setting at its default: what the library uses when a caller passes no `Settings`.
DEFAULTS = Settings()


def _could_hold_files(folder: Path) -> bool:
    """Whether `folder` is, or could be created as, a folder: its nearest existing ancestor is one."""
    try:
        return next(p for p in (folder, *folder.parents) if p.exists()).is_dir()
    except OSError:  # a name too long, say
        return False


def _inside_folder(path: Path, folder: Path) -> bool:
    """Whether `path`, as named or with every symlink resolved, is `folder` or anywhere under it."""
    try:
        resolved = folder.resolve()
        candidates = {path.parent.resolve() / path.name, path.resolve()}
    except (OSError, RuntimeError):  # a symlink loop: the folder's listing reports it
        return False
    return any(c == resolved or resolved in c.parents for c in candidates)


def _parsed(setting: Setting, name: str, raw: str, today: date) -> object:
    """`raw` parsed and checked by `setting`, or a SettingsError naming `name` and the form expected."""
    try:
        value = setting.parse(raw.strip())
    except _Problem as exc:
        raise SettingsError(f"{name}={setting.shown(raw)!r}: {exc}; expected {setting.expected}") from None
    except (ValueError, OverflowError):
        raise SettingsError(f"{name}={setting.shown(raw)!r}: expected {setting.expected}") from None
    problem = setting.check(value, today) if setting.check else None
    if problem:
        raise SettingsError(f"{name}={setting.shown(raw)!r}: {problem}; expected {setting.expected}")
    return value


def setting_of(name: str) -> tuple[Setting, object]:
    """The `Setting` of the field `name`, and its default."""
    spec = next(f for f in fields(Settings) if f.name == name)
    return spec.metadata["setting"], spec.default


def unset_means(name: str, default: object = None) -> str:
    """What a caller's own field for setting `name` says it holds, and what leaving it unset means.

    `default`: the caller's own, where it differs from the setting's (a Dagster run waits for a lock).
    """
    setting, own = setting_of(name)
    return (
        f"{setting.doc[0].upper()}{setting.doc[1:]}. Expected: {setting.expected}. "
        f"Unset: ${setting.env}, else {shown_default(setting, own if default is None else default)}."
    )


def shown_default(setting: Setting, value: object) -> str:
    """A default as the docs show it: `32` rather than `32.0`; for None, what it means, else `none`."""
    if value is None:
        return setting.unset or "none"
    if isinstance(value, tuple):
        return ", ".join(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def settings_with_options() -> list[str]:
    """The names of the settings that have a command-line option, in the order of `Settings`."""
    return [spec.name for spec in fields(Settings) if spec.metadata["setting"].option]


def settings_table() -> list[tuple[str, str, str, str]]:
    """(variable, option, default, meaning) of every setting, for docs/cli.md and --help."""
    rows = []
    for spec in fields(Settings):
        setting: Setting = spec.metadata["setting"]
        rows.append((setting.env, setting.option or "", shown_default(setting, spec.default), setting.doc))
    return rows
