-- Drawn inspectors accept their tasks.

ALTER TABLE task_members ADD COLUMN accepted_at TEXT;
