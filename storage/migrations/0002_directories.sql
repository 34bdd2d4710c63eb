-- 一单两库 and the annual plan: items with checklists, targets, inspectors,
-- recusals, plans; the import log; the history of target changes.

ALTER TABLE departments ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
ALTER TABLE departments ADD COLUMN updated_at TEXT;

CREATE TABLE items (
    id             INTEGER PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    category       TEXT NOT NULL,
    name           TEXT NOT NULL,
    target_kind    TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('key', 'general')),
    method         TEXT NOT NULL,
    department_id  INTEGER NOT NULL REFERENCES departments(id),
    frequency      TEXT NOT NULL,
    content        TEXT NOT NULL,
    basis          TEXT NOT NULL,
    max_ratio      TEXT,
    expertise      TEXT,
    active         INTEGER NOT NULL DEFAULT 1,
    checklist_id   INTEGER,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE TABLE checklists (
    id          INTEGER PRIMARY KEY,
    item_id     INTEGER NOT NULL REFERENCES items(id),
    version     INTEGER NOT NULL,
    title       TEXT NOT NULL,
    form        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    UNIQUE (item_id, version)
);

CREATE TABLE targets (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    code_kind       TEXT NOT NULL CHECK (code_kind IN ('uscc', 'regno')),
    name            TEXT NOT NULL,
    entity_type     TEXT,
    authority       TEXT,
    legal_rep       TEXT,
    address         TEXT,
    status          TEXT NOT NULL,
    established     TEXT,
    scope           TEXT,
    industry        TEXT,
    region          TEXT,
    credit_class    TEXT,
    abnormal        INTEGER NOT NULL DEFAULT 0,
    dishonest       INTEGER NOT NULL DEFAULT 0,
    complaints      INTEGER NOT NULL DEFAULT 0,
    kind            TEXT NOT NULL,
    active          INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE TABLE target_changes (
    id         INTEGER PRIMARY KEY,
    target_id  INTEGER NOT NULL REFERENCES targets(id),
    import_id  INTEGER NOT NULL,
    before     TEXT NOT NULL,
    after      TEXT NOT NULL
);
CREATE INDEX target_changes_target ON target_changes (target_id);

CREATE TABLE inspectors (
    person_id        INTEGER PRIMARY KEY REFERENCES people(id),
    cert_no          TEXT UNIQUE,
    id_hash          TEXT NOT NULL UNIQUE,
    id_last4         TEXT NOT NULL,
    gender           TEXT,
    phone            TEXT,
    unit             TEXT,
    level            TEXT,
    cert_authority   TEXT,
    cert_valid_until TEXT,
    expertise        TEXT NOT NULL DEFAULT '[]',
    active           INTEGER NOT NULL DEFAULT 1,
    updated_at       TEXT NOT NULL
);

CREATE TABLE recusals (
    cert_no      TEXT NOT NULL,
    target_code  TEXT NOT NULL,
    reason       TEXT,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (cert_no, target_code)
);

CREATE TABLE plans (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    task_name        TEXT NOT NULL,
    type             TEXT NOT NULL CHECK (type IN ('department', 'joint')),
    target_total     INTEGER,
    scope            TEXT NOT NULL,
    ratios           TEXT NOT NULL,
    initiator_id     INTEGER NOT NULL REFERENCES departments(id),
    draw_date        TEXT NOT NULL,
    window_start     TEXT NOT NULL,
    window_due       TEXT NOT NULL,
    year_cap         INTEGER,
    fallbacks        TEXT NOT NULL DEFAULT '{}',
    active           INTEGER NOT NULL DEFAULT 1,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE TABLE plan_items (
    plan_id  INTEGER NOT NULL REFERENCES plans(id),
    item_id  INTEGER NOT NULL REFERENCES items(id),
    PRIMARY KEY (plan_id, item_id)
);

CREATE TABLE plan_departments (
    plan_id        INTEGER NOT NULL REFERENCES plans(id),
    department_id  INTEGER NOT NULL REFERENCES departments(id),
    position       INTEGER NOT NULL,
    PRIMARY KEY (plan_id, department_id)
);

CREATE TABLE imports (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,
    filename   TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    rows       INTEGER NOT NULL,
    inserted   INTEGER NOT NULL,
    updated    INTEGER NOT NULL,
    unchanged  INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    at         TEXT NOT NULL
);
