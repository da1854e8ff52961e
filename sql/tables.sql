-- tables.sql: every table of a Flyton project as it is now: the picture to read.
--
-- The database itself changes only through sql/migrations/ (server/bin/flyton
-- migrate; install.sh runs it): 0001_base.sql made the tables below, each later
-- file changes them. When you add a migration, change this picture the same way:
-- a test builds one database from this file and one from the migrations, and
-- fails when their tables, columns or indexes differ.
-- Loading this file into a database changes nothing that is there: tables are
-- created only when missing, the starting rows of gen only when their key1 is.
--
-- The table rules:
--   id          int auto increment, starting at a recognisable number of digits
--               (users 1001.., gen 101.., logs 10000001.., todo 30001..);
--               ses is the one table with a string id: the sha256 of the session
--               token (db_ses.ses_key; the token itself is stored nowhere)
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
--   email     data.email in lower case, kept by the database (a generated column):
--             unique when set, so two users never share an address (0003_mail.sql)
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
  data        JSON NULL,
  email       VARCHAR(255)
    AS (NULLIF(NULLIF(LOWER(JSON_UNQUOTE(JSON_EXTRACT(data, '$.email'))), ''), 'null')) STORED,
  UNIQUE KEY users_email (email)
) ENGINE=InnoDB AUTO_INCREMENT=1001 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;


-- ses: the live sessions, one per browser tab. id is the sha256 (hex) of the token, the
-- ses= of every URL (db_ses.ses_key(token)): a copy of the table logs nobody in.
--   user_id   the user of the session
--   data      what the pages saved with add2ses, and "page": the last page shown
-- A session ends when is_active = 0, when it was idle longer than gen ses_idle_min,
-- or older than gen ses_life_hours. The archive engine moves ended ones to ses_arc.
-- DROP (logs everybody out):   DROP TABLE ses;
-- example rows:
-- | id                     | user_id | is_active | data                           |
-- | 9f2c41d0...(64 hex)    | 1001    | 1         | {"page": "dashboard"}          |
-- | 5e07ab3c...(64 hex)    | 1002    | 1         | {"page": "todo", "filter": 1}  |
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
  ('login_slow_max_s', '60', NULL),
  ('login_known_days', '30', NULL),
  ('pwreset_min', '30', NULL),
  ('ses_new_max', '10', NULL),
  ('arc_ses_days', '7', NULL),
  ('arc_logs_days', '90', NULL),
  ('calls_keep_hours', '24', NULL),
  ('jobs_keep_hours', '24', NULL);


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
-- engine (server/commands/archive.py) moves ended sessions and old logs here.
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


-- throttle: failed logins and password checks, counted so that guessing stays slow
-- (server/apis/tools/throttle.py; the rules are in docs/deploy.md, "Security model").
--   name   what is counted: "pair <username> <address>", "user <username>",
--          "addr <address>", "known <username> <address>" (a good login from there)
--   n      failures (and checks under way) since `since`; the window is gen login_fail_min
--   since  when this window began
-- The archive engine moves rows unused for gen login_known_days days to throttle_arc.
-- DROP (forgets every failure):   DROP TABLE throttle;  DROP TABLE throttle_arc;
-- example rows:
-- | id    | name                     | n | since               |
-- | 50001 | pair dana 10.0.0.9       | 5 | 2026-11-22 10:01:07 |
-- | 50002 | user dana                | 7 | 2026-11-22 10:01:07 |
-- | 50003 | known dana 10.0.0.5      | 0 | 2026-11-20 08:30:00 |
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



-- rates: the counters of the rate limits (tools/kicrate.py: every API method and page) and of the
-- mail caps (tools/kicmail.py), shared by every node of a group.
--   name   "<window seconds> <method or page> u<user id>|a<address>", "<window seconds> mail to <address>"
--   n      calls in the current window
--   win    when the window began (seconds since the epoch)
-- A MEMORY table: counted in the database server's memory, never written to disk (a counter
-- written to disk on every request would cost a disk flush each); a restart of the database
-- server starts every window from 0. No rule columns: MEMORY takes no JSON. When it is full
-- (max_heap_table_size, 16 MB: some 70,000 keys) windows older than a day are removed.
-- DROP (forgets every count):   DROP TABLE rates;
-- example rows:
-- | name                        | n  | win        |
-- | 3600 api_email u1002        | 3  | 1764928800 |
-- | 60 dashboard u1002          | 12 | 1764929940 |
-- | 3600 mail to ann@example.com | 1  | 1764928800 |
CREATE TABLE IF NOT EXISTS rates (
  name        VARCHAR(190) NOT NULL PRIMARY KEY,
  n           INT NOT NULL DEFAULT 0,
  win         BIGINT NOT NULL DEFAULT 0
) ENGINE=MEMORY DEFAULT CHARSET=ascii COLLATE=ascii_bin;

-- pwreset: the links of "forgot password" (api_pw_forgot mails one, api_pw_reset uses it).
--   user_id   whose password the link sets
--   name      sha256 of the link's token, in hex: the token itself is only in the mail
--   is_active 1 the link works, 0 used (or a newer link was sent, or the password was set)
--   A link works for gen pwreset_min minutes (30) after created_at, once.
--   data      ip: the address that asked for it
-- DROP (every mailed link stops working):   DROP TABLE pwreset;
-- example rows:
-- | id     | user_id | name         | is_active | created_at          | data                 |
-- | 600001 | 1002    | 9f86d08188.. | 0         | 2026-11-20 09:12:44 | {"ip": "10.0.0.5"}   |
-- | 600002 | 1002    | 60303ae22b.. | 1         | 2026-11-22 10:01:07 | {"ip": "10.0.0.5"}   |
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

-- calls: the answers of the API calls that wrote, by request id (server/apis/dispatch.py,
-- tools/db_calls.py). call_server sends each call with a request id and sends it again
-- when no answer came; the call's writes and its answer commit together, so the second
-- try gets the first answer and writes nothing (0005_calls.sql).
--   user_id   whose call it was
--   name      sha256 of the user id and the request id, in hex
--   data      status: the HTTP status, answer: the "server" object as it was sent
-- The archive engine deletes rows older than gen calls_keep_hours (24): they are for
-- a call sent again, not a record (logs is the record).
-- DROP (a call sent again runs again):   DROP TABLE calls;
-- example rows:
-- | id       | user_id | name         | created_at          | data                                      |
-- | 80000001 | 1002    | 4bf2a9c01e.. | 2026-12-02 10:01:07 | {"status": 200, "answer": {"allow": 1 ..}} |
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


-- files: uploaded files, in the database so that every web node serves each one and a
-- backup holds them (tools/kicfile.py; served at /pages/files/<name> by server/cgi-bin/p4file.py).
--   user_id   who sent it (0: nobody in particular, a file moved in by flyton files-import)
--   name      the file's name in its URL: made by kicfile(), a random part and the sent name
--   body      the bytes (at most config max_file, 5 MB by default)
--   data      type: the content type it is served with, size, sha256 (its ETag)
-- DROP (every uploaded file is gone):   DROP TABLE files;
-- example rows:
-- | id       | user_id | name                     | is_active | data                                      |
-- | 90000001 | 1002    | 3f9a1c2b7d4e_report.pdf  | 1         | {"type": "application/pdf", "size": 48213 ..} |
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


-- jobs: background work (tools/kicjob.py; flyton worker runs it, flyton jobs shows it; 0008_jobs.sql).
--   name        the job: server/apis/jobs/job_<name>.py, function job_<name>(data)
--   is_active   1 queued or running, 0 done or failed
--   state       queued, running (a worker has it until lease_until), done, failed (err, ref)
--   queue       a worker may take some queues only (flyton worker --queue mail)
--   priority    lower first (0 by default)
--   run_at      not before this time (the database's clock)
--   tries       runs begun; a failure is queued again later, up to the job's tries (10)
--   claim       the worker that has it: host:pid:random
--   uniq        one job per key: a call sent again, a schedule's minute
--   rel, rid    the release and the request that queued it
--   user_id     the user of that request (0: none): a mail the job sends counts for their cap
--   data        the job's arguments
-- The archive engine deletes done jobs older than gen jobs_keep_hours (24).
-- DROP (every queued job is lost):   DROP TABLE jobs;
-- example rows:
-- | id        | name | state  | run_at                  | tries | data                         |
-- | 200000001 | mail | queued | 2026-12-05 10:01:07.120 | 0     | {"to": "ann@example.com" ..} |
CREATE TABLE IF NOT EXISTS jobs (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name        VARCHAR(64) NOT NULL,
  is_active   TINYINT(1) NOT NULL DEFAULT 1,
  state       VARCHAR(8) NOT NULL DEFAULT 'queued',
  queue       VARCHAR(32) NOT NULL DEFAULT 'default',
  priority    SMALLINT NOT NULL DEFAULT 0,
  run_at      DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  tries       SMALLINT NOT NULL DEFAULT 0,
  lease_until DATETIME(3) NULL,
  claim       VARCHAR(80) NULL,
  uniq        VARCHAR(190) NULL,
  rel         VARCHAR(64) NOT NULL DEFAULT '',
  rid         VARCHAR(64) NOT NULL DEFAULT '',
  user_id     INT NOT NULL DEFAULT 0,
  ref         VARCHAR(16) NULL,
  err         TEXT NULL,
  created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  data        JSON NULL,
  UNIQUE KEY jobs_uniq (uniq),
  KEY jobs_due (is_active, priority, run_at),
  KEY jobs_state (state, updated_at)
) ENGINE=InnoDB AUTO_INCREMENT=200000001 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;


-- migrations: which files of sql/migrations ran on this database (server/bin/flyton migrate).
--   name      the file, 0002_todo_color.sql
--   checksum  sha256 of the file as it ran: a file changed after it ran is refused
--   is_active 1 applied; 0 failed part way (data: done = statements that ran, err)
--   data      by (who ran it), ms, done/of, hashes of the statements
-- DROP (every migration would run again!):   DROP TABLE migrations;
-- example rows:
-- | id  | name                 | checksum   | is_active | data                                        |
-- | 700 | 0001_base.sql        | 3f1c9a..   | 1         | {"by": "ubuntu@dev", "ms": 41, "done": 12}  |
-- | 701 | 0002_todo_color.sql  | 9b02de..   | 1         | {"by": "ubuntu@dev", "ms": 18, "done": 2}   |
-- | 702 | 0003_bad.sql         | 51aa07..   | 0         | {"done": 1, "err": "1060 (42S21): Duplicate column name"} |
CREATE TABLE IF NOT EXISTS migrations (
  id          INT AUTO_INCREMENT PRIMARY KEY,
  name        VARCHAR(255) NOT NULL,
  checksum    CHAR(64) NOT NULL,
  is_active   TINYINT(1) NOT NULL DEFAULT 1,
  created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  data        JSON,
  UNIQUE KEY uq_migrations_name (name)
) ENGINE=InnoDB AUTO_INCREMENT=700 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
