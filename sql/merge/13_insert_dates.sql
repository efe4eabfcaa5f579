-- Dates the batch names that the dimension lacks.
INSERT INTO dates SELECT * FROM stg_dates ON CONFLICT DO NOTHING
