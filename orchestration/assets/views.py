"""The analyst views of `sql/views`, applied by Alembic migrations, refreshed after every load.

`views_after_loads` (orchestration/sensors.py, on by default) materializes them once no load is
queued or running after a table changed: their row counts, and the serving copy, follow each
load with no click. Each refresh checks every view's rows against what its tables imply
(`rows_match_tables`, `sql/view_rows/`) and records its columns as the warehouse has them, which
`column_schema_change` compares with the refresh before.
"""

import warnings

import dagster as dg
from sqlalchemy import text

from etl.dictionary import view_descriptions, views_in_creation_order
from etl.engines import engine_at
from etl.view_rows import expected_rows, invariant, invariant_views, view_columns
from etl.warehouse import migrate
from models import TABLES
from models.views import reads
from orchestration.assets.tables import WAREHOUSE_POOL
from orchestration.engine import WAREHOUSE_ENGINE, qualified_name
from orchestration.metadata import serving_metadata, view_column_schemas
from orchestration.resources import WarehouseResource, run_holder, run_settings

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


ROW_COUNT_CHECK = "rows_match_tables"
ROW_COUNT_CHECKS = [
    dg.AssetCheckSpec(
        ROW_COUNT_CHECK,
        asset=name,
        description=f"The view's row count is what its tables imply: {invariant(name)}.",
    )
    for name in invariant_views()
]

with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.BetaWarning)  # beta in Dagster 1.13: it would print on every load
    # Each view's columns as the warehouse has them (its materializations' schema), last two refreshes compared.
    COLUMN_SCHEMA_CHECKS = dg.build_column_schema_change_checks(
        assets=[spec.key for spec in VIEW_SPECS], severity=dg.AssetCheckSeverity.ERROR
    )


def _schema(name: str, columns: list[tuple[str, str]]) -> dg.TableSchema:
    """The view's columns as the warehouse has them, described by its header where it names them."""
    described = {column.name: column.description for column in _SCHEMAS[name].columns}
    return dg.TableSchema(
        columns=[dg.TableColumn(name=c, type=t, description=described.get(c)) for c, t in columns]
    )


@dg.multi_asset(specs=VIEW_SPECS, check_specs=ROW_COUNT_CHECKS, pool=WAREHOUSE_POOL)
def analyst_views(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Bring every view to the text the newest migration pins, publish the serving copy, and count each view's rows."""
    settings = run_settings(warehouse=warehouse)
    with warehouse.engine(settings, run_holder(context)) as engine:
        migrate(engine)
        with engine.connect() as connection:
            counts = {
                name: connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
                for name in _VIEWS  # vetted identifiers
            }
            expected = expected_rows(connection, invariant_views())
            columns = view_columns(connection, _VIEWS)
            connection.rollback()
        serving = engine_at(settings.warehouse).publish(engine, settings, on_wait=context.log.warning)
    published = serving_metadata(serving)
    for name, rows in counts.items():
        yield dg.MaterializeResult(
            asset_key=name,
            metadata={
                "dagster/row_count": rows,
                "dagster/column_schema": _schema(name, columns[name]),
                **published,
            },
        )
    for name, rows in expected.items():
        yield dg.AssetCheckResult(
            asset_key=name,
            check_name=ROW_COUNT_CHECK,
            passed=counts[name] == rows,
            severity=dg.AssetCheckSeverity.ERROR,
            description=f"{counts[name]} rows; its tables imply {rows} ({invariant(name)})",
            metadata={"rows": counts[name], "expected_rows": rows},
        )
