ALTER TABLE organisations DROP COLUMN ess;
ALTER TABLE clauses DROP COLUMN hour_target;
ALTER TABLE clauses DROP COLUMN target_persons;
ALTER TABLE clauses DROP COLUMN committed_hours;
ALTER TABLE clauses DROP COLUMN weighting_percent;
ALTER TABLE clauses DROP COLUMN legal_basis;
