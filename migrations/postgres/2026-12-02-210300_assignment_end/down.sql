ALTER TABLE assignments DROP COLUMN ends_on;
