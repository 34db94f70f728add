-- The login throttle is keyed by the SHA-256 digest of the normalised email (64 hex
-- characters) instead of the email as typed: one fixed-size key whatever was submitted,
-- and no address kept for failed logins. The old rows are counters of the last minutes
-- only, and SQLite has no SHA-256 function to convert their keys: they go.
DROP TABLE login_throttle;
CREATE TABLE login_throttle (
    email_digest TEXT PRIMARY KEY NOT NULL CHECK (length(email_digest) = 64),
    failures INTEGER NOT NULL,
    window_started_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);
-- Expired rows are purged on each recorded failure, found by the start of their window.
CREATE INDEX login_throttle_window ON login_throttle(window_started_at);
