-- Working-day arrangements loaded by the office, and every reminder sent (with its reason).

CREATE TABLE calendar_years (
    year       INTEGER PRIMARY KEY,
    source     TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    loaded_by  TEXT NOT NULL,
    loaded_at  TEXT NOT NULL
);

CREATE TABLE calendar_days (
    day      TEXT PRIMARY KEY,
    workday  INTEGER NOT NULL CHECK (workday IN (0, 1))
);

-- One row per person, thing and step and local day: "never twice the same day".
CREATE TABLE reminders (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES people(id),
    kind       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    step       TEXT NOT NULL,
    day        TEXT NOT NULL,
    reason     TEXT NOT NULL,
    sent_at    TEXT NOT NULL,
    UNIQUE (person_id, kind, subject, step, day)
);
CREATE INDEX reminders_person ON reminders (person_id, sent_at);

ALTER TABLE tasks ADD COLUMN published_at TEXT;
