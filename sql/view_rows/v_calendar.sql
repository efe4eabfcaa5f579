-- v_calendar: one row per day from the first to the last date of `dates`, none when it is empty.
SELECT coalesce(cast(max(date) - min(date) AS integer) + 1, 0) FROM dates
