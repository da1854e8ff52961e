-- 0004_ses_hash.sql: a session's id becomes the sha256 of its token (db_ses.ses_key), so
-- the table holds nothing that logs anyone in. Live sessions go on as they were; the
-- archived ones are hashed too. A token is 32 characters, a hash 64: each row once.
UPDATE ses SET id = SHA2(id, 256) WHERE CHAR_LENGTH(id) <> 64;
UPDATE ses_arc SET id = SHA2(id, 256) WHERE CHAR_LENGTH(id) <> 64;
-- and how many sessions one user may open in a minute (api_login): logins without end
-- would take the server's time from everybody else
INSERT IGNORE INTO gen (key1, val1, data) VALUES ('ses_new_max', '10', NULL);
