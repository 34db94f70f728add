-- Corrections (issue 17): an assignment handed over to another contractor ends on a day; its
-- placements and hours stay with it, and no placement of it may run after that day.
ALTER TABLE assignments ADD COLUMN ends_on DATE;
