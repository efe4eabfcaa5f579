-- Links no paper refers to any more (skipped when no paper was released).
-- reads: released_links
-- skipped unless: released
DELETE FROM links WHERE link_id IN (
    SELECT o.link_id FROM released_links AS o
    WHERE NOT EXISTS (SELECT 1 FROM paper_links AS pl WHERE pl.link_id = o.link_id)
)
