-- New papers are written once, complete: the batch holds all their sightings, so its latest text is theirs.
-- reads: new_papers, paper_stats
INSERT INTO papers (paper_id, title_id, title, abstract, author_count, organization_id,
                   published_date_id, published_date, upvotes, first_seen_date_id,
                   last_seen_date_id, sightings, text_id)
SELECT s.paper_id, s.title_id, s.title, s.abstract, p.author_count, p.organization_id,
       p.published_date_id, p.published_date, p.upvotes, p.first_seen_date_id,
       p.last_seen_date_id, p.sightings, s.text_id
FROM stg_papers s JOIN paper_stats p USING (paper_id)
WHERE s.paper_id IN (SELECT paper_id FROM new_papers)
