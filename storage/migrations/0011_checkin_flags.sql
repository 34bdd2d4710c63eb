-- A check-in whose location is implausible (0,0, outside China, far from the county) is
-- kept, and flagged: on the record and in the office's digest.

ALTER TABLE visit_checkins ADD COLUMN flag TEXT;
