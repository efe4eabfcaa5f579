-- paper_id is unique in papers (among the checked papers). Rows: (what, detail, broken).
SELECT 'duplicate_paper_ids' AS what, count(*) - count(DISTINCT paper_id) AS detail,
       count(*) - count(DISTINCT paper_id) AS broken
FROM checked_papers
