-- A part of the data version of its own for the writes that the report's figures without
-- hours (clauses, contracts, exits, follow-ups, PNAD) never read: the three tables of hours
-- (entries and their kept totals) and the people's records (an import touches each person's
-- last activity; the report reads placements' snapshots, not people). They bump
-- `hours_people_changes` instead of `changes`; the version is still the sum of both, and the
-- figures without hours are kept under `changes` alone, so a validation or an import
-- recomputes only the figures of hours.
ALTER TABLE data_version ADD COLUMN hours_people_changes BIGINT NOT NULL DEFAULT 0;
DROP TRIGGER data_version_hour_entries_insert;
CREATE TRIGGER data_version_hour_entries_insert AFTER INSERT ON hour_entries BEGIN UPDATE data_version SET hours_people_changes = hours_people_changes + 1 WHERE slot = 0; END;
DROP TRIGGER data_version_hour_entries_update;
CREATE TRIGGER data_version_hour_entries_update AFTER UPDATE ON hour_entries BEGIN UPDATE data_version SET hours_people_changes = hours_people_changes + 1 WHERE slot = 0; END;
DROP TRIGGER data_version_hour_entries_delete;
CREATE TRIGGER data_version_hour_entries_delete AFTER DELETE ON hour_entries BEGIN UPDATE data_version SET hours_people_changes = hours_people_changes + 1 WHERE slot = 0; END;
DROP TRIGGER data_version_assignment_month_totals_insert;
CREATE TRIGGER data_version_assignment_month_totals_insert AFTER INSERT ON assignment_month_totals BEGIN UPDATE data_version SET hours_people_changes = hours_people_changes + 1 WHERE slot = 0; END;
DROP TRIGGER data_version_assignment_month_totals_update;
CREATE TRIGGER data_version_assignment_month_totals_update AFTER UPDATE ON assignment_month_totals BEGIN UPDATE data_version SET hours_people_changes = hours_people_changes + 1 WHERE slot = 0; END;
DROP TRIGGER data_version_assignment_month_totals_delete;
CREATE TRIGGER data_version_assignment_month_totals_delete AFTER DELETE ON assignment_month_totals BEGIN UPDATE data_version SET hours_people_changes = hours_people_changes + 1 WHERE slot = 0; END;
DROP TRIGGER data_version_placement_year_totals_insert;
CREATE TRIGGER data_version_placement_year_totals_insert AFTER INSERT ON placement_year_totals BEGIN UPDATE data_version SET hours_people_changes = hours_people_changes + 1 WHERE slot = 0; END;
DROP TRIGGER data_version_placement_year_totals_update;
CREATE TRIGGER data_version_placement_year_totals_update AFTER UPDATE ON placement_year_totals BEGIN UPDATE data_version SET hours_people_changes = hours_people_changes + 1 WHERE slot = 0; END;
DROP TRIGGER data_version_placement_year_totals_delete;
CREATE TRIGGER data_version_placement_year_totals_delete AFTER DELETE ON placement_year_totals BEGIN UPDATE data_version SET hours_people_changes = hours_people_changes + 1 WHERE slot = 0; END;
DROP TRIGGER data_version_participants_insert;
CREATE TRIGGER data_version_participants_insert AFTER INSERT ON participants BEGIN UPDATE data_version SET hours_people_changes = hours_people_changes + 1 WHERE slot = 0; END;
DROP TRIGGER data_version_participants_update;
CREATE TRIGGER data_version_participants_update AFTER UPDATE ON participants BEGIN UPDATE data_version SET hours_people_changes = hours_people_changes + 1 WHERE slot = 0; END;
DROP TRIGGER data_version_participants_delete;
CREATE TRIGGER data_version_participants_delete AFTER DELETE ON participants BEGIN UPDATE data_version SET hours_people_changes = hours_people_changes + 1 WHERE slot = 0; END;
