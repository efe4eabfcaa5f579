"""The raw dump files: an external asset, one partition per file name, that every load reads."""

import dagster as dg

from orchestration.partitions import dump_partitions

dump_files = dg.AssetSpec(
    "dump_files",
    group_name="raw",
    description=(
        "Daily Papers listing pages saved as text, one partition per file name in the dump folder. "
        "Written outside Dagster; the sensor notices new and changed files by sha256 and observes each "
        "(data version: its sha256; its size and modification time)."
    ),
    kinds={"file"},
    partitions_def=dump_partitions,
)
