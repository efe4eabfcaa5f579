-- Papers whose abstract links to a code repository (GitHub, GitLab and the like).
--
-- Columns:
-- paper_id = v_papers.paper_id
-- title = v_papers.title
-- code_url = v_papers.code_url
-- published_date = v_papers.published_date
-- organization_name = v_papers.organization_name
-- upvotes = v_papers.upvotes
-- sightings = v_papers.sightings
-- last_seen = v_papers.last_seen
select
    paper_id,
    title,
    code_url,
    published_date,
    organization_name,
    upvotes,
    sightings,
    last_seen
from v_papers
where code_url is not null
