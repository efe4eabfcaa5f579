-- After a full refresh: papers it brought that were not there before, papers there before and
-- after, papers gone.
SELECT
    (SELECT count(*) FROM papers WHERE paper_id NOT IN (SELECT paper_id FROM refresh_papers_before)) AS new,
    (SELECT count(*) FROM papers WHERE paper_id IN (SELECT paper_id FROM refresh_papers_before)) AS known,
    (SELECT count(*) FROM refresh_papers_before WHERE paper_id NOT IN (SELECT paper_id FROM papers)) AS removed
