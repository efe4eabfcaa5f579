-- The refresh's copy of the earlier keys goes: after its comparison, and before a refresh makes
-- its own (a failed refresh may have left one in the pooled session).
DROP TABLE IF EXISTS refresh_papers_before
