-- 004: authenticators without their TEXT primary key. Every lookup by id also names the tenant and
-- the user, so the user index (now tenant, user, id: unique) serves it, and a registration writes
-- two indexes instead of three (the primary key's index took a random page per insert).
CREATE TABLE authenticators_v4 (
  id                      TEXT NOT NULL,
  tenant_id               TEXT NOT NULL,
  user_id                 TEXT NOT NULL,
  verification_method     TEXT NOT NULL,
  credential_id           BLOB NOT NULL,
  public_key              BLOB NOT NULL,
  alg                     INTEGER NOT NULL,
  sign_count              INTEGER NOT NULL,
  transports              TEXT NOT NULL,
  aaguid                  TEXT NOT NULL,
  backup_eligible         INTEGER NOT NULL,
  backup_state            INTEGER NOT NULL,
  user_verified           INTEGER NOT NULL,
  authenticator_attachment TEXT,
  device_id               TEXT,
  user_agent              TEXT,
  username                TEXT,
  display_name            TEXT,
  payment_capable         INTEGER NOT NULL DEFAULT 0,
  instrument_display_name TEXT,
  created_at              INTEGER NOT NULL,
  verified_at             INTEGER NOT NULL,
  last_verified_at        INTEGER
);
INSERT INTO authenticators_v4 (id, tenant_id, user_id, verification_method, credential_id, public_key, alg, sign_count, transports, aaguid, backup_eligible, backup_state, user_verified, authenticator_attachment, device_id, user_agent, username, display_name, payment_capable, instrument_display_name, created_at, verified_at, last_verified_at)
  SELECT id, tenant_id, user_id, verification_method, credential_id, public_key, alg, sign_count, transports, aaguid, backup_eligible, backup_state, user_verified, authenticator_attachment, device_id, user_agent, username, display_name, payment_capable, instrument_display_name, created_at, verified_at, last_verified_at FROM authenticators;
DROP TABLE authenticators;
ALTER TABLE authenticators_v4 RENAME TO authenticators;
CREATE UNIQUE INDEX authenticators_credential ON authenticators (tenant_id, credential_id);
CREATE UNIQUE INDEX authenticators_user ON authenticators (tenant_id, user_id, id);
