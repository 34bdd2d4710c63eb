-- Handwritten signatures through the Mini App (003 第二十一条): the party signs with a
-- finger on the leader's phone. The drawing is kept twice in the file store, as a PNG and
-- as its strokes (points with times), each by its SHA-256; the record's hash covers both.
-- A Mini App session holds a single-use token of its own kind, bound to the visit and to
-- the content being signed, like the QR link's.

ALTER TABLE signatures ADD COLUMN png_sha256 TEXT REFERENCES files(sha256);
ALTER TABLE signatures ADD COLUMN strokes_sha256 TEXT REFERENCES files(sha256);
ALTER TABLE sign_tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'qr'
    CHECK (kind IN ('qr', 'webapp'));
