-- A touched paper's kept texts that it now shows, or that no sighting prints any more, go. Only the
-- touched papers' sightings are read (the semi-join on touched_papers), never every sighting.
-- reads: touched_papers, paper_stats
DELETE FROM paper_texts
WHERE paper_id IN (SELECT paper_id FROM touched_papers)
  AND (text_id IN (SELECT text_id FROM paper_stats)
       OR NOT EXISTS (SELECT 1 FROM paper_appearances AS a
                      WHERE a.paper_id IN (SELECT paper_id FROM touched_papers)
                        AND a.paper_id = paper_texts.paper_id AND a.text_id = paper_texts.text_id))
