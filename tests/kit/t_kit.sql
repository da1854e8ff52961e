-- t_kit: the rows of the framework's tests (tests/kit), one user's each
CREATE TABLE IF NOT EXISTS t_kit (
  id          INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id     INT NOT NULL,
  name        VARCHAR(500) NOT NULL,
  is_active   TINYINT(1) NOT NULL DEFAULT 1,
  created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  data        JSON NULL,
  KEY t_kit_user (user_id, is_active)
) ENGINE=InnoDB AUTO_INCREMENT=970001 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
