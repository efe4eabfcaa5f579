"""The analyst views of `sql/views`, applied by Alembic migrations, refreshed after every load.

`views_after_loads` (orchestration/sensors.py, on by default) materializes them once no load is
queued or running after a table changed: their row counts, and the serving copy, follow each
load with no click.
"""

import dagster as dg
from sqlalchemy import text

from etl.dictionary import view_descriptions, views_in_creation_order
from etl.engines import engine_at
from etl.warehouse import migrate
from models import TABLES
from models.views import reads
from orchestration.assets.tables import WAREHOUSE_POOL
from orchestration.engine import WAREHOUSE_ENGINE, qualified_name
from orchestration.metadata import serving_metadata, view_column_schemas
from orchestration.resources import WarehouseResource, run_settings

GROUP = "views"

# eager() without "no dependency missing": a refused dump's partition never materializes, and
# the views must still follow every load of the others.
AFTER_EVERY_LOAD = (
    dg.AutomationCondition.eager().without(~dg.AutomationCondition.any_deps_missing())
).with_label("after every load")


_VIEWS = views_in_creation_order()  # the files: no Alembic walk, no database at import
_SCHEMAS = view_column_schemas(_VIEWS)
_DESCRIPTIONS = {name: description for name, (description, _) in view_descriptions(_VIEWS).items()}
VIEW_SPECS = [
    dg.AssetSpec(
        key=name,
        group_name=GROUP,
        kinds={WAREHOUSE_ENGINE.kind, "view"},
        description=_DESCRIPTIONS[name],
        deps=reads(sql, [*TABLES, *(v for v in _VIEWS if v != name)]),
        metadata={
            "sql": dg.MetadataValue.md(f"```sql\n{sql}\n```"),
            "dagster/table_name": qualified_name(name),
            "dagster/column_schema": _SCHEMAS[name],
        },
        automation_condition=AFTER_EVERY_LOAD,
    )
    for name, sql in _VIEWS.items()
]


@dg.multi_asset(specs=VIEW_SPECS, pool=WAREHOUSE_POOL)
def analyst_views(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Bring every view to the text the newest migration pins, publish the serving copy, and count each view's rows."""
    settings = run_settings(warehouse=warehouse)
    with warehouse.engine(settings) as engine:
        migrate(engine)
        with engine.connect() as connection:
            counts = {
                spec.key: connection.execute(text(f"SELECT count(*) FROM {spec.key.path[-1]}")).scalar_one()
                for spec in VIEW_SPECS  # vetted identifiers
            }
        serving = engine_at(settings.warehouse).publish(engine, settings, on_wait=context.log.warning)
    published = serving_metadata(serving)
    for key, rows in counts.items():
        yield dg.MaterializeResult(asset_key=key, metadata={"dagster/row_count": rows, **published})
