-- Foundation: facilitation structures (tenants), organisations, users, settings, login throttle.
CREATE TABLE structures (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    territory TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE organisations (
    id BIGSERIAL PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    identifier_type TEXT,
    identifier TEXT,
    territory TEXT,
    siae_kind TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (structure_id, identifier_type, identifier)
);

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    structure_id BIGINT NOT NULL REFERENCES structures(id),
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation_id BIGINT REFERENCES organisations(id),
    funder_scope TEXT,
    display_name TEXT,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX users_structure ON users(structure_id);

CREATE TABLE app_settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

CREATE TABLE login_throttle (
    email TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    window_started_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);
