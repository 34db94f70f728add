-- Each kind of clause with its own rules (issue 20, part 2): the legal basis of a reserved
-- contract, the weighting and committed hours of an award criterion, the target in persons
-- of an insertion purpose, whether the clause has an hour target at all; and the organisations
-- of the social and solidarity economy (ESS), whom L2113-15 reserves contracts to.
ALTER TABLE clauses ADD COLUMN legal_basis TEXT;
ALTER TABLE clauses ADD COLUMN weighting_percent INTEGER;
ALTER TABLE clauses ADD COLUMN committed_hours BIGINT;
ALTER TABLE clauses ADD COLUMN target_persons INTEGER;
ALTER TABLE clauses ADD COLUMN hour_target BOOLEAN NOT NULL DEFAULT 1;
ALTER TABLE organisations ADD COLUMN ess BOOLEAN NOT NULL DEFAULT 0;
