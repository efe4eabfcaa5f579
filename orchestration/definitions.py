"""The one `Definitions` of the project: assets, checks, jobs, sensors, schedule and resources."""

import dagster as dg

from orchestration.assets.dumps import dump_files
from orchestration.assets.refused import no_refused_dumps
from orchestration.assets.tables import load_dumps
from orchestration.assets.views import analyst_views
from orchestration.jobs import load_dumps_job, rebuild_warehouse_job, refresh_views_job, refused_dumps_job
from orchestration.resources import DumpFolderResource, WarehouseResource
from orchestration.sensors import build_sweep_schedule, new_dump_sensor, views_after_loads

defs = dg.Definitions(
    assets=[dump_files, load_dumps, analyst_views],
    asset_checks=[no_refused_dumps],
    jobs=[load_dumps_job, rebuild_warehouse_job, refresh_views_job, refused_dumps_job],
    sensors=[new_dump_sensor, views_after_loads],
    schedules=[build_sweep_schedule()],
    resources={"warehouse": WarehouseResource(), "dumps": DumpFolderResource()},
)
