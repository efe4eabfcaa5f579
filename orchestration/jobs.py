"""Jobs: load dumps (per partition), rebuild from scratch, refresh the views."""

import dagster as dg

from orchestration.assets.pipeline import load_dumps
from orchestration.assets.views import analyst_views

# Every run that writes the warehouse carries this tag; dagster_home/dagster.yaml lets one such
# run at a time proceed (DuckDB allows one writing process) and queues the others.
WRITER_TAG = {"paperhouse/warehouse": "writer"}

load_dumps_job = dg.define_asset_job(
    "load_dumps_job",
    selection=dg.AssetSelection.assets(load_dumps),
    tags=WRITER_TAG,
    description="Load the selected dump partitions (new or changed files) into the warehouse.",
)

rebuild_warehouse_job = dg.define_asset_job(
    "rebuild_warehouse_job",
    selection=dg.AssetSelection.assets(load_dumps),
    tags=WRITER_TAG,
    config={"ops": {"load_dumps": {"config": {"full_refresh": True}}}},
    description="Rebuild every table from scratch from the selected partitions (launch it for all of them).",
)

refresh_views_job = dg.define_asset_job(
    "refresh_views_job",
    selection=dg.AssetSelection.assets(analyst_views),
    tags=WRITER_TAG,
    description="Bring the analyst views to the newest migration and record their row counts.",
)
