-- Indexes of the annual report: each figure is one indexed pass, most of them reading the
-- index alone (covering indexes).
-- Validated hours per placement and year.
DROP INDEX placement_year_totals_year;
CREATE INDEX placement_year_totals_report ON placement_year_totals(year, structure_id, placement_id, work, training);
-- Validated monthly figures, for periods that are not whole calendar years.
CREATE INDEX hour_entries_report ON hour_entries(month, structure_id, placement_id, validated_work, validated_training);
-- Employment contracts signed and exits in a period, across structures or in one.
CREATE INDEX placements_starts ON placements(starts_on, modality, structure_id);
CREATE INDEX placements_exits ON placements(exit_on, exit_outcome, structure_id);
CREATE INDEX placements_structure_exits ON placements(structure_id, exit_on);
-- Contracts notified in a period (national purchasing plan indicator).
CREATE INDEX contracts_notified_report ON contracts(notified_on, structure_id, buyer_id, social_considerations, reference);
-- Clauses in execution.
CREATE INDEX clauses_execution ON clauses(starts_on, ends_on, status, structure_id, contract_id, required_hours);
