DROP INDEX participants_first_name_key;
DROP INDEX participants_last_name_key;
ALTER TABLE participants DROP COLUMN first_name_key;
ALTER TABLE participants DROP COLUMN last_name_key;
