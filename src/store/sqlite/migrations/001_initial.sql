-- 001: tenants, keys, users, actions, challenges, authenticators.
-- Times are milliseconds since the Unix epoch (UTC). Lists are newline-separated text.
CREATE TABLE tenants (
  id                     TEXT PRIMARY KEY,
  name                   TEXT NOT NULL,
  rp_id                  TEXT NOT NULL,
  rp_name                TEXT NOT NULL,
  expected_origins       TEXT NOT NULL,
  cors_origins           TEXT NOT NULL,
  user_verification      TEXT NOT NULL,
  default_action_outcome TEXT NOT NULL,
  default_passkey_action TEXT NOT NULL,
  token_ttl_seconds      INTEGER NOT NULL,
  challenge_ttl_seconds  INTEGER NOT NULL,
  created_at             INTEGER NOT NULL
);

CREATE TABLE tenant_keys (
  tenant_id  TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  position   INTEGER NOT NULL,
  key_hash   BLOB NOT NULL UNIQUE,   -- SHA-256 of the secret, the lookup index
  secret     TEXT NOT NULL,          -- needed as the HMAC key of tokens
  created_at INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, position)
);

CREATE TABLE users (
  tenant_id             TEXT NOT NULL,
  user_id               TEXT NOT NULL,
  email                 TEXT,
  email_verified        INTEGER NOT NULL DEFAULT 0,
  phone_number          TEXT,
  phone_number_verified INTEGER NOT NULL DEFAULT 0,
  username              TEXT,
  display_name          TEXT,
  custom_json           TEXT,
  locale                TEXT,
  user_handle           BLOB,
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL,
  PRIMARY KEY (tenant_id, user_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX users_handle ON users (tenant_id, user_handle) WHERE user_handle IS NOT NULL;
CREATE INDEX users_username ON users (tenant_id, username);
CREATE INDEX users_email ON users (tenant_id, email);

CREATE TABLE actions (
  id                           INTEGER PRIMARY KEY,
  tenant_id                    TEXT NOT NULL,
  user_id                      TEXT,
  action_code                  TEXT NOT NULL,
  idempotency_key              TEXT NOT NULL,
  state                        TEXT NOT NULL,
  state_updated_at             INTEGER NOT NULL,
  created_at                   INTEGER NOT NULL,
  updated_at                   INTEGER NOT NULL,
  verification_method          TEXT,
  verified_by_authenticator_id TEXT,
  ip_address                   TEXT,
  user_agent                   TEXT,
  device_id                    TEXT,
  custom_json                  TEXT,
  scope                        TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX actions_key ON actions (tenant_id, user_id, action_code, idempotency_key);
CREATE INDEX actions_user_created ON actions (tenant_id, user_id, created_at);

CREATE TABLE challenges (
  id              TEXT PRIMARY KEY,
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
CREATE INDEX challenges_value ON challenges (tenant_id, value);
CREATE INDEX challenges_expiry ON challenges (expires_at);
CREATE INDEX challenges_user ON challenges (tenant_id, user_id);

CREATE TABLE authenticators (
  id                      TEXT PRIMARY KEY,
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
CREATE UNIQUE INDEX authenticators_credential ON authenticators (tenant_id, credential_id);
CREATE INDEX authenticators_user ON authenticators (tenant_id, user_id, created_at);
