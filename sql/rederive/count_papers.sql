-- How many papers a re-derivation reads; none: there is nothing to derive, only a version to record.
SELECT count(*) FROM papers
