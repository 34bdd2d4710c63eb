-- Documents and recordings as evidence (issue 32): a checklist question of type file, audio
-- or video is answered with a document, a recording or a video, kept like a photo (by its
-- SHA-256 in `files`). Each piece of evidence records the type, the name and the size it
-- came with; NULL for the photos taken before (image/jpeg, no name, the size in `files`).
ALTER TABLE evidence ADD COLUMN mime_type TEXT;
ALTER TABLE evidence ADD COLUMN file_name TEXT;
ALTER TABLE evidence ADD COLUMN file_size INTEGER CHECK (file_size IS NULL OR file_size >= 0);
