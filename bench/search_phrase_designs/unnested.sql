-- Phrase design "unnested" (prototype, not shipped): each place a row, (phrase, paper, start);
-- the first word's starts equi-joined on all three to the other words', no list function in
-- the join. Replaces the CTEs after phrase_words, to phrase_bits, of
-- sql/functions/duckdb/search_papers.sql.
), phrase_places AS MATERIALIZED (
    SELECT f.phrase, f.item_bit, f.width, f.word_offset, p.paper_id, unnest(p.positions) - f.word_offset AS start
    FROM search_postings AS p JOIN phrase_words AS f ON f.term = p.term
    WHERE p.term IN (SELECT term FROM phrase_words)
), phrase_bits AS MATERIALIZED (
    SELECT paper_id, bit_or(item_bit) AS bits FROM (
        SELECT DISTINCT a.paper_id, a.item_bit
        FROM phrase_places AS a
        JOIN phrase_places AS b ON b.phrase = a.phrase AND b.paper_id = a.paper_id AND b.start = a.start
        WHERE a.word_offset = 0 AND b.word_offset > 0
        GROUP BY a.phrase, a.item_bit, a.width, a.paper_id, a.start
        HAVING count(DISTINCT b.word_offset) = a.width - 1
    ) GROUP BY paper_id
