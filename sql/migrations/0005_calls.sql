-- 0005_calls.sql: the answers of the API calls that wrote, kept by the call's request id
-- (call_server sends one; server/apis/dispatch.py, tools/db_calls.py). A call sent again
-- because its answer never came (a web node died, the network broke, the database
-- restarted) gets the first answer back, and nothing is written twice.
CREATE TABLE IF NOT EXISTS calls (
  id          INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id     INT NOT NULL,
  name        CHAR(64) NOT NULL,
  is_active   TINYINT(1) NOT NULL DEFAULT 1,
  created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  data        JSON NULL,
  UNIQUE KEY calls_name (name),
  KEY calls_created (created_at)
) ENGINE=InnoDB AUTO_INCREMENT=80000001 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
-- how long an answer is kept for a call sent again (the archive engine deletes older ones)
INSERT IGNORE INTO gen (key1, val1, data) VALUES ('calls_keep_hours', '24', NULL);
