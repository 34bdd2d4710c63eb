-- On site: the visit, check-ins, answers, evidence, results, follow-ups, signatures and
-- the frozen record (003 第二十一至二十六条).

ALTER TABLE tasks ADD COLUMN finished_at TEXT;

CREATE TABLE visits (
    id            INTEGER PRIMARY KEY,
    task_id       INTEGER NOT NULL UNIQUE REFERENCES tasks(id),
    status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'submitted')),
    shortcut      TEXT CHECK (shortcut IN ('unreachable', 'no_activity')),
    started_by    INTEGER NOT NULL REFERENCES people(id),
    started_at    TEXT NOT NULL,
    submitted_by  INTEGER REFERENCES people(id),
    submitted_at  TEXT
);

CREATE TABLE visit_checkins (
    id           INTEGER PRIMARY KEY,
    visit_id     INTEGER NOT NULL REFERENCES visits(id),
    person_id    INTEGER NOT NULL REFERENCES people(id),
    at           TEXT NOT NULL,
    latitude     REAL,
    longitude    REAL,
    skip_reason  TEXT,
    UNIQUE (visit_id, person_id),
    CHECK ((latitude IS NOT NULL AND longitude IS NOT NULL) OR skip_reason IS NOT NULL)
);

-- One row per item of the plan: who answers it, the checklist version used, the result.
CREATE TABLE visit_items (
    visit_id       INTEGER NOT NULL REFERENCES visits(id),
    item_code      TEXT NOT NULL,
    position       INTEGER NOT NULL,
    department_id  INTEGER NOT NULL REFERENCES departments(id),
    answerer       INTEGER REFERENCES people(id),
    checklist_id   INTEGER REFERENCES checklists(id),
    result         TEXT,
    detail         TEXT,
    result_by      INTEGER REFERENCES people(id),
    result_at      TEXT,
    PRIMARY KEY (visit_id, item_code)
);

CREATE TABLE visit_answers (
    visit_id     INTEGER NOT NULL REFERENCES visits(id),
    item_code    TEXT NOT NULL,
    question     TEXT NOT NULL,
    value        TEXT NOT NULL,
    skipped      INTEGER NOT NULL DEFAULT 0,
    answered_by  INTEGER NOT NULL REFERENCES people(id),
    answered_at  TEXT NOT NULL,
    PRIMARY KEY (visit_id, item_code, question)
);

-- Photos: of an answer, of a shortcut, of the signed paper record, of a witness's signature.
CREATE TABLE evidence (
    id              INTEGER PRIMARY KEY,
    visit_id        INTEGER NOT NULL REFERENCES visits(id),
    kind            TEXT NOT NULL CHECK (kind IN ('answer', 'shortcut', 'party_paper',
                                                  'witness')),
    item_code       TEXT,
    question        TEXT,
    file_id         TEXT NOT NULL,
    file_unique_id  TEXT NOT NULL,
    sha256          TEXT NOT NULL REFERENCES files(sha256),
    taken_by        INTEGER NOT NULL REFERENCES people(id),
    taken_at        TEXT NOT NULL,
    removed_at      TEXT
);
CREATE INDEX evidence_visit ON evidence (visit_id, item_code, question);

CREATE TABLE follow_ups (
    id          INTEGER PRIMARY KEY,
    visit_id    INTEGER NOT NULL REFERENCES visits(id),
    item_code   TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('rectification', 'referral', 'judicial')),
    due_date    TEXT NOT NULL,
    owner       INTEGER NOT NULL REFERENCES people(id),
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
    created_by  INTEGER NOT NULL REFERENCES people(id),
    created_at  TEXT NOT NULL,
    closed_at   TEXT,
    UNIQUE (visit_id, item_code)
);

CREATE TABLE signatures (
    id              INTEGER PRIMARY KEY,
    visit_id        INTEGER NOT NULL REFERENCES visits(id),
    kind            TEXT NOT NULL CHECK (kind IN ('member', 'party', 'party_paper',
                                                  'party_refused')),
    person_id       INTEGER REFERENCES people(id),
    tg_user_id      INTEGER,
    name            TEXT NOT NULL,
    content_hash    TEXT NOT NULL,
    signed_at       TEXT NOT NULL,
    evidence_sha256 TEXT,
    reason          TEXT,
    witness         TEXT,
    witness_sha256  TEXT
);
CREATE INDEX signatures_visit ON signatures (visit_id, content_hash);

-- QR links for the inspected party: only the SHA-256 of the code is kept.
CREATE TABLE sign_tokens (
    id            INTEGER PRIMARY KEY,
    visit_id      INTEGER NOT NULL REFERENCES visits(id),
    code_sha256   TEXT NOT NULL UNIQUE,
    content_hash  TEXT NOT NULL,
    created_by    INTEGER NOT NULL REFERENCES people(id),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    opened_by     INTEGER,
    used_at       TEXT
);

-- The submitted record, frozen: a correction is a new version referencing the old one.
CREATE TABLE records (
    id            INTEGER PRIMARY KEY,
    visit_id      INTEGER NOT NULL REFERENCES visits(id),
    task_id       INTEGER NOT NULL REFERENCES tasks(id),
    version       INTEGER NOT NULL,
    content       TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    record_hash   TEXT NOT NULL,
    pdf_sha256    TEXT REFERENCES files(sha256),
    created_by    INTEGER NOT NULL REFERENCES people(id),
    created_at    TEXT NOT NULL,
    supersedes    INTEGER REFERENCES records(id),
    UNIQUE (task_id, version)
);
CREATE TRIGGER records_frozen BEFORE UPDATE ON records
BEGIN
    SELECT RAISE(ABORT, 'records are frozen');
END;
CREATE TRIGGER records_kept BEFORE DELETE ON records
BEGIN
    SELECT RAISE(ABORT, 'records are kept');
END;
