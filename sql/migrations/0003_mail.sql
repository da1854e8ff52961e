-- 0003_mail.sql: mail for users. The email address becomes a column of users, read
-- from data.email and unique when set; pwreset keeps the single-use links of
-- "forgot password" (only a hash of each). Where two users had the same address
-- before, the first keeps it and the other's moves to data.email_was (nothing is
-- lost; an admin can sort it out), so that the unique key can be made.
UPDATE users u JOIN (SELECT e, first FROM (
    SELECT NULLIF(NULLIF(LOWER(JSON_UNQUOTE(JSON_EXTRACT(data, '$.email'))), ''), 'null') e, MIN(id) first
    FROM users GROUP BY e HAVING e IS NOT NULL AND COUNT(*) > 1) x) d
  ON NULLIF(NULLIF(LOWER(JSON_UNQUOTE(JSON_EXTRACT(u.data, '$.email'))), ''), 'null') = d.e AND u.id > d.first
  SET u.data = JSON_REMOVE(JSON_SET(u.data, '$.email_was', JSON_EXTRACT(u.data, '$.email')), '$.email');
ALTER TABLE users ADD COLUMN email VARCHAR(255)
  AS (NULLIF(NULLIF(LOWER(JSON_UNQUOTE(JSON_EXTRACT(data, '$.email'))), ''), 'null')) STORED;
ALTER TABLE users ADD UNIQUE KEY users_email (email);
CREATE TABLE IF NOT EXISTS pwreset (
  id          INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id     INT NOT NULL,
  name        CHAR(64) NOT NULL,
  is_active   TINYINT(1) NOT NULL DEFAULT 1,
  created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  data        JSON NULL,
  UNIQUE KEY pwreset_name (name),
  KEY pwreset_user (user_id, is_active)
) ENGINE=InnoDB AUTO_INCREMENT=600001 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT IGNORE INTO gen (key1, val1, data) VALUES ('pwreset_min', '30', NULL);
