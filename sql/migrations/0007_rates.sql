-- 0007_rates.sql: the counters of the rate limits (server/apis/tools/kicrate.py) and of the mail
-- caps (tools/kicmail.py): one row per key, its calls in its current window.
CREATE TABLE IF NOT EXISTS rates (
  name        VARCHAR(190) NOT NULL PRIMARY KEY,
  n           INT NOT NULL DEFAULT 0,
  win         BIGINT NOT NULL DEFAULT 0
) ENGINE=MEMORY DEFAULT CHARSET=ascii COLLATE=ascii_bin;
