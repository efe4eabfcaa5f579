-- Links no paper refers to any more (skipped when no paper was orphaned).
DELETE FROM links WHERE link_id IN (SELECT link_id FROM orphan_links ANTI JOIN paper_links USING (link_id))
