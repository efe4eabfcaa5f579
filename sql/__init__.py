"""The SQL files of paperhouse (`<folder>/<name>.sql`), shipped as package data and read by `etl.sql`."""
