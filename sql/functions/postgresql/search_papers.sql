-- Full-text search over papers: the papers whose title or abstract match a web-search style
-- query ("diffusion -video", "\"world model\"", "agent or robot"), best first. English
-- stemming; a title match weighs more than an abstract match (ts_rank_cd, weights A and B).
-- Served by the GIN index ix_papers_search over the same expression, which reads the first
-- 10,000 characters of a title and 100,000 of an abstract: a tsvector holds at most 1 MB, and
-- text beyond those lengths could outgrow it and fail the load (real abstracts are < 5,000).
CREATE FUNCTION search_papers(query text)
RETURNS TABLE (paper_id bigint, title text, rank real)
LANGUAGE sql STABLE
AS $$
    SELECT p.paper_id, p.title,
           ts_rank_cd(
               setweight(to_tsvector('english', left(p.title, 10000)), 'A')
               || setweight(to_tsvector('english', left(coalesce(p.abstract, ''), 100000)), 'B'),
               websearch_to_tsquery('english', query)
           ) AS rank
    FROM papers AS p
    WHERE setweight(to_tsvector('english', left(p.title, 10000)), 'A')
          || setweight(to_tsvector('english', left(coalesce(p.abstract, ''), 100000)), 'B')
          @@ websearch_to_tsquery('english', query)
    ORDER BY rank DESC, p.paper_id
$$
