"""`weekly_report`: the HTML page of `paperhouse report`, written after every load, summarized in its metadata.

It reads the views (and `source_files`) through the serving copy when there is one, so it never
waits for a load, and writes the page where `paperhouse report` does (`PAPERHOUSE_REPORT`, else
`report.html` beside the warehouse). Its metadata holds the file's path and the week's rising topics
as Markdown tables, which the asset page shows. `views_after_loads` materializes it after the views.
"""

import dagster as dg

from etl.digest import write_report
from etl.digest.queries import query_names
from etl.digest.summary import summary_markdown
from etl.engines import WarehouseLocked
from etl.sql import sql_file
from models import TABLES
from models.views import reads
from orchestration.assets.views import AFTER_EVERY_LOAD, VIEW_SPECS
from orchestration.resources import WarehouseResource, run_settings

GROUP = "report"
_READ = {
    name
    for q in query_names()
    for name in reads(sql_file("digest", q), [*TABLES, *(s.key.path[-1] for s in VIEW_SPECS)])
}


@dg.asset(
    key="weekly_report",
    group_name=GROUP,
    kinds={"html"},
    deps=sorted(_READ),
    automation_condition=AFTER_EVERY_LOAD,
)
def weekly_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The report page of the last weeks (`paperhouse report`): what rose, in charts; its summary in the metadata."""
    settings = run_settings(warehouse=warehouse)
    serving = settings.serving_path
    source = serving if serving is not None and serving.exists() else settings.warehouse
    out = settings.report_file.absolute()
    try:
        written = write_report(source, out, None, settings.report_weeks)
    except WarehouseLocked as exc:
        raise dg.Failure(description=str(exc)) from None
    period = f"{written.period.start} to {written.period.end}" if written.period else "no paper yet"
    context.log.info(f"wrote {out}: {period}, {written.size_bytes:,} bytes in {written.seconds:.1f} s")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(out)),
            "period": period,
            "size_bytes": written.size_bytes,
            "seconds": round(written.seconds, 2),
            "summary": dg.MetadataValue.md(summary_markdown(written.figures)),
        }
    )
