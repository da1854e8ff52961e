-- 0006_files.sql: uploaded files, kept in the database (tools/kicfile.py), so every web node
-- serves every one of them at /pages/files/<name> and a backup of the database holds them.
-- Files already in client/pages/files/ move in with `flyton files-import`.
CREATE TABLE IF NOT EXISTS files (
  id          INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id     INT NOT NULL DEFAULT 0,
  name        VARCHAR(200) NOT NULL,
  body        MEDIUMBLOB NOT NULL,
  is_active   TINYINT(1) NOT NULL DEFAULT 1,
  created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  data        JSON NULL,
  UNIQUE KEY files_name (name),
  KEY files_user (user_id)
) ENGINE=InnoDB AUTO_INCREMENT=90000001 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
