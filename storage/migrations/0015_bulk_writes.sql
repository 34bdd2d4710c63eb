-- Bulk writes (a draw's tasks, a large directory's targets) are written in short
-- transactions of their own, so that nobody else waits for seconds. One runs at a time:
-- this row is its lease and its progress. Whoever holds it writes the next chunk and
-- beats the heart; a process that starts after a crash, or finds the heart stopped,
-- takes it over and finishes the work (forward recovery). While the row exists nothing
-- else bulk-writes, and a draw is not prepared (its pool must not see half an import).
CREATE TABLE bulk_writes (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    kind          TEXT NOT NULL CHECK (kind IN ('draw', 'import')),
    ref           TEXT NOT NULL,
    owner         TEXT NOT NULL,
    done          INTEGER NOT NULL DEFAULT 0,
    total         INTEGER NOT NULL,
    state         TEXT NOT NULL DEFAULT '{}',
    started_by    TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    heartbeat_at  TEXT NOT NULL
);
