"""Settings: one typed object, validated once, with one-line errors that name the variable."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from datetime import date
from pathlib import Path
from unittest import mock

import duckdb
import pytest
from hypothesis import example, given
from hypothesis import settings as run
from hypothesis import strategies as st

from etl.cli import EXIT_USAGE, main
from etl.settings import Settings, SettingsError, settings_table, size_bytes
from tests.conftest import SAMPLE_DIR
from tests.documented import pages, pinned

TODAY = date(2026, 12, 1)


def test_defaults_with_an_empty_environment():
    settings = Settings.from_env({}, TODAY)
    assert settings == Settings()
    assert (settings.raw_dir, settings.warehouse) == (Path("data/raw"), Path("warehouse/paperhouse.duckdb"))
    assert settings.serving_path == Path("warehouse/serving/paperhouse.duckdb")
    assert (settings.batch_bytes, settings.max_dump_bytes) == (32_000_000, 64_000_000)
    assert (settings.duckdb_memory, settings.duckdb_checkpoint, settings.lock_wait_seconds) == (
        "1GB",
        "256MB",
        0.0,
    )


def test_environment_then_overrides():
    env = {"PAPERHOUSE_BATCH_MB": "8", "PAPERHOUSE_LISTING_YEAR": "2025", "PAPERHOUSE_DUCKDB_MEMORY": "2 gib"}
    settings = Settings.from_env(env, TODAY, batch_mb="4.5", listing_year=None)
    assert (settings.batch_mb, settings.listing_year, settings.duckdb_memory) == (4.5, 2025, "2GiB")


def test_tilde_is_expanded_in_every_path(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    env = {
        "PAPERHOUSE_WAREHOUSE": "~/w/ph.duckdb",
        "PAPERHOUSE_RAW_DIR": "~/raw",
        "PAPERHOUSE_SERVING": "~/s.duckdb",
    }
    settings = Settings.from_env(env, TODAY)
    assert (settings.warehouse, settings.raw_dir, settings.serving_path) == (
        tmp_path / "w" / "ph.duckdb",
        tmp_path / "raw",
        tmp_path / "s.duckdb",
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"PAPERHOUSE_BATCH_MB": "abc"},
            "PAPERHOUSE_BATCH_MB='abc': expected a number of megabytes more than 0 and at most 4096, such as 32",
        ),
        (
            {"PAPERHOUSE_BATCH_MB": "nan"},
            "PAPERHOUSE_BATCH_MB='nan': expected a number of megabytes more than 0 and at most 4096, such as 32",
        ),
        (
            {"PAPERHOUSE_BATCH_MB": "inf"},
            "PAPERHOUSE_BATCH_MB='inf': expected a number of megabytes more than 0 and at most 4096, such as 32",
        ),
        (
            {"PAPERHOUSE_BATCH_MB": "-1"},
            "PAPERHOUSE_BATCH_MB='-1': expected a number of megabytes more than 0 and at most 4096, such as 32",
        ),
        (
            {"PAPERHOUSE_DUCKDB_MEMORY": "lots"},
            "PAPERHOUSE_DUCKDB_MEMORY='lots': expected a size from 64MB to 1TB, such as 512MB or 2GB",
        ),
        (
            {"PAPERHOUSE_DUCKDB_CHECKPOINT": "0MB"},
            "PAPERHOUSE_DUCKDB_CHECKPOINT='0MB': expected a size from 1MB to 1TB, such as 256MB",
        ),
        ({"PAPERHOUSE_LISTING_YEAR": "abc"}, "PAPERHOUSE_LISTING_YEAR='abc': expected a year such as 2025"),
        (
            {"PAPERHOUSE_LISTING_YEAR": "0"},
            "PAPERHOUSE_LISTING_YEAR='0': before 2022, when Daily Papers did not exist; expected a year such as 2025",
        ),
        (
            {"PAPERHOUSE_LISTING_YEAR": "99999"},
            "PAPERHOUSE_LISTING_YEAR='99999': after 2027, the year after today (2026-12-01); "
            "expected a year such as 2025",
        ),
        (
            {"PAPERHOUSE_LOCK_WAIT": "-3"},
            "PAPERHOUSE_LOCK_WAIT='-3': expected a number of seconds from 0 to 86400",
        ),
        (
            {"PAPERHOUSE_MAX_DUMP_MB": "0"},
            "PAPERHOUSE_MAX_DUMP_MB='0': expected a number of megabytes more than 0 and at most 1024, such as 64",
        ),
    ],
)
def test_a_bad_variable_is_one_line_naming_it_and_the_form(env, message):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env, TODAY)
    assert str(caught.value) == message


@pytest.mark.parametrize("year", ["-5", "25", "2021", "2028"])
def test_an_option_is_named_as_the_option(year):
    with pytest.raises(SettingsError, match=rf"^--listing-year='{year}': "):
        Settings.from_env({}, TODAY, listing_year=year)


def test_the_listing_year_range_follows_the_clock():
    assert Settings.from_env({}, date(2027, 3, 1), listing_year="2028").listing_year == 2028
    assert Settings.from_env({}, TODAY, listing_year="2022").listing_year == 2022


def test_a_callers_defaults_rank_below_the_environment_and_are_validated():
    defaults = {"lock_wait_seconds": 600}
    assert Settings.from_env({}, TODAY, defaults).lock_wait_seconds == 600
    assert Settings.from_env({"PAPERHOUSE_LOCK_WAIT": "5"}, TODAY, defaults).lock_wait_seconds == 5
    assert Settings.from_env({}, TODAY, defaults, lock_wait_seconds="1").lock_wait_seconds == 1
    with pytest.raises(SettingsError, match=r"^lock_wait_seconds='-1': "):
        Settings.from_env({}, TODAY, {"lock_wait_seconds": -1})
    with pytest.raises(TypeError, match="unknown settings"):
        Settings.from_env({}, TODAY, {"lock_wait": 1})


def test_every_setting_is_in_the_docs_with_its_option():
    documented = pinned("settings")
    assert documented["variables"] == [[env, option] for env, option, *_ in settings_table()]
    for page, text in pages(documented).items():
        rows = text.splitlines()
        starts = [
            f"| `{option}` | `{env}` |" if option else f"| | `{env}` |"
            for env, option in documented["variables"]
        ]
        assert [s for s in starts if not any(row.startswith(s) for row in rows)] == [], (
            f"rows missing in {page}"
        )
        cells = [[c.strip().replace("`", "") for c in row.split("|")] for row in rows if row.startswith("| ")]
        shown = {c[2]: c[3] for c in cells if c[2].startswith("PAPERHOUSE_")}
        defaults = {env: default for env, _, default, _ in settings_table() if default != "none"}
        assert {env: shown[env] for env in defaults} == defaults, f"defaults in {page}"


def _in_raw(raw: Path, warehouse: Path) -> str:
    return (
        f"the warehouse {warehouse} is inside the raw dump folder {raw}, which must hold dumps only: "
        "give --warehouse (PAPERHOUSE_WAREHOUSE) a path outside it"
    )


@pytest.mark.parametrize(
    "name", ["w.txt", "sub/w.duckdb", "w.duckdb"], ids=["read as a dump", "in a subfolder", "any name"]
)
def test_a_warehouse_inside_the_raw_folder_is_refused_before_anything_exists(tmp_path, name):
    raw = tmp_path / "raw"
    raw.mkdir()
    env = {"PAPERHOUSE_RAW_DIR": str(raw), "PAPERHOUSE_WAREHOUSE": str(raw / name)}
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env, TODAY)
    assert str(caught.value) == _in_raw(raw, raw / name)
    assert [p.name for p in tmp_path.rglob("*")] == ["raw"]


def test_a_warehouse_reaching_into_the_raw_folder_through_a_symlink_is_refused(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (tmp_path / "to_raw").symlink_to("raw")
    through_folder = tmp_path / "to_raw" / "w.txt"
    link = tmp_path / "w.duckdb"
    link.symlink_to(raw / "w.duckdb")
    for warehouse in (through_folder, link):
        with pytest.raises(SettingsError) as caught:
            Settings.from_env({"PAPERHOUSE_RAW_DIR": str(raw), "PAPERHOUSE_WAREHOUSE": str(warehouse)}, TODAY)
        assert str(caught.value) == _in_raw(raw, warehouse)
    # The raw folder named through a symlink: the same folder.
    env = {"PAPERHOUSE_RAW_DIR": str(tmp_path / "to_raw"), "PAPERHOUSE_WAREHOUSE": str(raw / "w.txt")}
    with pytest.raises(SettingsError, match="^the warehouse .* is inside the raw dump folder"):
        Settings.from_env(env, TODAY)


def test_a_serving_copy_inside_the_raw_folder_is_refused(tmp_path):
    raw = tmp_path / "raw"
    env = {
        "PAPERHOUSE_RAW_DIR": str(raw),
        "PAPERHOUSE_WAREHOUSE": str(tmp_path / "w.duckdb"),
        "PAPERHOUSE_SERVING": str(raw / "s.txt"),
    }
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env, TODAY)
    assert str(caught.value) == (
        f"the serving copy {raw / 's.txt'} is inside the raw dump folder {raw}: "
        "give --serving (PAPERHOUSE_SERVING) another path, outside it"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_warehouse_and_serving_copy_beside_the_raw_folder_are_accepted(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    env = {"PAPERHOUSE_RAW_DIR": str(raw), "PAPERHOUSE_WAREHOUSE": str(tmp_path / "raw.duckdb")}
    assert Settings.from_env(env, TODAY).serving_path == tmp_path / "serving" / "raw.duckdb"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"PAPERHOUSE_BATCH_MB": "1e303"},
            "PAPERHOUSE_BATCH_MB='1e303': expected a number of megabytes more than 0 and at most 4096, such as 32",
        ),
        (
            {"PAPERHOUSE_MAX_DUMP_MB": "1e308"},
            "PAPERHOUSE_MAX_DUMP_MB='1e308': expected a number of megabytes more than 0 and at most 1024, "
            "such as 64",
        ),
        (
            {"PAPERHOUSE_DUCKDB_MEMORY": "1KB"},
            "PAPERHOUSE_DUCKDB_MEMORY='1KB': expected a size from 64MB to 1TB, such as 512MB or 2GB",
        ),
        (
            {"PAPERHOUSE_DUCKDB_MEMORY": "99999999999999TB"},
            "PAPERHOUSE_DUCKDB_MEMORY='99999999999999TB': expected a size from 64MB to 1TB, such as 512MB or 2GB",
        ),
        (
            {"PAPERHOUSE_DUCKDB_CHECKPOINT": "0.5B"},
            "PAPERHOUSE_DUCKDB_CHECKPOINT='0.5B': expected a size from 1MB to 1TB, such as 256MB",
        ),
        (
            {"PAPERHOUSE_LOCK_WAIT": "1e300"},
            "PAPERHOUSE_LOCK_WAIT='1e300': expected a number of seconds from 0 to 86400",
        ),
        (
            {"PAPERHOUSE_CONNECT_TIMEOUT": "0"},
            "PAPERHOUSE_CONNECT_TIMEOUT='0': expected a whole number of seconds from 2 to 300",
        ),
        (
            {"PAPERHOUSE_RAW_DIR": "~nosuchuser/raw"},
            "PAPERHOUSE_RAW_DIR='~nosuchuser/raw': ~nosuchuser names no user with a home folder; "
            "expected a folder path",
        ),
    ],
)
def test_a_value_out_of_range_names_the_variable_and_the_range(env, message):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env, TODAY)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("env", "value"),
    [
        ({"PAPERHOUSE_BATCH_MB": "4096"}, 4096.0),
        ({"PAPERHOUSE_MAX_DUMP_MB": "1024"}, 1024.0),
        ({"PAPERHOUSE_DUCKDB_MEMORY": "64MB"}, "64MB"),
        ({"PAPERHOUSE_DUCKDB_MEMORY": "1TB"}, "1TB"),
        ({"PAPERHOUSE_DUCKDB_CHECKPOINT": "1MB"}, "1MB"),
        ({"PAPERHOUSE_LOCK_WAIT": "86400"}, 86400.0),
        ({"PAPERHOUSE_CONNECT_TIMEOUT": "300"}, 300),
    ],
)
def test_the_bounds_themselves_are_allowed(env, value):
    settings = Settings.from_env(env, TODAY)
    assert value in (settings.batch_mb, settings.max_dump_mb, settings.duckdb_memory) + (
        settings.duckdb_checkpoint,
        settings.lock_wait_seconds,
        settings.connect_timeout,
    )


NUMERIC = [
    "PAPERHOUSE_BATCH_MB",
    "PAPERHOUSE_MAX_DUMP_MB",
    "PAPERHOUSE_DUCKDB_MEMORY",
    "PAPERHOUSE_DUCKDB_CHECKPOINT",
    "PAPERHOUSE_LOCK_WAIT",
    "PAPERHOUSE_CONNECT_TIMEOUT",
    "PAPERHOUSE_LISTING_YEAR",
]
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)
sizes = st.tuples(numbers, st.sampled_from(["B", "KB", "mb", "GiB", "TB", "TiB", " MB", "XB", ""])).map(
    "".join
)


@run(deadline=None)  # a refusal runs the CLI; the first DuckDB connection is slow
@given(
    variable=st.sampled_from(NUMERIC),
    value=st.one_of(
        numbers,
        sizes,
        st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=12),
    ),
)
@example(variable="PAPERHOUSE_BATCH_MB", value="1e303")
@example(variable="PAPERHOUSE_DUCKDB_MEMORY", value="1KB")
def test_any_value_is_refused_before_anything_is_created_or_is_one_every_consumer_takes(variable, value):
    env = {variable: value}
    try:
        settings = Settings.from_env(env)  # today's clock, as `main` reads it
    except SettingsError as exc:
        assert str(exc).startswith(f"{variable}=") and "\n" not in str(exc)
        with tempfile.TemporaryDirectory() as folder, mock.patch.dict(os.environ, env):
            warehouse = Path(folder) / "w.duckdb"
            with contextlib.redirect_stderr(io.StringIO()) as err:
                code = main(["load", str(SAMPLE_DIR), "--warehouse", str(warehouse)])
            assert (code, err.getvalue()) == (EXIT_USAGE, f"paperhouse: {exc}\n")
            assert list(Path(folder).iterdir()) == []
        return
    assert settings.batch_bytes >= 0 and settings.max_dump_bytes >= 0  # no OverflowError
    assert size_bytes(settings.duckdb_memory) >= size_bytes("64MB")
    config = {"memory_limit": settings.duckdb_memory, "checkpoint_threshold": settings.duckdb_checkpoint}
    duckdb.connect(":memory:", config=config).close()  # DuckDB takes both sizes
    assert 0 <= settings.lock_wait_seconds <= 86_400 and 2 <= settings.connect_timeout <= 300


def _refusal(raw: str) -> str:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"PAPERHOUSE_WAREHOUSE": raw}, TODAY)
    return str(caught.value)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("postgresql+psycopg://loader:pa/ssw0rd@db/papers", "postgresql+psycopg://loader:***@db/papers"),
        ("postgresql://u:pa/ss@w0rd@host/db", "postgresql://u:***@host/db"),
        ("postgresql://u:p@ss@host:5432/db", "postgresql://u:***@host:5432/db"),
        (
            "postgresql://u@host/db?sslmode=require&password=a&b",
            "postgresql://u@host/db?sslmode=require&password=***",
        ),
    ],
)
def test_a_password_with_slashes_or_ats_is_masked_whole(raw, shown):
    assert _refusal(raw).startswith(f"PAPERHOUSE_WAREHOUSE='{shown}': expected a file path, or a URL")


@given(password=st.text(min_size=1).filter(str.strip), in_query=st.booleans())
@example(password="pa/ss@w0rd", in_query=False)
@example(password="a?password=b", in_query=False)
@example(password="&", in_query=True)
def test_no_password_text_ever_shows_in_the_refusal(password, in_query):
    raw = (
        f"postgresql+psycopg://loader@db:5432/papers?password={password}"
        if in_query
        else f"postgresql+psycopg://loader:{password}@db:5432/papers"
    )
    try:
        accepted = Settings.from_env({"PAPERHOUSE_WAREHOUSE": raw}, TODAY).warehouse
    except SettingsError as exc:
        message = str(exc)
    else:  # `?password=&x`: the query's password is empty, so there is none to show or refuse
        assert accepted.password is None and not accepted.query.get("password")
        return
    quoted = message[len("PAPERHOUSE_WAREHOUSE=") : message.index(": expected")]
    assert quoted in (
        repr("postgresql+psycopg://loader:***@db:5432/papers"),
        repr("postgresql+psycopg://loader@db:5432/papers?password=***"),
        repr("postgresql+psycopg://loader:***"),  # a password holding `?password=`: the rest is hidden too
        repr("postgresql+psycopg://loader@db:***"),  # a query password holding `@`: hidden from `db:` on
    )


def test_a_path_that_is_not_valid_utf8_is_a_bad_setting(tmp_path):
    bad = os.fsdecode(b"w\xfe.duckdb")  # as the shell hands Python such bytes
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"PAPERHOUSE_WAREHOUSE": bad}, TODAY)
    assert str(caught.value) == (
        "PAPERHOUSE_WAREHOUSE='w\\udcfe.duckdb': the path is not valid UTF-8; expected a file path, or a URL "
        "such as postgresql+psycopg://loader@db:5432/papers with no password in it (PGPASSWORD or ~/.pgpass "
        "holds it)"
    )


def test_the_dagster_catalog_and_alert_settings_parse():
    env = {
        "PAPERHOUSE_FRESHNESS_HOURS": "48",
        "PAPERHOUSE_OWNERS": "ops@papers.test, team:data",
        "PAPERHOUSE_GIT_URL": "https://github.com/acme/paperhouse",
        "PAPERHOUSE_GIT_BRANCH": "release/1.2",
        "PAPERHOUSE_DAGSTER_URL": "http://dagster.papers.test:3000",
        "PAPERHOUSE_ALERT_WEBHOOK": "https://hooks.slack.com/services/T0/B0/secret",
        "PAPERHOUSE_ALERT_SMTP_HOST": "smtp.papers.test",
        "PAPERHOUSE_ALERT_SMTP_PORT": "2525",
        "PAPERHOUSE_ALERT_EMAIL_FROM": "dagster@papers.test",
        "PAPERHOUSE_ALERT_EMAIL_TO": "a@papers.test,b@papers.test",
        "PAPERHOUSE_ALERT_TIMEOUT": "2.5",
    }
    settings = Settings.from_env(env, TODAY)
    assert (settings.freshness_hours, settings.owners, settings.git_branch) == (
        48.0,
        ("ops@papers.test", "team:data"),
        "release/1.2",
    )
    assert (settings.alert_smtp_port, settings.alert_email_to, settings.alert_timeout_seconds) == (
        2525,
        ("a@papers.test", "b@papers.test"),
        2.5,
    )
    defaults = Settings.from_env({}, TODAY)
    assert (defaults.alert_webhook, defaults.alert_smtp_host, defaults.alert_email_to) == (None, None, None)
    assert (defaults.freshness_hours, defaults.owners, defaults.git_url) == (26.0, ("team:paperhouse",), None)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"PAPERHOUSE_ALERT_WEBHOOK": "hooks.slack.com/services/T0/B0/secret"},
            "PAPERHOUSE_ALERT_WEBHOOK='***': expected an http or https URL, such as a Slack incoming webhook's",
        ),
        (
            {"PAPERHOUSE_ALERT_WEBHOOK": "ftp://hooks.slack.com/services/T0/B0/secret"},
            "PAPERHOUSE_ALERT_WEBHOOK='ftp://hooks.slack.com/***': expected an http or https URL, "
            "such as a Slack incoming webhook's",
        ),
        (
            {"PAPERHOUSE_OWNERS": "data team"},
            "PAPERHOUSE_OWNERS='data team': expected e-mail addresses or team names such as team:data, "
            "separated by commas",
        ),
        (
            {"PAPERHOUSE_ALERT_SMTP_PORT": "70000"},
            "PAPERHOUSE_ALERT_SMTP_PORT='70000': expected a port number from 1 to 65535",
        ),
        (
            {"PAPERHOUSE_ALERT_EMAIL_TO": "ops@papers.test; b@papers.test"},
            "PAPERHOUSE_ALERT_EMAIL_TO='ops@papers.test; b@papers.test': expected e-mail addresses "
            "separated by commas",
        ),
        (
            {"PAPERHOUSE_FRESHNESS_HOURS": "0.5"},
            "PAPERHOUSE_FRESHNESS_HOURS='0.5': expected a number of hours from 1 to 8760, such as 26",
        ),
        (
            {"PAPERHOUSE_ALERT_TIMEOUT": "600"},
            "PAPERHOUSE_ALERT_TIMEOUT='600': expected a number of seconds from 1 to 60",
        ),
        (
            {"PAPERHOUSE_GIT_BRANCH": "../main"},
            "PAPERHOUSE_GIT_BRANCH='../main': expected a git branch name, such as main",
        ),
    ],
)
def test_a_bad_dagster_setting_is_one_line_naming_it_and_the_form(env, message):
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env, TODAY)
    assert str(caught.value) == message
