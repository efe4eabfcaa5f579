-- The new sightings.
-- reads: incoming_appearances
INSERT INTO paper_appearances (file_id, position, paper_id, title_line, listing_date_id, upvotes,
                               author_count, organization_id, card_date_text, card_date_id, text_id,
                               organization_name)
SELECT file_id, position, paper_id, title_line, listing_date_id, upvotes, author_count,
       organization_id, card_date_text, card_date_id, text_id, organization_name
FROM incoming_appearances
