-- 一公开: what was published (or withheld with a reason), and corrections referencing it.

CREATE TABLE publications (
    id          INTEGER PRIMARY KEY,
    task_id     INTEGER NOT NULL REFERENCES tasks(id),
    kind        TEXT NOT NULL CHECK (kind IN ('result', 'withheld', 'correction')),
    content     TEXT NOT NULL,
    reason      TEXT,
    supersedes  INTEGER REFERENCES publications(id),
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX publications_task ON publications (task_id, id);
CREATE TRIGGER publications_frozen BEFORE UPDATE ON publications
BEGIN
    SELECT RAISE(ABORT, 'a publication cannot be edited; publish a correction');
END;
CREATE TRIGGER publications_kept BEFORE DELETE ON publications
BEGIN
    SELECT RAISE(ABORT, 'publications are kept');
END;
