DROP INDEX outbox_failed;
DROP INDEX placements_no_outcome;
DROP INDEX eligibility_ending;
DROP INDEX assignments_structure;
DROP INDEX milestones_open_reports;
