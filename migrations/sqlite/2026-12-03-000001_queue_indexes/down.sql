DROP INDEX assignment_month_totals_waiting;
ALTER TABLE assignment_month_totals DROP COLUMN pending_entries;
DROP INDEX placements_clause;
