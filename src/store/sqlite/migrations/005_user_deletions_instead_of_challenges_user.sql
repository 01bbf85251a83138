-- 005: no user index on challenges. It served only a user's deletion, yet every challenge insert
-- and consume wrote it (a random page of a b-tree per request). A deletion now records the user in
-- user_deletions instead, and every lookup of a challenge refuses one whose user was deleted at or
-- after the challenge was created. `created_at` of challenges becomes microseconds, so that a
-- challenge created after the user was deleted (and created again) is never taken for one created
-- before. `until_ms` is the last expiry among the challenges that existed at the deletion: after
-- it the row can be reaped, since every challenge it could refuse has expired.
DROP INDEX challenges_user;
UPDATE challenges SET created_at = created_at * 1000;
CREATE TABLE user_deletions (
  tenant_id  TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  deleted_us INTEGER NOT NULL,
  until_ms   INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, user_id)
) WITHOUT ROWID;
