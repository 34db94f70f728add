ALTER TABLE hour_entries
    DROP CONSTRAINT hour_entries_placement_fkey,
    ADD CONSTRAINT hour_entries_placement_id_fkey FOREIGN KEY (placement_id) REFERENCES placements(id),
    ADD CONSTRAINT hour_entries_participant_id_fkey FOREIGN KEY (participant_id) REFERENCES participants(id),
    ADD CONSTRAINT hour_entries_structure_id_fkey FOREIGN KEY (structure_id) REFERENCES structures(id);
DROP INDEX placements_identity;
