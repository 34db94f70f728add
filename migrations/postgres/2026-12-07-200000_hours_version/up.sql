-- A part of the data version of its own for the writes that the report's figures without
-- hours (clauses, contracts, exits, follow-ups, PNAD) never read: the three tables of hours
-- (entries and their kept totals) and the people's records (an import touches each person's
-- last activity; the report reads placements' snapshots, not people). They bump
-- `hours_people_changes` instead of `changes`; the version is still the sum of both, and the
-- figures without hours are kept under `changes` alone, so a validation or an import
-- recomputes only the figures of hours.
ALTER TABLE data_version ADD COLUMN hours_people_changes BIGINT NOT NULL DEFAULT 0;
CREATE FUNCTION bump_hours_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO data_version (slot, hours_people_changes) VALUES (pg_backend_pid(), 1)
    ON CONFLICT (slot) DO UPDATE SET hours_people_changes = data_version.hours_people_changes + 1;
    RETURN NULL;
END
$$;
DROP TRIGGER data_version_hour_entries ON hour_entries;
DROP TRIGGER data_version_assignment_month_totals ON assignment_month_totals;
DROP TRIGGER data_version_placement_year_totals ON placement_year_totals;
CREATE TRIGGER data_version_hour_entries AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON hour_entries FOR EACH STATEMENT EXECUTE FUNCTION bump_hours_version();
CREATE TRIGGER data_version_assignment_month_totals AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON assignment_month_totals FOR EACH STATEMENT EXECUTE FUNCTION bump_hours_version();
CREATE TRIGGER data_version_placement_year_totals AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON placement_year_totals FOR EACH STATEMENT EXECUTE FUNCTION bump_hours_version();
DROP TRIGGER data_version_participants ON participants;
CREATE TRIGGER data_version_participants AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON participants FOR EACH STATEMENT EXECUTE FUNCTION bump_hours_version();
