DROP INDEX clauses_execution;
DROP INDEX contracts_notified_report;
DROP INDEX placements_structure_exits;
DROP INDEX placements_exits;
DROP INDEX placements_starts;
DROP INDEX hour_entries_report;
DROP INDEX placement_year_totals_report;
CREATE INDEX placement_year_totals_year ON placement_year_totals(year, structure_id);
