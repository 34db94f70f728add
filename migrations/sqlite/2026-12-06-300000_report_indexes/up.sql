-- The report's figures over placements read from an index alone (issue 21): employment
-- contracts (placements starting in the period), exits by outcome and the follow-ups due (exits
-- in a period) filter on a date range, the scope's columns and `cancelled_at`, and count
-- distinct persons; without these, each of the year's 70,000 placements was looked up in the
-- table, three times per report. The PNAD counts group the year's contracts by buyer in index
-- order.
CREATE INDEX placements_starts_report ON placements (starts_on, structure_id, modality, participant_id, territory, buyer_id, contractor_id, clause_kind, cancelled_at) WHERE cancelled_at IS NULL;
CREATE INDEX placements_exits_report ON placements (exit_on, structure_id, exit_outcome, participant_id, territory, buyer_id, contractor_id, clause_kind, cancelled_at, id) WHERE cancelled_at IS NULL AND exit_on IS NOT NULL;
CREATE INDEX contract_years_buyers ON contract_years (year, buyer_id, notified_on, social, environmental, structure_id);
-- The clauses without an hour target (the hours the achievement rate leaves out) found from
-- an index, not by reading every clause of the history.
CREATE INDEX clauses_target ON clauses (hour_target, id);
