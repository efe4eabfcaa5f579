-- The refresh's comparison is made: its copy of the earlier keys goes.
DROP TABLE refresh_papers_before
