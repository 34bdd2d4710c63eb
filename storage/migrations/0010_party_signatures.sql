-- Who signs for the inspected party, and what they say (003 第二十一条): their stated
-- name, role and optionally the last four characters of an ID, and their opinion.

ALTER TABLE signatures ADD COLUMN party_role TEXT;
ALTER TABLE signatures ADD COLUMN id_last4 TEXT;
ALTER TABLE signatures ADD COLUMN opinion TEXT;
ALTER TABLE signatures ADD COLUMN opinion_text TEXT;
