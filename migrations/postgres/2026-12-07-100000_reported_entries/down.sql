ALTER TABLE assignment_month_totals DROP COLUMN reported_entries;
