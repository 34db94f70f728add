-- Corrections (issue 17). Each record people can correct carries a version, raised by every
-- write of its own fields: the ETag of its GET, checked by If-Match so that two people never
-- overwrite each other silently (the raise is `UPDATE … WHERE version = <read>`, so two
-- writers of the same version never both succeed).
ALTER TABLE organisations ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE contracts ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE clauses ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE assignments ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE participants ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE eligibility_validations ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE placements ADD COLUMN version BIGINT NOT NULL DEFAULT 1;

-- The history of every correctable record, in the one history shape: who, when, what was
-- done, why, and the fields before and after (`changes`: a JSON array of
-- {field, before, after}). Hour entries keep their own table (hour_entry_changes).
CREATE TABLE record_changes (
    id BIGSERIAL PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id),
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    at TIMESTAMP NOT NULL,
    user_id BIGINT REFERENCES users(id),
    action TEXT NOT NULL,
    reason TEXT,
    changes TEXT NOT NULL
);
CREATE INDEX record_changes_entity ON record_changes(structure_id, entity, entity_id, id);
