-- Links to choose a password (an invitation, a reset): the token itself travels only in
-- the email; the table keeps its SHA-256 digest. A newer link of the user deletes the older
-- ones, and using one deletes them all (single use).
CREATE TABLE password_tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    -- SHA-256 of the token, in hex.
    token_hash TEXT NOT NULL UNIQUE,
    -- invitation or reset
    purpose TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX password_tokens_user ON password_tokens(user_id);
