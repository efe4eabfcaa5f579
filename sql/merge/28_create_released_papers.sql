-- Papers whose links and keywords go: the orphans, and known papers that show another text
-- (skipped when there is none).
-- creates: released_papers
-- reads: changed_texts, orphan_papers
-- skipped unless: released
CREATE TEMP TABLE released_papers AS
SELECT paper_id FROM orphan_papers UNION SELECT paper_id FROM changed_texts WHERE NOT is_new
