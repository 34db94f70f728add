DROP INDEX assignment_month_totals_waiting;
ALTER TABLE assignment_month_totals DROP COLUMN pending_entries;
DROP INDEX placements_clause;
DROP INDEX hour_entries_status;
CREATE INDEX hour_entries_status ON hour_entries(structure_id, status, month);
