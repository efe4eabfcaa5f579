"""The load asset: partitions loaded into a temporary warehouse, refused dumps as failed partitions, checks."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import dagster as dg
from sqlalchemy import text

import etl.pipeline
from etl.checks import RULES, CheckOutcome
from etl.extract import sha256_of
from etl.keywords import EXTRACTOR_VERSION
from etl.pipeline import load_folder
from etl.warehouse import warehouse_engine
from models import TABLES
from orchestration.assets.dumps import dump_files
from orchestration.assets.refused import WHAT_TO_DO, no_refused_dumps
from orchestration.assets.tables import MISSING_TAG, REFUSED_TAG
from orchestration.assets.tables import load_dumps as load_dumps_asset
from orchestration.resources import DumpFolderResource, WarehouseResource
from tests.conftest import (
    CUT_DUMP,
    CUT_REASON,
    DATA_DIR,
    ROOT,
    dump_text,
    hold_warehouse,
    snapshot,
    write_dump,
)
from tests.etl.test_shrink import CUT_NAME, REASON, cut
from tests.orchestration.conftest import (
    checks_of,
    failure_message,
    materialize_partitions,
    materialized,
    partition_status,
    warehouse_of,
)

INTEGRITY = {rule.name for rule in RULES}
REFUSED = "no_refused_dumps"
REMOVED_WITH_THE_LAST_SAMPLE_DUMP = 41  # papers only the sample's last dump lists


def sample_names(sample_dir: Path) -> list[str]:
    return sorted(p.name for p in sample_dir.glob("*.txt"))


def metadata_of(result, partition: str) -> dict[str, dict]:
    return {
        e.asset_key.to_user_string(): e.materialization.metadata
        for e in result.get_asset_materialization_events()
        if e.materialization.partition == partition
    }


def test_every_rule_is_a_blocking_check_of_the_table_it_guards_and_every_check_a_rule():
    specs = {spec.name: spec for spec in load_dumps_asset.check_specs}
    assert set(specs) == INTEGRITY
    for rule in RULES:
        spec = specs[rule.name]
        assert (spec.asset_key.to_user_string(), spec.description, spec.blocking) == (
            rule.table,
            rule.description,
            True,
        )
    (refused,) = no_refused_dumps.check_specs  # a check of its own, executable alone
    assert (refused.name, refused.asset_key.to_user_string(), refused.blocking) == (
        REFUSED,
        "source_files",
        False,
    )


def test_the_dagster_page_names_every_check():
    text = (ROOT / "docs" / "dagster.md").read_text(encoding="utf-8")
    section = text[text.index("\n## Asset checks\n") :].split("\n## ", 2)[1]
    assert [name for name in (*INTEGRITY, REFUSED) if f"`{name}`" not in section] == []


def test_one_partition_per_dump_loads_alone(instance, resources, sample_dir):
    names = sample_names(sample_dir)
    result = materialize_partitions(instance, resources, [names[1]])
    assert result.success
    assert checks_of(result) == dict.fromkeys(INTEGRITY, True) | {"no_refused_dumps": True}
    assert {t: materialized(result, t) for t in TABLES} == dict.fromkeys(TABLES, [names[1]])
    engine = warehouse_of(resources)
    with engine.connect() as c:
        assert c.execute(text("SELECT file_name FROM source_files")).scalars().all() == [names[1]]
    engine.dispose()


def test_a_run_with_nothing_to_read_says_so_and_commits_no_batch(instance, resources, sample_dir):
    names = sample_names(sample_dir)
    assert materialize_partitions(instance, resources, names[:2]).success
    again = materialize_partitions(instance, resources, names[:2])
    assert again.success and materialized(again) == names[:2]  # still loaded: the warehouse holds them
    said = [e.user_message for e in instance.all_logs(again.run_id) if "batch" in e.user_message]
    assert said[0].startswith("nothing to read (2 unchanged), no batch committed; ")
    assert not any("committed:" in line for line in said)
    assert metadata_of(again, names[0])["source_files"]["batches"].value == 0


def test_all_partitions_in_one_run_equal_the_cli_load(instance, resources, sample_dir, tmp_path):
    names = sample_names(sample_dir)
    result = materialize_partitions(instance, resources, names)
    assert result.success
    assert materialized(result) == names
    assert partition_status(instance, names) == dict.fromkeys(names, "MATERIALIZED")
    via_dagster = warehouse_of(resources)
    via_cli = warehouse_engine(tmp_path / "cli.duckdb")
    load_folder(sample_dir, via_cli)
    assert snapshot(via_dagster) == snapshot(via_cli)
    via_dagster.dispose()
    via_cli.dispose()


def test_each_table_shows_the_load_figures_rounded_a_preview_of_its_stored_rows(
    instance, resources, sample_dir
):
    names = sample_names(sample_dir)
    run_config = {"ops": {"load_dumps": {"config": {"batch_mb": 0.2}}}}
    result = materialize_partitions(instance, resources, names, run_config)
    assert result.success and all(checks_of(result).values())
    metadata, last = metadata_of(result, names[0]), metadata_of(result, names[-1])
    engine = warehouse_of(resources)
    for name, m in ((names[0], metadata), (names[-1], last)):  # each partition: its own dump
        assert m["source_files"].pop("sha256").value == sha256_of(sample_dir / name)
        assert m["source_files"].pop("dagster/partition_row_count").value == 1
        with engine.connect() as c:
            sightings = c.execute(
                text(
                    "SELECT count(*) FROM paper_appearances JOIN source_files USING (file_id) WHERE file_name = :n"
                ),
                {"n": name},
            ).scalar_one()
        assert m["paper_appearances"].pop("dagster/partition_row_count").value == sightings > 0
    engine.dispose()
    assert metadata == last  # the rest: the run's figures, on each partition
    values = {table: {k: v.value for k, v in m.items() if k != "preview"} for table, m in metadata.items()}
    if warehouse_of(resources).dialect.name == "duckdb":
        serving = Path(values["source_files"].pop("serving_copy"))
        warehouse = Path(resources["warehouse"].path)
        assert serving == warehouse.parent / "serving" / warehouse.name and serving.exists()
        seconds = values["source_files"].pop("serving_publish_seconds")
        assert round(seconds, 3) == seconds
    else:  # readers query the server itself
        assert (
            values["source_files"].pop("serving_copy")
            == "none: readers query the PostgreSQL warehouse itself"
        )
    assert values["source_files"] == {
        "table_rows": 5,
        "rows_staged": 5,
        "dumps_read": 5,
        "files_loaded": 5,
        "files_unchanged": 0,
        "files_refused": 0,
        "files_superseded": 0,
        "files_removed": 0,
        "files_missing": 0,
        "megabytes_read": 0.77,
        "batches": 5,
    }
    assert values["papers"] == {
        "table_rows": 411,
        "rows_staged": 451,  # staged per batch: a paper of two batches is staged twice
        "papers_new": 411,
        "papers_already_known": 40,
        "papers_removed": 0,
    }
    assert values["paper_appearances"] == {
        "table_rows": 451,
        "rows_staged": 451,
        "entries_parsed": 451,
    }
    assert values["keywords"]["method"] == "topic phrases"
    assert (values["keywords"]["extractor"], values["keywords"]["papers_rederived"]) == (EXTRACTOR_VERSION, 0)
    for table, m in metadata.items():  # previews are stored rows: exactly the schema's columns
        header = m["preview"].value.splitlines()[0]
        assert [c.strip() for c in header.strip("|").split("|")] == [c.name for c in TABLES[table].columns]
        assert len(m["preview"].value.splitlines()) == 2 + min(5, values[table]["table_rows"])


def refused_check(result) -> dg.AssetCheckEvaluation:
    return next(e for e in result.get_asset_check_evaluations() if e.check_name == REFUSED)


def test_a_refused_dump_warns_until_its_file_changes_and_fails_nothing(instance, resources, sample_dir):
    (sample_dir / "cut.txt").write_bytes(CUT_DUMP.read_bytes())
    first = materialize_partitions(instance, resources, ["cut.txt"])
    assert first.success  # a refused dump is not loadable: nothing failed
    assert materialized(first) == []
    assert partition_status(instance, ["cut.txt"]) == {"cut.txt": None}  # missing, not failed
    assert instance.get_run_by_id(first.run_id).tags[REFUSED_TAG] == "cut.txt"
    warned = [e for e in instance.all_logs(first.run_id) if e.level == logging.WARNING]
    assert [e.user_message for e in warned] == [f"Refused: {CUT_REASON}"]
    refused = refused_check(first)
    assert (refused.passed, refused.severity) == (False, dg.AssetCheckSeverity.WARN)
    assert refused.description == f"refused dumps in the folder: 1\n\n- {CUT_REASON}\n\n{WHAT_TO_DO}"
    assert refused.metadata["refused"].value == f"- **cut.txt**: {CUT_REASON}"

    again = materialize_partitions(instance, resources, ["cut.txt"])  # the same bytes: the same verdict
    assert again.success and refused_check(again).passed is False

    good = sample_names(sample_dir)[0]
    other = materialize_partitions(instance, resources, [good])  # another dump's run: still named
    assert other.success and checks_of(other)[REFUSED] is False
    assert partition_status(instance, ["cut.txt", good]) == {"cut.txt": None, good: "MATERIALIZED"}

    (sample_dir / "cut.txt").write_bytes((sample_dir / good).read_bytes())  # fixed: new sha256
    fixed = materialize_partitions(instance, resources, ["cut.txt"])
    assert fixed.success and checks_of(fixed)[REFUSED] is True
    assert refused_check(fixed).description == "every dump read from the folder is loaded (6 in the folder)"
    assert partition_status(instance, ["cut.txt"]) == {"cut.txt": "MATERIALIZED"}


def test_the_refused_dumps_check_runs_alone_and_forgets_a_deleted_dump(instance, resources, sample_dir):
    (sample_dir / "cut.txt").write_bytes(CUT_DUMP.read_bytes())
    assert checks_of(materialize_partitions(instance, resources, ["cut.txt"]))[REFUSED] is False
    (sample_dir / "cut.txt").unlink()
    alone = dg.materialize(
        [dump_files, load_dumps_asset, no_refused_dumps],
        selection=dg.AssetSelection.checks(no_refused_dumps),
        instance=instance,
        resources=resources,
    )
    assert alone.success and checks_of(alone) == {REFUSED: True}  # no load ran
    assert alone.get_asset_materialization_events() == []


def test_in_a_run_of_many_only_the_refused_partitions_are_left_out(instance, resources, sample_dir):
    (sample_dir / "cut.txt").write_bytes(CUT_DUMP.read_bytes())
    (sample_dir / "picture.txt").write_bytes((DATA_DIR / "refused" / "picture.txt").read_bytes())
    names = sorted([*sample_names(sample_dir)])
    result = materialize_partitions(instance, resources, names)
    assert result.success
    good = [n for n in names if n not in {"cut.txt", "picture.txt"}]
    assert materialized(result) == good
    assert partition_status(instance, names) == {n: "MATERIALIZED" for n in good} | {
        "cut.txt": None,
        "picture.txt": None,
    }
    picture = "picture.txt: not a text dump: the content is a PNG image (byte offset 0)"
    assert refused_check(result).description.splitlines() == [  # Markdown: a list, one refusal a line
        "refused dumps in the folder: 2",
        "",
        f"- {CUT_REASON}",
        f"- {picture}",
        "",
        WHAT_TO_DO,
    ]
    assert instance.get_run_by_id(result.run_id).tags[REFUSED_TAG] == "cut.txt, picture.txt"
    assert all(checks_of(result)[name] for name in INTEGRITY)
    engine = warehouse_of(resources)
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM papers")).scalar_one() == 411
    if engine.dialect.name == "duckdb":  # the loaded dumps are published: a refused one blocks no other
        warehouse = Path(resources["warehouse"].path)
        assert (warehouse.parent / "serving" / warehouse.name).exists()
    engine.dispose()


def test_full_refresh_rebuilds_from_scratch(instance, resources, sample_dir):
    names = sample_names(sample_dir)
    assert materialize_partitions(instance, resources, names).success
    engine = warehouse_of(resources)
    before = snapshot(engine)
    with engine.begin() as c:
        c.execute(text("UPDATE papers SET upvotes = -1"))
    engine.dispose()
    full = {"ops": {"load_dumps": {"config": {"full_refresh": True}}}}
    rebuilt = materialize_partitions(instance, resources, names, full)
    assert rebuilt.success
    engine = warehouse_of(resources)
    assert snapshot(engine) == before
    engine.dispose()
    papers = {
        k: v.value for k, v in metadata_of(rebuilt, names[0])["papers"].items() if k.startswith("papers_")
    }
    assert papers == {"papers_new": 0, "papers_already_known": 411, "papers_removed": 0}  # the same papers


def test_a_full_refresh_reports_the_papers_it_removed(instance, resources, sample_dir):
    names = sample_names(sample_dir)
    assert materialize_partitions(instance, resources, names).success
    (sample_dir / names[-1]).unlink()
    full = {"ops": {"load_dumps": {"config": {"full_refresh": True}}}}
    rebuilt = materialize_partitions(instance, resources, names[:-1], full)
    assert rebuilt.success
    papers = {
        k: v.value for k, v in metadata_of(rebuilt, names[0])["papers"].items() if k.startswith("papers_")
    }
    engine = warehouse_of(resources)
    with engine.connect() as c:
        after = c.execute(text("SELECT count(*) FROM papers")).scalar_one()
    engine.dispose()
    assert papers == {"papers_new": 0, "papers_already_known": after, "papers_removed": 411 - after}
    assert 411 - after == REMOVED_WITH_THE_LAST_SAMPLE_DUMP


def test_a_missing_file_is_skipped_and_said(instance, resources, sample_dir):
    names = sample_names(sample_dir)
    result = materialize_partitions(instance, resources, [names[0], "gone.txt"])
    assert result.success and materialized(result) == [names[0]]
    assert metadata_of(result, names[0])["source_files"]["files_missing"].value == 1


def test_a_partition_with_no_file_is_a_warning_naming_it_and_no_failure(instance, resources, sample_dir):
    """The Materialize dialog's "Add a partition" makes a partition of any name: its run warns, tags it, loads nothing."""
    result = materialize_partitions(instance, resources, ["ghost.txt"])
    assert result.success and materialized(result) == []
    assert instance.get_run_by_id(result.run_id).tags[MISSING_TAG] == "ghost.txt"
    warnings = [
        e.message for e in instance.all_logs(result.run_id) if e.level == logging.WARNING and e.message
    ]
    assert [m for m in warnings if "ghost.txt" in m] == [
        f"No file to load: dump ghost.txt is not in {sample_dir} (a file deleted since, or a partition added "
        "by hand); nothing was loaded for it, and the sensor removes its partition."
    ]


def test_a_run_that_meets_another_writer_fails_with_a_message_naming_it(instance, tmp_path, sample_dir):
    warehouse = tmp_path / "held.duckdb"
    holder = hold_warehouse(warehouse, 60)
    try:
        resources = {
            "warehouse": WarehouseResource(path=str(warehouse), lock_wait_seconds=0.5),
            "dumps": DumpFolderResource(path=str(sample_dir)),
        }
        result = materialize_partitions(instance, resources, sample_names(sample_dir))
    finally:
        holder.kill()
        holder.wait()
    assert not result.success
    description = failure_message(result)
    assert re.search(
        rf"the warehouse {re.escape(str(warehouse))} is being written by process {holder.pid} \(", description
    )
    assert (
        "after waiting 0.5 s: another load (a `paperhouse load` or a Dagster run) is running" in description
    )
    said = [e.message for e in instance.all_logs(result.run_id) if "waiting up to" in e.message]
    assert len(said) == 1 and re.search(  # while it waited, the run's log said for whom
        rf"the warehouse {re.escape(str(warehouse))} is being written by process {holder.pid} \(\S+\): "
        r"waiting up to 0\.5 s for its lock$",
        said[0],
    ), said


def test_a_broken_integrity_rule_rolls_its_batch_back_and_fails_the_run(
    instance, resources, sample_dir, monkeypatch
):
    def broken(connection, loaded, today, touched, keys=None):
        return dict.fromkeys(INTEGRITY, CheckOutcome(True, 0, {})) | {
            "paper_id_unique": CheckOutcome(False, 2, {"duplicate_paper_ids": 2})
        }

    monkeypatch.setattr(etl.pipeline, "integrity_outcomes", broken)
    names = sample_names(sample_dir)
    result = materialize_partitions(instance, resources, names)
    assert not result.success
    assert failure_message(result).startswith(
        "The load failed: an integrity rule broke, so its batch was rolled back "
        "(paper_id_unique: {'duplicate_paper_ids': 2}); nothing of this run's dumps was committed "
        "(the schema migration did commit): the warehouse holds what it held before; not committed: 5 dumps"
    )
    assert checks_of(result)["paper_id_unique"] is False
    assert materialized(result) == []
    assert partition_status(instance, names) == dict.fromkeys(names, "FAILED")
    engine = warehouse_of(resources)
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM source_files")).scalar_one() == 0
    engine.dispose()


def test_a_prune_of_an_empty_folder_is_refused_and_the_warehouse_keeps_every_paper(
    instance, resources, sample_dir
):
    names = sample_names(sample_dir)
    assert materialize_partitions(instance, resources, names).success
    for path in sample_dir.glob("*.txt"):  # an unmounted share: the folder is there, empty
        path.unlink()
    prune = {"ops": {"load_dumps": {"config": {"prune": True}}}}
    result = materialize_partitions(instance, resources, names, prune)
    assert not result.success
    assert failure_message(result) == (
        f"refusing --prune: {sample_dir} holds no dumps, and pruning would remove every dump from the "
        "warehouse (an unmounted share looks exactly like this); pass --force (Dagster: `force: true`) to do it anyway\n"
    )
    engine = warehouse_of(resources)
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM papers")).scalar_one() == 411
    engine.dispose()
    forced = {"ops": {"load_dumps": {"config": {"prune": True, "force": True}}}}
    assert materialize_partitions(instance, resources, names, forced).success
    engine = warehouse_of(resources)
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM papers")).scalar_one() == 0
    engine.dispose()


def test_a_prune_that_would_remove_every_loaded_dump_is_refused_under_dagster_too(
    instance, resources, sample_dir
):
    names = sample_names(sample_dir)
    assert materialize_partitions(instance, resources, names).success
    for path in sample_dir.glob("*.txt"):
        path.unlink()
    write_dump(sample_dir, "stray.txt", dump_text("Nov 4", ["A title\nAn abstract."]))
    prune = {"ops": {"load_dumps": {"config": {"prune": True}}}}
    result = materialize_partitions(instance, resources, ["stray.txt"], prune)
    assert not result.success
    assert failure_message(result).startswith(
        f"refusing --prune: none of the 5 dumps the warehouse holds is in {sample_dir} any more"
    )
    engine = warehouse_of(resources)
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM papers")).scalar_one() == 411
    engine.dispose()


def test_a_rebuild_launched_for_one_partition_reads_the_whole_folder(instance, resources, sample_dir):
    names = sample_names(sample_dir)
    assert materialize_partitions(instance, resources, names).success
    engine = warehouse_of(resources)
    before = snapshot(engine)
    engine.dispose()
    full = {"ops": {"load_dumps": {"config": {"full_refresh": True}}}}
    result = materialize_partitions(instance, resources, [names[2]], full)
    assert result.success
    assert materialized(result) == names  # every dump it read is reported, not only the one selected
    engine = warehouse_of(resources)
    assert snapshot(engine) == before
    engine.dispose()


def test_a_cut_re_download_is_held_back_with_a_warning_until_accept_shrink(instance, resources, sample_dir):
    names = sample_names(sample_dir)
    assert materialize_partitions(instance, resources, names).success
    cut(sample_dir)
    result = materialize_partitions(instance, resources, [CUT_NAME])
    assert result.success and materialized(result) == []  # the complete version stays loaded
    warned = [e.user_message for e in instance.all_logs(result.run_id) if e.level == logging.WARNING]
    assert warned == [f"Refused: {REASON}"]
    assert instance.get_run_by_id(result.run_id).tags[REFUSED_TAG] == CUT_NAME
    assert partition_status(instance, [CUT_NAME]) == {CUT_NAME: "MATERIALIZED"}
    engine = warehouse_of(resources)
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM papers")).scalar_one() == 411
    engine.dispose()
    accept = {"ops": {"load_dumps": {"config": {"accept_shrink": True}}}}
    accepted = materialize_partitions(instance, resources, [CUT_NAME], accept)
    assert accepted.success and materialized(accepted) == [CUT_NAME]
    engine = warehouse_of(resources)
    with engine.connect() as c:
        # 137 papers only the complete version listed go; its cut last abstract is a paper of its own
        assert c.execute(text("SELECT count(*) FROM papers")).scalar_one() == 411 - 137 + 1
    engine.dispose()
