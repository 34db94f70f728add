-- An hour entry copies its placement's person and structure (the report and tenancy
-- filters read them without a join). One composite key now checks that the three agree
-- with the placement, where three separate keys only checked that each existed: stronger,
-- and one check per inserted row instead of three (an import inserts 50,000; the checks
-- were more than half of PostgreSQL's insert time). SQLite keeps its separate keys: it
-- cannot change a table's constraints in place, and its import is not bound by them.
CREATE UNIQUE INDEX placements_identity ON placements(id, participant_id, structure_id);
ALTER TABLE hour_entries
    DROP CONSTRAINT hour_entries_placement_id_fkey,
    DROP CONSTRAINT hour_entries_participant_id_fkey,
    DROP CONSTRAINT hour_entries_structure_id_fkey,
    ADD CONSTRAINT hour_entries_placement_fkey FOREIGN KEY (placement_id, participant_id, structure_id)
        REFERENCES placements(id, participant_id, structure_id);
