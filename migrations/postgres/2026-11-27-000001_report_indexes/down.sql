DROP INDEX clauses_dates;
DROP INDEX contracts_notified_all;
DROP INDEX placements_exit_all;
DROP INDEX placements_exit;
DROP INDEX placements_starts;
DROP INDEX hour_entries_report;
DROP INDEX placement_year_totals_report;
CREATE INDEX placement_year_totals_year ON placement_year_totals(year, structure_id);
