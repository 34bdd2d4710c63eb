-- A desk check's materials (书面检查, issue 32): the team asks the inspected party for its
-- documents through a link it opens without Telegram (bot/tg/materials.py). Only the
-- link's SHA-256 is kept; it expires and serves one sending. What the party sent is kept
-- by content (files), listed in the record with each file's SHA-256, never edited.

CREATE TABLE material_requests (
    id            INTEGER PRIMARY KEY,
    visit_id      INTEGER NOT NULL REFERENCES visits (id),
    token_sha256  TEXT NOT NULL UNIQUE,
    created_by    INTEGER NOT NULL REFERENCES people (id),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    used_at       TEXT
);
CREATE INDEX material_requests_visit ON material_requests (visit_id);

CREATE TABLE materials (
    id           INTEGER PRIMARY KEY,
    visit_id     INTEGER NOT NULL REFERENCES visits (id),
    request_id   INTEGER NOT NULL REFERENCES material_requests (id),
    name         TEXT NOT NULL,
    mime         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL REFERENCES files (sha256),
    received_at  TEXT NOT NULL
);
CREATE INDEX materials_visit ON materials (visit_id, id);
CREATE TRIGGER materials_frozen BEFORE UPDATE ON materials
BEGIN
    SELECT RAISE(ABORT, 'what the party sent is kept as it was sent');
END;
CREATE TRIGGER materials_kept BEFORE DELETE ON materials
BEGIN
    SELECT RAISE(ABORT, 'what the party sent is kept');
END;
