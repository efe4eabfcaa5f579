-- Phrase design "grouped" (prototype, not shipped): no join; the postings of a phrase's words
-- grouped by phrase and paper, the starts each word allows intersected in the aggregate
-- (list_reduce over list()). Replaces the CTEs after phrase_words, to phrase_bits, of
-- sql/functions/duckdb/search_papers.sql.
), phrase_bits AS MATERIALIZED (
    SELECT paper_id, bit_or(item_bit) AS bits FROM (
        SELECT p.paper_id, f.item_bit FROM search_postings AS p JOIN phrase_words AS f ON f.term = p.term
        WHERE p.term IN (SELECT term FROM phrase_words)
        GROUP BY f.phrase, f.item_bit, f.width, p.paper_id
        HAVING count(*) = f.width
           AND len(list_reduce(list(list_transform(p.positions, lambda x: x - f.word_offset)),
                               lambda x, y: list_intersect(x, y))) > 0
    ) GROUP BY paper_id
