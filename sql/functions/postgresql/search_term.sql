-- The term a word is indexed under: DuckDB's search_term (sql/functions/duckdb/) on PostgreSQL.
CREATE FUNCTION search_term(word text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$
    SELECT CASE
        WHEN length(word) > 4 AND word LIKE '%ies' THEN left(word, -3) || 'y'
        WHEN length(word) > 3 AND word LIKE '%s' AND word NOT LIKE '%ss' AND word NOT LIKE '%us'
             AND word NOT LIKE '%is' THEN left(word, -1)
        ELSE word
    END
$$
