-- 003: challenges whose id and bytes carry their expiry (store/challenge_address.hpp) are found in
-- their expiry millisecond's range of the table (rid = expires_at << 16 | sequence) and need no index
-- entry: `addressed` = 1. Only the others (created before this version, or with ids that do not carry
-- the row's expiry) stay in the id and bytes indexes, now partial. Each challenge insert and consume
-- then writes the table page and the user index only, instead of two more b-trees with random keys.
ALTER TABLE challenges ADD COLUMN addressed INTEGER NOT NULL DEFAULT 0;
DROP INDEX challenges_id;
DROP INDEX challenges_value;
CREATE UNIQUE INDEX challenges_id ON challenges (id) WHERE addressed = 0;
CREATE INDEX challenges_value ON challenges (tenant_id, value) WHERE addressed = 0;
