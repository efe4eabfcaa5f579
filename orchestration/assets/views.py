"""Views: the analyst-facing SQL views of sql/views, applied by Alembic migrations."""

import re

import dagster as dg
from sqlalchemy import text

from etl.pipeline import WAREHOUSE_TABLES
from etl.serving import publish_if_stale
from etl.warehouse import head_views, migrate
from orchestration.assets.pipeline import WAREHOUSE_POOL
from orchestration.metadata import view_column_schemas
from orchestration.resources import WarehouseResource

GROUP = "views"


def _first_comment(sql: str) -> str:
    first = sql.lstrip().splitlines()[0]
    return first.removeprefix("--").strip() if first.startswith("--") else ""


def _reads(sql: str, candidates: list[str]) -> list[str]:
    """The tables and views a view's SQL reads, for an exact lineage graph."""
    return [name for name in candidates if re.search(rf"\b(?:from|join)\s+{name}\b", sql, re.IGNORECASE)]


_VIEWS = head_views()
_SCHEMAS = view_column_schemas(_VIEWS)
VIEW_SPECS = [
    dg.AssetSpec(
        key=name,
        group_name=GROUP,
        kinds={"duckdb", "view"},
        description=_first_comment(sql),
        deps=_reads(sql, [*WAREHOUSE_TABLES, *(v for v in _VIEWS if v != name)]),
        metadata={
            "sql": dg.MetadataValue.md(f"```sql\n{sql}\n```"),
            "dagster/table_name": name,
            "dagster/column_schema": _SCHEMAS[name],
        },
        automation_condition=dg.AutomationCondition.eager(),
    )
    for name, sql in _VIEWS.items()
]


@dg.multi_asset(specs=VIEW_SPECS, pool=WAREHOUSE_POOL)
def analyst_views(warehouse: WarehouseResource):
    """Bring every view to the text the newest migration pins, publish it, and report its row count."""
    with warehouse.engine() as engine:
        migrate(engine)
        with engine.connect() as connection:
            counts = {
                spec.key: connection.execute(text(f"SELECT count(*) FROM {spec.key.path[-1]}")).scalar_one()
                for spec in VIEW_SPECS  # vetted identifiers
            }
        publish_if_stale(engine, warehouse.resolved_path(), warehouse.serving_path())
    for key, rows in counts.items():
        yield dg.MaterializeResult(asset_key=key, metadata={"dagster/row_count": rows})
