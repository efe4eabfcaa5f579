-- The term a word of search_words is indexed and searched under: a plural folded into its
-- singular by a light, deterministic rule (`studies` to `study`, `models` to `model`; a word of
-- at most three letters, or ending in `ss`, `us` or `is`, stays as it is). No stemmer: DuckDB's
-- stem() is in the fts extension, which clients cannot be counted on to have.
CREATE MACRO search_term(word) AS
    CASE
        WHEN length(word) > 4 AND right(word, 3) = 'ies' THEN left(word, -3) || 'y'
        WHEN length(word) > 3 AND right(word, 1) = 's'
             AND right(word, 2) NOT IN ('ss', 'us', 'is') THEN left(word, -1)
        ELSE word
    END
