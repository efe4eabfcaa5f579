-- Full-text search over papers: the papers whose title or abstract match a web-search style
-- query ("diffusion -video", "\"world model\"", "agent or robot"), best first. English
-- stemming; a title match weighs more than an abstract match (ts_rank_cd, weights A and B).
-- Served by the GIN index ix_papers_search over the same expression.
CREATE FUNCTION search_papers(query text)
RETURNS TABLE (paper_id bigint, title text, rank real)
LANGUAGE sql STABLE
AS $$
    SELECT p.paper_id, p.title,
           ts_rank_cd(
               setweight(to_tsvector('english', p.title), 'A')
               || setweight(to_tsvector('english', coalesce(p.abstract, '')), 'B'),
               websearch_to_tsquery('english', query)
           ) AS rank
    FROM papers AS p
    WHERE setweight(to_tsvector('english', p.title), 'A')
          || setweight(to_tsvector('english', coalesce(p.abstract, '')), 'B')
          @@ websearch_to_tsquery('english', query)
    ORDER BY rank DESC, p.paper_id
$$
