-- What this merge changes, read by MergeStats; `released` = 0 (no paper orphaned or given
-- another text) lets the steps releasing links and keywords be skipped.
-- reads: incoming_appearances, replaced_files, removed_files, new_papers, changed_texts, orphan_papers
-- yields: counts
SELECT 'new', count(*) FROM new_papers UNION ALL
SELECT 'batch', count(DISTINCT paper_id) FROM incoming_appearances UNION ALL
SELECT 'orphans', count(*) FROM orphan_papers UNION ALL
SELECT 'released', (SELECT count(*) FROM orphan_papers) + (SELECT count(*) FROM changed_texts WHERE NOT is_new) UNION ALL
SELECT 'replaced', count(*) FROM replaced_files UNION ALL
SELECT 'removed', count(*) FROM removed_files UNION ALL
SELECT 'appearances', count(*) FROM incoming_appearances
