-- The person a Telegram account stood for until it was unlinked (they left, or the office
-- unlinked it): such an account may not sign as the inspected party while that person is
-- still in service (bot/services/visits/party_link.py, issue 29). Filled from the audit
-- log for the accounts unlinked before this column existed.
ALTER TABLE telegram_accounts ADD COLUMN former_person_id INTEGER REFERENCES people (id);

UPDATE telegram_accounts SET former_person_id = (
    SELECT CAST(substr(l.subject, 8) AS INTEGER) FROM audit_log l
    WHERE l.action = 'account.unbound' AND l.subject LIKE 'person:%'
      AND json_extract(l.payload, '$.tg_user_id') = telegram_accounts.tg_user_id
    ORDER BY l.id DESC LIMIT 1)
WHERE person_id IS NULL;
