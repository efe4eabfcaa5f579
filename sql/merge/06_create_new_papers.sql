-- Papers of the batch the warehouse does not hold yet.
-- creates: new_papers
-- reads: incoming_appearances
CREATE TEMP TABLE new_papers AS
SELECT DISTINCT i.paper_id FROM incoming_appearances AS i
WHERE NOT EXISTS (SELECT 1 FROM papers AS p WHERE p.paper_id = i.paper_id)
