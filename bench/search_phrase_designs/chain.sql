-- Phrase design "chain" (prototype, not shipped): a phrase's words joined one after the other,
-- each only to the papers and starts the previous words left (a recursive CTE), instead of the
-- first word's postings joined to all the other words' at once. Replaces the CTEs after
-- phrase_words, to phrase_bits, of sql/functions/duckdb/search_papers.sql.
), phrase_steps AS MATERIALIZED (
    SELECT *, row_number() OVER (PARTITION BY phrase ORDER BY word_offset)::INTEGER AS step FROM phrase_words
), phrase_postings AS MATERIALIZED (
    SELECT p.term, p.paper_id, p.positions FROM search_postings AS p
    WHERE p.term IN (SELECT term FROM phrase_words)
), phrase_chain AS (
    SELECT f.phrase, f.item_bit, f.width, f.step, p.paper_id, p.positions AS starts
    FROM phrase_postings AS p JOIN phrase_steps AS f ON f.term = p.term AND f.step = 1
    UNION ALL
    SELECT c.phrase, c.item_bit, c.width, f.step, c.paper_id,
           list_intersect(c.starts, list_transform(p.positions, lambda x: x - f.word_offset)) AS starts
    FROM phrase_chain AS c
    JOIN phrase_steps AS f ON f.phrase = c.phrase AND f.step = c.step + 1
    JOIN phrase_postings AS p ON p.term = f.term AND p.paper_id = c.paper_id
    WHERE list_has_any(c.starts, list_transform(p.positions, lambda x: x - f.word_offset))
), phrase_bits AS MATERIALIZED (
    SELECT paper_id, bit_or(item_bit) AS bits FROM (
        SELECT DISTINCT paper_id, item_bit FROM phrase_chain WHERE step = width
    ) GROUP BY paper_id
