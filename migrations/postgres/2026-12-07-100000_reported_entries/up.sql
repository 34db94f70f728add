-- Entries not refused per assignment and month, kept with the hours. Every such entry is of
-- a placement not cancelled and of a month its dates cover (a cancellation refuses the
-- entries waiting and needs no validated one; a date correction may not leave hours
-- outside), so a month is fully reported when this count equals the placements open in it:
-- the work list's late reports read no entry.
ALTER TABLE assignment_month_totals ADD COLUMN reported_entries BIGINT NOT NULL DEFAULT 0;
UPDATE assignment_month_totals SET reported_entries = (
    SELECT count(*) FROM hour_entries h JOIN placements p ON p.id = h.placement_id
    WHERE p.assignment_id = assignment_month_totals.assignment_id
      AND h.month = assignment_month_totals.month AND h.status <> 'rejected');
INSERT INTO assignment_month_totals
    (assignment_id, month, validated, pending, pending_entries, reported_entries)
SELECT p.assignment_id, h.month, 0, 0, 0, count(*)
FROM hour_entries h JOIN placements p ON p.id = h.placement_id
WHERE h.status <> 'rejected' AND NOT EXISTS (
    SELECT 1 FROM assignment_month_totals t
    WHERE t.assignment_id = p.assignment_id AND t.month = h.month)
GROUP BY p.assignment_id, h.month;
