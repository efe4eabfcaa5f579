-- Papers of the batch the warehouse does not hold yet.
CREATE OR REPLACE TEMP TABLE new_papers AS
SELECT DISTINCT paper_id FROM incoming_appearances ANTI JOIN papers USING (paper_id)
