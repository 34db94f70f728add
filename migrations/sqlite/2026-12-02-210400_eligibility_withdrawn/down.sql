ALTER TABLE eligibility_validations DROP COLUMN withdraw_reason;
ALTER TABLE eligibility_validations DROP COLUMN withdrawn_by;
ALTER TABLE eligibility_validations DROP COLUMN withdrawn_at;
