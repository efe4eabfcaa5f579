"""The headless "Materialize all" (orchestration.backfill): its partitions are the folder's files."""

from __future__ import annotations

from orchestration.backfill import register_partitions
from orchestration.partitions import dump_partitions


def test_partitions_are_added_for_new_files_and_removed_for_files_gone(instance):
    instance.add_dynamic_partitions(dump_partitions.name, ["a.txt", "b.txt", "c.txt"])
    assert register_partitions(instance, ["a.txt", "c.txt", "d.txt"]) == ["a.txt", "c.txt", "d.txt"]
    assert instance.get_dynamic_partitions(dump_partitions.name) == ["a.txt", "c.txt", "d.txt"]
