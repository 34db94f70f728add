-- A placement entered by mistake is cancelled, not deleted (issue 17): it keeps its row and
-- its history, and counts nowhere any more (reports, progress, lists, monthly caps). Set
-- once, by `POST /placements/{id}/cancel`, only while it has no validated hours.
ALTER TABLE placements ADD COLUMN cancelled_at TIMESTAMP;
