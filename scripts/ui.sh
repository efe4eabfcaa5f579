#!/usr/bin/env bash
# `make ui`: `dagster dev` on the project, with the warehouse pool's single slot set first.
#
# Every step that writes the warehouse is in the pool of its engine (`duckdb_warehouse`,
# `postgres_warehouse`: etl/engines/). dagster.yaml gives unset pools a limit of 1, but Dagster
# creates that limit only when the queue first meets the pool, and in that first pass it lets
# every queued run through (three sensor loads started together on a new instance). Setting the
# limit of every engine's pool before the server starts closes that gap.
# Arguments go to `dagster dev` (e.g. -p 3001).
set -euo pipefail
bin="${PAPERHOUSE_BIN:-$(dirname "$0")/../.venv/bin}"
export DAGSTER_HOME="${DAGSTER_HOME:-$(cd "$(dirname "$0")/.." && pwd)/dagster_home}"
for pool in $("$bin/python" -c 'from etl.engines import NAMES, engine_named; print(*(engine_named(n).pool for n in NAMES))'); do
  "$bin/dagster" instance concurrency set "$pool" 1 >/dev/null
done
exec "$bin/dagster" dev -m orchestration "$@"
