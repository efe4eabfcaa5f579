"""Views: the analyst-facing SQL views of sql/views, applied by Alembic migrations."""

import dagster as dg
from sqlalchemy import text

from etl.pipeline import WAREHOUSE_TABLES
from etl.warehouse import head_views
from orchestration.resources import WarehouseResource

GROUP = "views"


def _first_comment(sql: str) -> str:
    first = sql.lstrip().splitlines()[0]
    return first.removeprefix("--").strip() if first.startswith("--") else ""


VIEW_SPECS = [
    dg.AssetSpec(
        key=name,
        group_name=GROUP,
        kinds={"duckdb", "view"},
        description=_first_comment(sql),
        deps=list(WAREHOUSE_TABLES),
        metadata={"sql": dg.MetadataValue.md(f"```sql\n{sql}\n```"), "dagster/table_name": name},
    )
    for name, sql in head_views().items()
]


@dg.multi_asset(specs=VIEW_SPECS, pool="duckdb_warehouse")
def analyst_views(warehouse: WarehouseResource):
    """Bring every view to the text the newest migration pins, and report its row count."""
    warehouse.migrate()
    with warehouse.begin() as connection:
        for spec in VIEW_SPECS:
            name = spec.key.path[-1]
            rows = connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()  # vetted identifier
            yield dg.MaterializeResult(asset_key=spec.key, metadata={"dagster/row_count": rows})
