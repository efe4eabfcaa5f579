-- Before a full refresh empties the tables: the keys of the papers it held, kept for the
-- connection's session, so that the refresh reports the papers it added and removed, not
-- every paper as new.
CREATE TEMP TABLE refresh_papers_before AS SELECT paper_id FROM papers
