-- Durable intake: every update Telegram delivers is written here before Telegram is told
-- it was received (polling: before the next offset; webhook: before the 200), and deleted
-- in the commit that records it as handled (processed_updates). A row still here after a
-- crash is handled at the next start, in order per chat.
CREATE TABLE inbox (
    update_id    INTEGER PRIMARY KEY,
    chat_key     INTEGER NOT NULL,   -- updates with the same key are handled in order
    payload      BLOB NOT NULL,      -- the update's JSON, sealed with the inbox key
    received_at  TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0  -- starts interrupted by a crash
);
CREATE INDEX inbox_chat ON inbox (chat_key, update_id);

-- The outbox is read fairly across chats: each chat's oldest pending message first.
CREATE INDEX IF NOT EXISTS outbox_pending_chat ON outbox (status, chat_id, id);
