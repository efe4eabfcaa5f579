-- The dump versions a load need not read again: (file_id, file_name, size_bytes, modified_ns).
-- Held: loaded, suspect, or rejected for a reason that still holds. Two kinds of rejection may not
-- hold any more and are read again: a version whose listing year came from a rule the setting
-- outranks (or from the setting itself), once the setting differs from the one it was parsed
-- with; and a version refused for a date after today, once today reaches its recheck_on. A
-- suspect version is read again when :accept_shrink confirms it.
SELECT file_id, file_name, size_bytes, modified_ns
FROM source_files
WHERE status IN (SELECT unnest(CAST(:held AS VARCHAR[])))
  AND NOT (status = 'suspect' AND CAST(:accept_shrink AS BOOLEAN))
  AND (
    status <> 'rejected'
    OR (
      NOT (
        coalesce(listing_year_rule IN (SELECT unnest(CAST(:rules AS VARCHAR[]))), false)
        AND listing_year_setting IS DISTINCT FROM CAST(:setting AS INTEGER)
      )
      AND coalesce(recheck_on > :today, true)
    )
  )
