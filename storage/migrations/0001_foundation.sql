-- Foundation: departments, people and roles, Telegram accounts, invites,
-- the audit chain, the outbox, processed updates, conversation state, settings.

CREATE TABLE departments (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    region      TEXT,
    created_at  TEXT NOT NULL
);

CREATE TABLE people (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    department_id  INTEGER REFERENCES departments(id),
    language       TEXT,
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL
);

CREATE TABLE person_roles (
    person_id      INTEGER NOT NULL REFERENCES people(id),
    role           TEXT NOT NULL CHECK (role IN ('inspector', 'supervisor', 'office', 'admin')),
    department_id  INTEGER REFERENCES departments(id),
    granted_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX person_roles_unique
    ON person_roles (person_id, role, COALESCE(department_id, 0));

CREATE TABLE telegram_accounts (
    tg_user_id     INTEGER PRIMARY KEY,
    person_id      INTEGER UNIQUE REFERENCES people(id),
    chat_id        INTEGER,
    username       TEXT,
    first_name     TEXT,
    language_code  TEXT,
    language       TEXT,
    blocked_at     TEXT,
    first_seen_at  TEXT NOT NULL,
    bound_at       TEXT
);

CREATE TABLE invites (
    id                  INTEGER PRIMARY KEY,
    code_hash           TEXT NOT NULL UNIQUE,
    person_id           INTEGER NOT NULL REFERENCES people(id),
    created_by          INTEGER REFERENCES people(id),
    created_at          TEXT NOT NULL,
    expires_at          TEXT NOT NULL,
    used_at             TEXT,
    used_by_tg_user_id  INTEGER,
    revoked_at          TEXT
);
CREATE INDEX invites_person ON invites (person_id);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    payload    TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TABLE audit_head (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    last_id    INTEGER NOT NULL,
    last_hash  TEXT NOT NULL
);

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    dedupe_key  TEXT NOT NULL UNIQUE,
    chat_id     INTEGER NOT NULL,
    chat_kind   TEXT NOT NULL DEFAULT 'private'
                CHECK (chat_kind IN ('private', 'group', 'channel')),
    person_id   INTEGER REFERENCES people(id),
    method      TEXT NOT NULL,
    payload     TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sent', 'blocked', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    message_id  INTEGER,
    last_error  TEXT
);
CREATE INDEX outbox_due ON outbox (status, not_before, id);

CREATE TABLE processed_updates (
    update_id     INTEGER PRIMARY KEY,
    processed_at  TEXT NOT NULL
);
CREATE INDEX processed_updates_at ON processed_updates (processed_at);

CREATE TABLE conversations (
    tg_user_id  INTEGER PRIMARY KEY,
    flow        TEXT NOT NULL,
    step        TEXT NOT NULL,
    data        TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

CREATE TABLE settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

CREATE TABLE files (
    sha256      TEXT PRIMARY KEY,
    size        INTEGER NOT NULL,
    mime_type   TEXT,
    created_at  TEXT NOT NULL
);
