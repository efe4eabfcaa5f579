"""The one `Definitions` of the project: assets, checks, jobs, sensors, schedule and resources."""

from pathlib import Path

import dagster as dg

from orchestration.alerts import alert_on_run_failure
from orchestration.assets import dumps
from orchestration.assets.dumps import dump_files
from orchestration.assets.refused import no_refused_dumps
from orchestration.assets.report import weekly_report
from orchestration.assets.tables import load_dumps
from orchestration.assets.views import COLUMN_SCHEMA_CHECKS, analyst_views
from orchestration.catalog import catalogued
from orchestration.history import loads_outside_dagster
from orchestration.jobs import load_dumps_job, rebuild_warehouse_job, refresh_views_job, refused_dumps_job
from orchestration.resources import DumpFolderResource, WarehouseResource
from orchestration.sensors import build_sweep_schedule, new_dump_sensor, views_after_loads

defs = dg.Definitions(
    assets=catalogued(
        [dump_files, load_dumps, analyst_views, weekly_report],
        sources={dump_files.key.to_user_string(): Path(dumps.__file__)},
    ),
    asset_checks=[no_refused_dumps, *COLUMN_SCHEMA_CHECKS],
    jobs=[load_dumps_job, rebuild_warehouse_job, refresh_views_job, refused_dumps_job],
    sensors=[new_dump_sensor, views_after_loads, loads_outside_dagster, alert_on_run_failure],
    schedules=[build_sweep_schedule()],
    resources={"warehouse": WarehouseResource(), "dumps": DumpFolderResource()},
)
