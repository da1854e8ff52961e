-- 0001_base.sql: the tables Flyton starts with (sql/tables.sql on the day
-- migrations began). On a database made before that day it changes nothing:
-- every table is created only when missing, every gen row only when its key1 is.
-- A migration that ran is never edited: change the schema in a new file.

-- The table rules:
--   id          int auto increment, starting at a recognisable number of digits
--               (users 1001.., gen 101.., logs 10000001.., todo 30001..);
--               ses is the one table with a string id: the session token
--   name        where it fits
--   is_active   1 (default) active, 0 deleted: rows are never deleted
--   created_at  set by the database on insert
--   updated_at  set by the database on every change.
--               NOTE: the original Flyton named this column update_at; this
--               skeleton uses updated_at everywhere, as the table rules say.
--   data        JSON for the dynamic fields of a row
--   other columns only when every row needs them. Flags are 0/1.
--
-- Every table is utf8mb4 (Hebrew, emoji, quotes all round-trip).


-- users: the people who log in.
--   username  unique login name
--   Roles     JSON list of role names, the names come from gen row "roles": ["admin"]
--   sis       the password as a salted slow hash (scrypt$n$r$p$salt$hash), never the password
--   data      email, phone, mfa (TOTP secret and on/off) ...
-- DROP (deletes every user!):   DROP TABLE users;
-- example rows:
-- | id   | username | LastName | FirstName | Roles     | sis            | is_active | data                         |
-- | 1001 | admin    | Admin    | Flyton    | ["admin"] | scrypt$16384.. | 1         | {"email": "admin@localhost"} |
-- | 1002 | dana     | Levi     | Dana      | []        | scrypt$16384.. | 1         | {"phone": "+972501234567"}   |
-- | 1003 | moshe    | Cohen    | Moshe     | []        | scrypt$16384.. | 0         | {}                           |
CREATE TABLE IF NOT EXISTS users (
  id          INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username    VARCHAR(255) NULL UNIQUE,
  LastName    TEXT NULL,
  FirstName   TEXT NULL,
  Roles       JSON NULL,
  sis         TEXT NULL,
  is_active   TINYINT(1) NOT NULL DEFAULT 1,
  created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  data        JSON NULL
) ENGINE=InnoDB AUTO_INCREMENT=1001 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;


-- ses: the live sessions, one per browser tab. id is the token (the ses= of every URL).
--   user_id   the user of the session
--   data      what the pages saved with add2ses, and "page": the last page shown
-- A session ends when is_active = 0, when it was idle longer than gen ses_idle_min,
-- or older than gen ses_life_hours. The archive engine moves ended ones to ses_arc.
-- DROP (logs everybody out):   DROP TABLE ses;
-- example rows:
-- | id                                  | user_id | is_active | data                           |
-- | Hk3v0b9xQ2m8d7Yt1LwZpA5sN4cR6eU0 | 1001    | 1         | {"page": "dashboard"}          |
-- | 0pL9kQ3wE7rT2yU5iO8aS1dF4gH6jK | 1002    | 1         | {"page": "todo", "filter": 1}  |
-- | Zx8Cv7Bn6Mm5Ll4Kk3Jj2Hh1Gg0Ff | 1002    | 0         | {"page": "dashboard"}          |
CREATE TABLE IF NOT EXISTS ses (
  id          VARCHAR(255) NOT NULL PRIMARY KEY,
  user_id     INT NULL,
  is_active   TINYINT(1) NOT NULL DEFAULT 1,
  created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  data        JSON NULL,
  KEY ses_user (user_id),
  KEY ses_upd (updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;


-- gen: the constants of the system, small lists that hardly change, and counters.
--   key1  unique name. Suffixes: _type a small list, _dict codes of a field
--         ({"is_active": {"0": "archived", "1": "ready"}}), _prov a list of providers
--   val1  a short value; data holds lists and objects
-- DROP (loses every setting):   DROP TABLE gen;
-- example rows:
-- | id  | key1         | val1 | data                                |
-- | 101 | year         | 2026 | NULL                                |
-- | 102 | roles        | 0    | {"admin": "Admin", "owner": "Owner"} |
-- | 103 | ses_idle_min | 60   | NULL                                |
CREATE TABLE IF NOT EXISTS gen (
  id          INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  key1        VARCHAR(255) NULL UNIQUE,
  val1        VARCHAR(255) NULL,
  is_active   TINYINT(1) NOT NULL DEFAULT 1,
  created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  data        JSON NULL
) ENGINE=InnoDB AUTO_INCREMENT=101 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO gen (key1, val1, data) VALUES
  ('year', '2026', NULL),
  ('roles', '0', '{"admin": "Admin", "owner": "Owner", "user": "User"}'),
  ('users_dict', '0', '{"is_active": {"0": "deactivated", "1": "active"}}'),
  ('todo_dict', '0', '{"is_active": {"0": "deleted", "1": "open"}, "done": {"0": "to do", "1": "done"}}'),
  ('ses_idle_min', '60', NULL),
  ('ses_life_hours', '12', NULL),
  ('login_fail_max', '5', NULL),
  ('login_fail_min', '15', NULL),
  ('arc_ses_days', '7', NULL),
  ('arc_logs_days', '90', NULL);


-- logs: what happened: logins, failures, calls to outside services.
--   act_type   short kind: login, login_fail, logout, api_err ...
--   send_text  what was sent or tried (never a password)
--   response   the answer, added later with add_log_res()
--   data       user, address, anything else
-- Old rows are moved to logs_arc by the archive engine (gen arc_logs_days).
-- DROP:   DROP TABLE logs;
-- example rows:
-- | id       | act_type   | send_text | response | data                             |
-- | 10000001 | login      | admin     | ok       | {"ip": "10.0.0.5", "uid": 1001}  |
-- | 10000002 | login_fail | dana      |          | {"ip": "10.0.0.9", "u": "dana"}  |
-- | 10000003 | api_err    | api_todo  | ref 9f2c |                                  |
CREATE TABLE IF NOT EXISTS logs (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  act_type    VARCHAR(64) NULL,
  send_text   TEXT NULL,
  response    TEXT NULL,
  is_active   TINYINT(1) NOT NULL DEFAULT 1,
  created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  data        JSON NULL,
  KEY logs_act (act_type, created_at),
  KEY logs_created (created_at)
) ENGINE=InnoDB AUTO_INCREMENT=10000001 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;


-- ses_arc, logs_arc: the archive. The same columns as ses and logs; the archive
-- engine (server/apis/tools/cron/archive.py) moves ended sessions and old logs here.
-- DROP (loses the history):   DROP TABLE ses_arc;  DROP TABLE logs_arc;
-- example rows: as in ses and logs.
CREATE TABLE IF NOT EXISTS ses_arc LIKE ses;
CREATE TABLE IF NOT EXISTS logs_arc LIKE logs;


-- todo: the demo app's tasks, one row per task of a user.
--   user_id  the owner (users.id)
--   name     the title
--   done     0 to do, 1 done
--   data     note ...
-- DROP:   DROP TABLE todo;
-- example rows:
-- | id    | user_id | name          | done | is_active | data                 |
-- | 30001 | 1002    | buy milk      | 0    | 1         | {"note": "2 liters"} |
-- | 30002 | 1002    | call the bank | 1    | 1         | {}                   |
-- | 30003 | 1001    | old task      | 0    | 0         | {}                   |
CREATE TABLE IF NOT EXISTS todo (
  id          INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id     INT NOT NULL,
  name        VARCHAR(500) NOT NULL,
  done        TINYINT(1) NOT NULL DEFAULT 0,
  is_active   TINYINT(1) NOT NULL DEFAULT 1,
  created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  data        JSON NULL,
  KEY todo_user (user_id, is_active)
) ENGINE=InnoDB AUTO_INCREMENT=30001 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
