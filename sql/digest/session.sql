-- The report's session settings, run first on its connection: none on PostgreSQL (a SELECT that
-- returns nothing); DuckDB's own text turns its terminal progress bar off.
-- binds:
select 1 where false
