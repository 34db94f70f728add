-- A follow-up can be corrected (issue 20): its version, raised by each correction, is the
-- ETag its If-Match names.
ALTER TABLE follow_ups ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
