-- What this merge changes, read by MergeStats; `orphans` = 0 lets the orphan steps be skipped.
SELECT 'new', count(*) FROM new_papers UNION ALL
SELECT 'batch', count(DISTINCT paper_id) FROM incoming_appearances UNION ALL
SELECT 'orphans', count(*) FROM orphan_papers UNION ALL
SELECT 'replaced', count(*) FROM replaced_files UNION ALL
SELECT 'removed', count(*) FROM removed_files UNION ALL
SELECT 'appearances', count(*) FROM incoming_appearances
