-- The data version at the last write of each yearly total, so that a year's fact rows kept
-- in memory (`app::year_facts`) are brought up to date by reading only the rows written at
-- or after the version they were read at: SQLite has one writer at a time and the version
-- only grows, so a write the copy has not seen carries at least that version. The triggers
-- set it after each insert and each update of any other column; rows are never deleted.
ALTER TABLE placement_year_totals ADD COLUMN written_by BIGINT NOT NULL DEFAULT 0;
CREATE TRIGGER placement_year_totals_written_insert AFTER INSERT ON placement_year_totals BEGIN
    UPDATE placement_year_totals
    SET written_by = (SELECT changes + hours_people_changes FROM data_version WHERE slot = 0)
    WHERE placement_id = NEW.placement_id AND year = NEW.year;
END;
CREATE TRIGGER placement_year_totals_written_update AFTER UPDATE OF placement_id, year, structure_id, work, training, participant_id, starts_on, sex, age_band, criteria, qualification_level, qpv, modality, contract_type, sector, buyer_id, contractor_id, clause_kind, territory ON placement_year_totals BEGIN
    UPDATE placement_year_totals
    SET written_by = (SELECT changes + hours_people_changes FROM data_version WHERE slot = 0)
    WHERE placement_id = NEW.placement_id AND year = NEW.year;
END;
CREATE INDEX placement_year_totals_written ON placement_year_totals(year, written_by);
