"""The one `Definitions` of the project: assets and resources, nothing opened at import time."""

from __future__ import annotations

import dagster as dg

from orchestration.assets import extract, transform, views, warehouse
from orchestration.resources import DumpFolderResource, WarehouseResource

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([extract, transform, warehouse, views]),
    resources={"warehouse": WarehouseResource(), "dumps": DumpFolderResource()},
)
