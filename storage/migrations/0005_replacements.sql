-- Replacement requests (003 第十八条) and the plan setting that lets a same-department
-- team leader approve them.

ALTER TABLE plans ADD COLUMN leader_may_approve INTEGER NOT NULL DEFAULT 0;

CREATE TABLE replacement_requests (
    id             INTEGER PRIMARY KEY,
    task_id        INTEGER NOT NULL REFERENCES tasks(id),
    person_id      INTEGER NOT NULL REFERENCES people(id),
    reason         TEXT NOT NULL CHECK (reason IN ('job_change', 'work_conflict', 'health',
                                                   'recusal')),
    note           TEXT,
    status         TEXT NOT NULL DEFAULT 'open'
                   CHECK (status IN ('open', 'approved', 'rejected')),
    decided_by     INTEGER REFERENCES people(id),
    decided_at     TEXT,
    reject_reason  TEXT,
    replacement    INTEGER REFERENCES people(id),
    created_at     TEXT NOT NULL
);
CREATE INDEX replacement_requests_task ON replacement_requests (task_id, status);
