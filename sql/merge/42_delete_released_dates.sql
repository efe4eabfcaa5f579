-- Released dates that no sighting and no loaded version refers to any more (papers' dates are
-- their sightings'). A superseded or removed version keeps its listing date as a plain YYYYMMDD.
-- reads: released_dates
-- skipped unless: unloaded
DELETE FROM dates
WHERE date_id IN (SELECT date_id FROM released_dates)
  AND date_id NOT IN (SELECT listing_date_id FROM paper_appearances WHERE listing_date_id IN (SELECT date_id FROM released_dates))
  AND date_id NOT IN (SELECT card_date_id FROM paper_appearances WHERE card_date_id IN (SELECT date_id FROM released_dates))
  AND date_id NOT IN (SELECT listing_date_id FROM source_files WHERE status = 'loaded' AND listing_date_id IS NOT NULL)
