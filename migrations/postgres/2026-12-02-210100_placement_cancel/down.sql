ALTER TABLE placements DROP COLUMN cancelled_at;
