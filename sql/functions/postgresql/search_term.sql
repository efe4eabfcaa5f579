-- The term a word is indexed under: DuckDB's search_term (sql/functions/duckdb/) on PostgreSQL.
CREATE FUNCTION search_term(word text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN length(word) > 4 AND right(word, 3) = 'ies' THEN left(word, -3) || 'y'
        WHEN length(word) > 3 AND right(word, 1) = 's'
             AND right(word, 2) NOT IN ('ss', 'us', 'is') THEN left(word, -1)
        ELSE word
    END
$$
