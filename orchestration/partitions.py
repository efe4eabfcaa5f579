"""One dynamic partition per dump file name, added by the sensor and the daily sweep."""

import dagster as dg

dump_partitions = dg.DynamicPartitionsDefinition(name="dump_files")
