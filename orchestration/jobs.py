"""Jobs: load dumps (per partition), rebuild from scratch, refresh the views, check for refused dumps.

None needs a tag to keep writers apart: every step that writes the warehouse is in the pool of
its engine (`WAREHOUSE_POOL`: `duckdb_warehouse` or `postgres_warehouse`), which
dagster_home/dagster.yaml limits to one run at a time, however the run was launched (a job, the
sensor, the schedule, a backfill, or "Materialize" in the UI).
"""

import dagster as dg

from orchestration.assets.refused import no_refused_dumps
from orchestration.assets.tables import load_dumps
from orchestration.assets.views import analyst_views

# The tables with their integrity checks; the load step itself records `no_refused_dumps`.
TABLES = dg.AssetSelection.assets(load_dumps) - dg.AssetSelection.checks(no_refused_dumps)

load_dumps_job = dg.define_asset_job(
    "load_dumps_job",
    selection=TABLES,
    description="Load the selected dump partitions (new or changed files) into the warehouse.",
)

rebuild_warehouse_job = dg.define_asset_job(
    "rebuild_warehouse_job",
    selection=TABLES,
    config={"ops": {"load_dumps": {"config": {"full_refresh": True}}}},
    description="Rebuild every table from scratch from the selected partitions (launch it for all of them).",
)

refresh_views_job = dg.define_asset_job(
    "refresh_views_job",
    selection=dg.AssetSelection.assets(analyst_views),
    description="Bring the analyst views to the newest migration, publish the serving copy, count their rows.",
)

refused_dumps_job = dg.define_asset_job(
    "refused_dumps_job",
    selection=dg.AssetSelection.checks(no_refused_dumps),
    description="Name the dumps of the folder the warehouse holds as refused (no load).",
)
