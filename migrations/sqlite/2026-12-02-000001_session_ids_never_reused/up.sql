-- A session id is never given again: the CallerCache and the tokens name sessions by id, and
-- SQLite gives a deleted row's id (the largest) to the next row unless the key is
-- AUTOINCREMENT, so a purged session's id came back for a new login.
CREATE TABLE sessions_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    -- Secret of the session's forms and cookie-authenticated requests (CSRF).
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
INSERT INTO sessions_new (id, user_id, csrf_token, created_at, expires_at, revoked_at)
    SELECT id, user_id, csrf_token, created_at, expires_at, revoked_at FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sessions_expires ON sessions(expires_at);
