-- 0008_jobs.sql: background jobs (server/apis/tools/kicjob.py, flyton worker, flyton jobs).
-- A job is a row, queued by job("mail", {...}) in the request's own transaction (a request whose
-- writes roll back queues nothing), claimed by a worker with SELECT ... FOR UPDATE SKIP LOCKED,
-- run at least once: a worker that dies leaves it to another once its lease ends.
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
-- how long a done job is kept (flyton jobs shows it; the archive engine deletes older ones)
INSERT IGNORE INTO gen (key1, val1, data) VALUES ('jobs_keep_hours', '24', NULL);
