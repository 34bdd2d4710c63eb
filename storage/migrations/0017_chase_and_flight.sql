-- The scheduler reads which grouped reminders went out today before it takes the writer
-- (bot/services/chasing.py, issue 28): by day, not by scanning every reminder ever sent.
CREATE INDEX reminders_day ON reminders (day, subject);

-- A message the sender is handing to Telegram (set before the call, cleared after): one
-- found set at start was in flight at a crash, and is sent again, the same (issue 28).
ALTER TABLE outbox ADD COLUMN sending_at TEXT;

-- The command menu last set in a person's chat (SHA-256 of its commands): a start sets
-- only the menus that changed (bot/tg/menus.py).
ALTER TABLE telegram_accounts ADD COLUMN menu_sha TEXT;
