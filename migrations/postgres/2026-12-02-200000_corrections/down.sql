DROP TABLE record_changes;
ALTER TABLE placements DROP COLUMN version;
ALTER TABLE eligibility_validations DROP COLUMN version;
ALTER TABLE participants DROP COLUMN version;
ALTER TABLE assignments DROP COLUMN version;
ALTER TABLE clauses DROP COLUMN version;
ALTER TABLE contracts DROP COLUMN version;
ALTER TABLE users DROP COLUMN version;
ALTER TABLE organisations DROP COLUMN version;
