-- People who are not there: a member's signature on the paper record (recorded by the
-- leader with a photo), replacements asked on a member's behalf (未在岗 / 未注册) by a
-- supervisor or the office, and withdrawals (an inspector unavailable from a date).

CREATE TABLE signatures_new (
    id              INTEGER PRIMARY KEY,
    visit_id        INTEGER NOT NULL REFERENCES visits(id),
    kind            TEXT NOT NULL CHECK (kind IN ('member', 'member_paper', 'party',
                                                  'party_paper', 'party_refused')),
    person_id       INTEGER REFERENCES people(id),
    tg_user_id      INTEGER,
    name            TEXT NOT NULL,
    content_hash    TEXT NOT NULL,
    signed_at       TEXT NOT NULL,
    evidence_sha256 TEXT,
    reason          TEXT,
    witness         TEXT,
    witness_sha256  TEXT,
    recorded_by     INTEGER REFERENCES people(id)
);
INSERT INTO signatures_new (id, visit_id, kind, person_id, tg_user_id, name, content_hash,
                            signed_at, evidence_sha256, reason, witness, witness_sha256)
    SELECT id, visit_id, kind, person_id, tg_user_id, name, content_hash, signed_at,
           evidence_sha256, reason, witness, witness_sha256 FROM signatures;
DROP TABLE signatures;
ALTER TABLE signatures_new RENAME TO signatures;
CREATE INDEX signatures_visit ON signatures (visit_id, content_hash);

CREATE TABLE evidence_new (
    id              INTEGER PRIMARY KEY,
    visit_id        INTEGER NOT NULL REFERENCES visits(id),
    kind            TEXT NOT NULL CHECK (kind IN ('answer', 'shortcut', 'party_paper',
                                                  'witness', 'member_paper')),
    item_code       TEXT,
    question        TEXT,
    file_id         TEXT NOT NULL,
    file_unique_id  TEXT NOT NULL,
    sha256          TEXT NOT NULL REFERENCES files(sha256),
    taken_by        INTEGER NOT NULL REFERENCES people(id),
    taken_at        TEXT NOT NULL,
    removed_at      TEXT
);
INSERT INTO evidence_new SELECT * FROM evidence;
DROP TABLE evidence;
ALTER TABLE evidence_new RENAME TO evidence;
CREATE INDEX evidence_visit ON evidence (visit_id, item_code, question);

CREATE TABLE replacement_requests_new (
    id             INTEGER PRIMARY KEY,
    task_id        INTEGER NOT NULL REFERENCES tasks(id),
    person_id      INTEGER NOT NULL REFERENCES people(id),
    reason         TEXT NOT NULL CHECK (reason IN ('job_change', 'work_conflict', 'health',
                                                   'recusal', 'absent', 'unregistered')),
    note           TEXT,
    status         TEXT NOT NULL DEFAULT 'open'
                   CHECK (status IN ('open', 'approved', 'rejected')),
    decided_by     INTEGER REFERENCES people(id),
    decided_at     TEXT,
    reject_reason  TEXT,
    replacement    INTEGER REFERENCES people(id),
    created_at     TEXT NOT NULL,
    filed_by       INTEGER REFERENCES people(id)  -- NULL: the member asked themselves
);
INSERT INTO replacement_requests_new (id, task_id, person_id, reason, note, status,
                                      decided_by, decided_at, reject_reason, replacement,
                                      created_at)
    SELECT id, task_id, person_id, reason, note, status, decided_by, decided_at,
           reject_reason, replacement, created_at FROM replacement_requests;
DROP TABLE replacement_requests;
ALTER TABLE replacement_requests_new RENAME TO replacement_requests;
CREATE INDEX replacement_requests_task ON replacement_requests (task_id, status);

CREATE TABLE withdrawals (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES people(id),
    cert_no      TEXT NOT NULL,
    from_date    TEXT NOT NULL,
    reason       TEXT NOT NULL CHECK (reason IN ('left', 'transferred', 'long_leave',
                                                 'cert_invalid', 'other')),
    note         TEXT,
    recorded_by  INTEGER REFERENCES people(id),
    recorded_at  TEXT NOT NULL
);
CREATE INDEX withdrawals_cert ON withdrawals (cert_no, from_date);
