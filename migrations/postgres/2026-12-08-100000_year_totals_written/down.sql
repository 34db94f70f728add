DROP INDEX placement_year_totals_written;
DROP TRIGGER placement_year_totals_written ON placement_year_totals;
DROP FUNCTION mark_placement_year_write();
ALTER TABLE placement_year_totals DROP COLUMN written_by;
