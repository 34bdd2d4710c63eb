-- The person a Telegram account stood for until it was unlinked (they left, or the office
-- unlinked it): such an account may not sign as the inspected party while that person is
-- still in service (bot/services/visits/party_link.py, issue 29). Filled from the audit
-- log for the accounts unlinked before this column existed: the unlinks are read once
-- (the latest per account), not once per account.
ALTER TABLE telegram_accounts ADD COLUMN former_person_id INTEGER REFERENCES people (id);

UPDATE telegram_accounts SET former_person_id = u.person_id
FROM (SELECT json_extract(payload, '$.tg_user_id') AS tg,
             CAST(substr(subject, 8) AS INTEGER) AS person_id,
             ROW_NUMBER() OVER (PARTITION BY json_extract(payload, '$.tg_user_id')
                                ORDER BY id DESC) AS k
      FROM audit_log WHERE action = 'account.unbound' AND subject LIKE 'person:%') AS u
WHERE u.k = 1 AND u.tg = telegram_accounts.tg_user_id
  AND telegram_accounts.person_id IS NULL;
