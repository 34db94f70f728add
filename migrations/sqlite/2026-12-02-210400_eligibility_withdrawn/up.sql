-- Corrections (issue 17): an eligibility validation entered by mistake is withdrawn, never
-- deleted: who withdrew it (a user id; no foreign key, so that SQLite can drop the column
-- again), when and why stay with it, and it no longer counts.
ALTER TABLE eligibility_validations ADD COLUMN withdrawn_at TIMESTAMP;
ALTER TABLE eligibility_validations ADD COLUMN withdrawn_by BIGINT;
ALTER TABLE eligibility_validations ADD COLUMN withdraw_reason TEXT;
