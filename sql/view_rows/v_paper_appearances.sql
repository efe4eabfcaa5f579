-- v_paper_appearances: one row per sighting (its inner joins follow keys the integrity rules hold).
SELECT count(*) FROM paper_appearances
