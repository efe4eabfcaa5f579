-- The report's session settings, run first on its connection: DuckDB draws a progress bar on the
-- terminal for a query over two seconds (a report's, on a large warehouse); the CLI prints its own line.
-- binds:
set enable_progress_bar = false
