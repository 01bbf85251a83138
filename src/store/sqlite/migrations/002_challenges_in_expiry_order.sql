-- 002: challenges keyed by their expiry. The integer key `rid` is (expires_at << 16) | sequence, so
-- the table itself is kept in expiry order: reaping is a range delete at its start and the index on
-- expires_at goes (one b-tree less to write on every challenge insert and consume). Lookups by id,
-- by challenge bytes and by user keep their indexes.
CREATE TABLE challenges_v2 (
  rid             INTEGER PRIMARY KEY,
  id              TEXT NOT NULL,
  tenant_id       TEXT NOT NULL,
  type            TEXT NOT NULL,
  value           BLOB NOT NULL,
  user_id         TEXT,
  action_code     TEXT,
  idempotency_key TEXT,
  options_json    TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  expires_at      INTEGER NOT NULL
);
INSERT INTO challenges_v2 (rid, id, tenant_id, type, value, user_id, action_code, idempotency_key, options_json,
                           created_at, expires_at)
  SELECT (expires_at << 16) | ((ROW_NUMBER() OVER (PARTITION BY expires_at ORDER BY rowid)) & 65535), id, tenant_id,
         type, value, user_id, action_code, idempotency_key, options_json, created_at, expires_at
  FROM challenges;
DROP TABLE challenges;
ALTER TABLE challenges_v2 RENAME TO challenges;
CREATE UNIQUE INDEX challenges_id ON challenges (id);
CREATE INDEX challenges_value ON challenges (tenant_id, value);
CREATE INDEX challenges_user ON challenges (tenant_id, user_id);
