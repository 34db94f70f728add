-- The work list reads each kind of line through an index over the structure:
-- report milestones still open by due date, with what the list reads of them (the query
-- states the same predicate as literals, so that a prepared statement's generic plan
-- still matches the partial index);
CREATE INDEX milestones_open_reports ON milestones(structure_id, due_on, clause_id, period)
    WHERE kind = 'report' AND NOT manual AND done_at IS NULL;
-- a structure's assignments (entries waiting and clause totals sum over them);
CREATE INDEX assignments_structure ON assignments(structure_id, clause_id);
-- validations still in force by end date;
CREATE INDEX eligibility_ending ON eligibility_validations(structure_id, valid_until)
    WHERE withdrawn_at IS NULL;
-- placements without an exit outcome;
CREATE INDEX placements_no_outcome ON placements(structure_id, exit_on, ends_on)
    WHERE exit_outcome IS NULL AND cancelled_at IS NULL;
-- emails that failed (the query states `status = 'failed'` as a literal too).
CREATE INDEX outbox_failed ON outbox(structure_id, created_at) WHERE status = 'failed';
