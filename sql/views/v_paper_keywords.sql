-- One row per paper and keyword: the keyword's canonical form, the paper's own form, rank, score and kind.
--
-- Columns:
-- paper_id = paper_keywords.paper_id
-- title = papers.title
-- keyword_id = paper_keywords.keyword_id
-- keyword = keywords.keyword
-- form = paper_keywords.form
-- kind = keywords.kind
-- rank = paper_keywords.rank
-- score = paper_keywords.score
select
    pk.paper_id,
    p.title,
    pk.keyword_id,
    k.keyword,
    pk.form,
    k.kind,
    pk.rank,
    pk.score
from paper_keywords as pk
inner join papers as p on p.paper_id = pk.paper_id
inner join keywords as k on k.keyword_id = pk.keyword_id
