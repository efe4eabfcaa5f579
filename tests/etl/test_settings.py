"""Settings: one typed object, validated once, with one-line errors that name the variable."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from etl.settings import Settings, SettingsError, settings_table

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
            "PAPERHOUSE_BATCH_MB='abc': expected a positive number of megabytes, such as 32",
        ),
        (
            {"PAPERHOUSE_BATCH_MB": "nan"},
            "PAPERHOUSE_BATCH_MB='nan': expected a positive number of megabytes, such as 32",
        ),
        (
            {"PAPERHOUSE_BATCH_MB": "inf"},
            "PAPERHOUSE_BATCH_MB='inf': expected a positive number of megabytes, such as 32",
        ),
        (
            {"PAPERHOUSE_BATCH_MB": "-1"},
            "PAPERHOUSE_BATCH_MB='-1': expected a positive number of megabytes, such as 32",
        ),
        (
            {"PAPERHOUSE_DUCKDB_MEMORY": "lots"},
            "PAPERHOUSE_DUCKDB_MEMORY='lots': expected a size such as 512MB or 2GB",
        ),
        (
            {"PAPERHOUSE_DUCKDB_CHECKPOINT": "0MB"},
            "PAPERHOUSE_DUCKDB_CHECKPOINT='0MB': expected a size such as 256MB",
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
            "PAPERHOUSE_LOCK_WAIT='-3': expected a number of seconds, 0 or more",
        ),
        (
            {"PAPERHOUSE_MAX_DUMP_MB": "0"},
            "PAPERHOUSE_MAX_DUMP_MB='0': expected a positive number of megabytes, such as 64",
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


def test_every_setting_is_in_the_readme():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    missing = [env for env, *_ in settings_table() if f"`{env}`" not in readme and f"${env}" not in readme]
    assert missing == []


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
