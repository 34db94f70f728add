-- The transaction that last wrote each yearly total (its 64-bit id), so that a year's fact
-- rows kept in memory (`app::year_facts`) are brought up to date by reading only the rows
-- written by transactions they may not have seen: every transaction whose id is below the
-- `xmin` of a snapshot had ended when the snapshot was taken, whatever the order in which
-- concurrent writers commit (a sequence value drawn before commit gives no such bound).
-- Inserts take it from the default, updates from the trigger; rows are never deleted.
ALTER TABLE placement_year_totals ADD COLUMN written_by BIGINT NOT NULL DEFAULT 0;
ALTER TABLE placement_year_totals ALTER COLUMN written_by SET DEFAULT (pg_current_xact_id()::text::bigint);
CREATE FUNCTION mark_placement_year_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.written_by := pg_current_xact_id()::text::bigint;
    RETURN NEW;
END
$$;
CREATE TRIGGER placement_year_totals_written BEFORE UPDATE ON placement_year_totals FOR EACH ROW EXECUTE FUNCTION mark_placement_year_write();
CREATE INDEX placement_year_totals_written ON placement_year_totals(year, written_by);
