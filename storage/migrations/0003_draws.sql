-- The double-random draw: one per plan, its tasks (inspection teams) and members.

CREATE TABLE draws (
    id                INTEGER PRIMARY KEY,
    plan_id           INTEGER NOT NULL UNIQUE REFERENCES plans(id),
    status            TEXT NOT NULL CHECK (status IN ('prepared', 'run')),
    draw_date         TEXT NOT NULL,
    entropy_source    TEXT NOT NULL,
    entropy           TEXT,
    nonce             TEXT NOT NULL,
    nonce_commitment  TEXT NOT NULL,
    pool_digest       TEXT NOT NULL,
    pool_size         INTEGER NOT NULL,
    year_cap          INTEGER,
    seed              TEXT,
    record            TEXT,
    inspectors_sha256 TEXT,
    recusals_sha256   TEXT,
    prepared_by       TEXT NOT NULL,
    prepared_at       TEXT NOT NULL,
    run_by            TEXT,
    run_at            TEXT
);

CREATE TABLE tasks (
    id            INTEGER PRIMARY KEY,
    draw_id       INTEGER NOT NULL REFERENCES draws(id),
    plan_id       INTEGER NOT NULL REFERENCES plans(id),
    target_id     INTEGER NOT NULL REFERENCES targets(id),
    target_code   TEXT NOT NULL,
    batch_order   INTEGER NOT NULL,
    status        TEXT NOT NULL DEFAULT 'assigned',
    window_start  TEXT NOT NULL,
    window_due    TEXT NOT NULL,
    draw_year     TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (draw_id, target_id)
);
CREATE INDEX tasks_target_year ON tasks (target_code, draw_year);

CREATE TABLE task_members (
    id             INTEGER PRIMARY KEY,
    task_id        INTEGER NOT NULL REFERENCES tasks(id),
    person_id      INTEGER NOT NULL REFERENCES people(id),
    department_id  INTEGER NOT NULL REFERENCES departments(id),
    cert_no        TEXT NOT NULL,
    leader         INTEGER NOT NULL DEFAULT 0,
    position       INTEGER NOT NULL,
    active         INTEGER NOT NULL DEFAULT 1,
    joined_at      TEXT NOT NULL,
    left_at        TEXT
);
CREATE INDEX task_members_task ON task_members (task_id);
CREATE INDEX task_members_person ON task_members (person_id, active);
