-- What became of a person after an exit (docs/domain.md#follow-up-after-exit): one row per
-- exited placement and number of months after the exit (6, and 12 where the structure asks
-- for it), recorded by the structure's staff.
CREATE TABLE follow_ups (
    id INTEGER PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id),
    placement_id BIGINT NOT NULL REFERENCES placements(id),
    participant_id BIGINT NOT NULL REFERENCES participants(id),
    months BIGINT NOT NULL CHECK (months IN (6, 12)),
    situation TEXT NOT NULL,
    observed_on DATE NOT NULL,
    source TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users(id),
    recorded_at TIMESTAMP NOT NULL,
    UNIQUE (placement_id, months)
);
CREATE INDEX follow_ups_structure ON follow_ups(structure_id, placement_id);
-- Exited placements by exit date: the follow-ups due and the report's situation at 6 months.
CREATE INDEX placements_exited ON placements(structure_id, exit_on)
    WHERE exit_on IS NOT NULL AND cancelled_at IS NULL;
