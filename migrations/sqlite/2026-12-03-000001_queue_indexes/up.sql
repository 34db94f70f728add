-- The queue filtered by clause narrows the placements first. (SQLite's index on
-- hour_entries(structure_id, status, month) already ends with the rowid, the entry's id.)
CREATE INDEX placements_clause ON placements(clause_id);
-- Entries waiting for validation per assignment and month, kept with the hours (a 0 h entry
-- waits too, which the pending hours cannot tell): the queue's clause and contractor
-- choices read the few rows with some, through the partial index.
ALTER TABLE assignment_month_totals ADD COLUMN pending_entries BIGINT NOT NULL DEFAULT 0;
UPDATE assignment_month_totals SET pending_entries = (
    SELECT count(*) FROM hour_entries h JOIN placements p ON p.id = h.placement_id
    WHERE p.assignment_id = assignment_month_totals.assignment_id
      AND h.month = assignment_month_totals.month AND h.status = 'submitted');
INSERT INTO assignment_month_totals (assignment_id, month, validated, pending, pending_entries)
SELECT p.assignment_id, h.month, 0, 0, count(*)
FROM hour_entries h JOIN placements p ON p.id = h.placement_id
WHERE h.status = 'submitted' AND NOT EXISTS (
    SELECT 1 FROM assignment_month_totals t
    WHERE t.assignment_id = p.assignment_id AND t.month = h.month)
GROUP BY p.assignment_id, h.month;
CREATE INDEX assignment_month_totals_waiting ON assignment_month_totals(assignment_id)
    WHERE pending_entries > 0;
