-- Indexes of the annual report: each figure is one indexed pass.
-- Validated hours per placement and year, read without touching the table (covering).
DROP INDEX placement_year_totals_year;
CREATE INDEX placement_year_totals_report ON placement_year_totals(year, structure_id, placement_id, work, training);
-- Validated monthly figures, for periods that are not whole calendar years (covering).
CREATE INDEX hour_entries_report ON hour_entries(month, structure_id, placement_id, validated_work, validated_training);
-- Employment contracts signed and exits in a period, in one structure or across all.
CREATE INDEX placements_starts ON placements(starts_on);
CREATE INDEX placements_exit ON placements(structure_id, exit_on);
CREATE INDEX placements_exit_all ON placements(exit_on);
-- Contracts notified in a period across structures (national purchasing plan indicator).
CREATE INDEX contracts_notified_all ON contracts(notified_on);
-- Clauses in execution.
CREATE INDEX clauses_dates ON clauses(starts_on, ends_on);
