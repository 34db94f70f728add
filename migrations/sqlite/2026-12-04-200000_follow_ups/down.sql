DROP INDEX placements_exited;
DROP INDEX follow_ups_structure;
DROP TABLE follow_ups;
