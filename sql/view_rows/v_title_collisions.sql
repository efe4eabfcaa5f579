-- v_title_collisions: one row per paper whose normalized title another paper shares.
SELECT count(*)
FROM papers AS p
WHERE p.title_id IN (SELECT title_id FROM papers GROUP BY title_id HAVING count(*) > 1)
