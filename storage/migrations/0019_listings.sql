-- 一公开 of the item list (抽查事项清单) and the plans (抽查计划), issue 31: each publication
-- keeps exactly what was published (canonical JSON and its SHA-256), when, by whom, and the
-- approving document's number (文号) where the office gives one. A plan is prepared for its
-- draw only as it was last published (bot/services/listings.py). Kept and never edited, as
-- the results' publications are.

CREATE TABLE listings (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('items', 'plan')),
    plan_id       INTEGER REFERENCES plans (id),
    doc_no        TEXT,
    content       TEXT NOT NULL,
    digest        TEXT NOT NULL,
    published_by  TEXT NOT NULL,
    published_at  TEXT NOT NULL,
    CHECK ((kind = 'plan') = (plan_id IS NOT NULL))
);
CREATE INDEX listings_kind ON listings (kind, plan_id, id);
CREATE TRIGGER listings_frozen BEFORE UPDATE ON listings
BEGIN
    SELECT RAISE(ABORT, 'a published list or plan cannot be edited; publish it again');
END;
CREATE TRIGGER listings_kept BEFORE DELETE ON listings
BEGIN
    SELECT RAISE(ABORT, 'published lists and plans are kept');
END;
