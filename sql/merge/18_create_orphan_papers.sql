-- Papers left with no sighting: they go, with their links and keywords.
CREATE OR REPLACE TEMP TABLE orphan_papers AS
SELECT paper_id FROM touched_papers ANTI JOIN paper_appearances USING (paper_id)
