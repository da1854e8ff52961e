-- 0002_throttle.sql: the throttle table, which counts failed logins and
-- password checks so that guessing stays slow (server/apis/tools/throttle.py).
CREATE TABLE IF NOT EXISTS throttle (
  id          INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name        VARCHAR(255) NOT NULL,
  n           INT NOT NULL DEFAULT 0,
  since       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  is_active   TINYINT(1) NOT NULL DEFAULT 1,
  created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  data        JSON NULL,
  UNIQUE KEY throttle_name (name),
  KEY throttle_upd (updated_at)
) ENGINE=InnoDB AUTO_INCREMENT=50001 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS throttle_arc LIKE throttle;

INSERT IGNORE INTO gen (key1, val1, data) VALUES
  ('login_slow_max_s', '60', NULL),
  ('login_known_days', '30', NULL);
