-- Papers whose abstract links to a code repository (GitHub, GitLab and the like).
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
