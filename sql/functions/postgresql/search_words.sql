-- The words of a text, for the search index's tables: lowercased and split on every character
-- that is not a letter or a digit, in order; DuckDB's search_words (sql/functions/duckdb/) on
-- PostgreSQL, so that the merge's shared steps fill the same tables on both engines.
CREATE FUNCTION search_words(document text)
RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT array_remove(regexp_split_to_array(lower(document), '[^[:alnum:]]+'), '')
$$
