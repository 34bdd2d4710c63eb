-- After the visit (003 第二十五至二十七条): corrections of a submitted record, follow-ups
-- carried to closure or handed over, and the 行政处罚决定 or referral of a violation.

-- A correction reopens the visit for its team; the next submission is a new version of
-- the record that supersedes the corrected one (both are kept, frozen). One open at a time.
CREATE TABLE corrections (
    id             INTEGER PRIMARY KEY,
    task_id        INTEGER NOT NULL REFERENCES tasks(id),
    visit_id       INTEGER NOT NULL REFERENCES visits(id),
    record_id      INTEGER NOT NULL REFERENCES records(id),
    reason         TEXT NOT NULL,
    opened_by      INTEGER NOT NULL REFERENCES people(id),
    opened_at      TEXT NOT NULL,
    new_record_id  INTEGER REFERENCES records(id),
    closed_at      TEXT
);
CREATE UNIQUE INDEX corrections_open ON corrections (task_id) WHERE closed_at IS NULL;

-- A follow-up's outcome: what was done, on which day, with a photo or document as
-- evidence; who closed it. Hand-overs are kept, each with its reason.
ALTER TABLE follow_ups ADD COLUMN outcome TEXT;
ALTER TABLE follow_ups ADD COLUMN outcome_date TEXT;
ALTER TABLE follow_ups ADD COLUMN evidence_sha256 TEXT REFERENCES files(sha256);
ALTER TABLE follow_ups ADD COLUMN evidence_name TEXT;
ALTER TABLE follow_ups ADD COLUMN closed_by INTEGER REFERENCES people(id);
CREATE INDEX follow_ups_owner ON follow_ups (owner, status);

CREATE TABLE follow_up_handovers (
    id           INTEGER PRIMARY KEY,
    follow_up_id INTEGER NOT NULL REFERENCES follow_ups(id),
    from_person  INTEGER NOT NULL REFERENCES people(id),
    to_person    INTEGER NOT NULL REFERENCES people(id),
    reason       TEXT NOT NULL,
    by_person    INTEGER NOT NULL REFERENCES people(id),
    at           TEXT NOT NULL
);

-- 第二十七条: the 行政处罚决定 (文书号, date, kind, amount) or the referral (to which
-- authority, date) of an item found in violation, recorded within 7 working days of the
-- decision; `late` keeps whether it was recorded after that.
CREATE TABLE decisions (
    id            INTEGER PRIMARY KEY,
    task_id       INTEGER NOT NULL REFERENCES tasks(id),
    item_code     TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('penalty', 'referral')),
    doc_no        TEXT,
    decided_on    TEXT NOT NULL,
    penalty       TEXT,
    amount_fen    INTEGER CHECK (amount_fen IS NULL OR amount_fen >= 0),
    authority     TEXT,
    recorded_by   INTEGER NOT NULL REFERENCES people(id),
    recorded_at   TEXT NOT NULL,
    late          INTEGER NOT NULL DEFAULT 0,
    UNIQUE (task_id, item_code),
    CHECK ((kind = 'penalty' AND doc_no IS NOT NULL AND penalty IS NOT NULL)
           OR (kind = 'referral' AND authority IS NOT NULL))
);
CREATE TRIGGER decisions_kept BEFORE DELETE ON decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions are kept');
END;

-- A visit begun after its window ended says so on its record.
ALTER TABLE visits ADD COLUMN started_late INTEGER NOT NULL DEFAULT 0;
