-- 001: tenants, keys, users, actions, challenges, authenticators (same meaning as SQLite's 001).
-- Times are milliseconds since the Unix epoch (UTC) in BIGINT. Lists are newline-separated text.
-- Identifiers use COLLATE "C" so that ordering and `>` pagination are byte order, as in SQLite,
-- whatever the database's default collation is.
CREATE TABLE tenants (
  id                     TEXT COLLATE "C" PRIMARY KEY,
  name                   TEXT NOT NULL,
  rp_id                  TEXT NOT NULL,
  rp_name                TEXT NOT NULL,
  expected_origins       TEXT NOT NULL,
  cors_origins           TEXT NOT NULL,
  user_verification      TEXT NOT NULL,
  default_action_outcome TEXT NOT NULL,
  default_passkey_action TEXT NOT NULL,
  token_ttl_seconds      BIGINT NOT NULL,
  challenge_ttl_seconds  BIGINT NOT NULL,
  created_at             BIGINT NOT NULL
);

CREATE TABLE tenant_keys (
  tenant_id  TEXT COLLATE "C" NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  position   BIGINT NOT NULL,
  key_hash   BYTEA NOT NULL UNIQUE,  -- SHA-256 of the secret, the lookup index
  secret     TEXT NOT NULL,          -- needed as the HMAC key of tokens
  created_at BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, position)
);

CREATE TABLE users (
  tenant_id             TEXT COLLATE "C" NOT NULL,
  user_id               TEXT COLLATE "C" NOT NULL,
  email                 TEXT,
  email_verified        BOOLEAN NOT NULL DEFAULT FALSE,
  phone_number          TEXT,
  phone_number_verified BOOLEAN NOT NULL DEFAULT FALSE,
  username              TEXT,
  display_name          TEXT,
  custom_json           TEXT,
  locale                TEXT,
  user_handle           BYTEA,
  created_at            BIGINT NOT NULL,
  updated_at            BIGINT NOT NULL,
  PRIMARY KEY (tenant_id, user_id)
);
CREATE UNIQUE INDEX users_handle ON users (tenant_id, user_handle) WHERE user_handle IS NOT NULL;
CREATE INDEX users_username ON users (tenant_id, username);
CREATE INDEX users_email ON users (tenant_id, email);

CREATE TABLE actions (
  id                           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id                    TEXT COLLATE "C" NOT NULL,
  user_id                      TEXT COLLATE "C",
  action_code                  TEXT NOT NULL,
  idempotency_key              TEXT NOT NULL,
  state                        TEXT NOT NULL,
  state_updated_at             BIGINT NOT NULL,
  created_at                   BIGINT NOT NULL,
  updated_at                   BIGINT NOT NULL,
  verification_method          TEXT,
  verified_by_authenticator_id TEXT,
  ip_address                   TEXT,
  user_agent                   TEXT,
  device_id                    TEXT,
  custom_json                  TEXT,
  scope                        TEXT NOT NULL DEFAULT ''
);
-- NULL user ids (pending actions) are distinct here, as in SQLite's index of the same name.
CREATE UNIQUE INDEX actions_key ON actions (tenant_id, user_id, action_code, idempotency_key);
CREATE INDEX actions_user_created ON actions (tenant_id, user_id, created_at);

CREATE TABLE challenges (
  id              TEXT COLLATE "C" PRIMARY KEY,
  tenant_id       TEXT COLLATE "C" NOT NULL,
  type            TEXT NOT NULL,
  value           BYTEA NOT NULL,
  user_id         TEXT COLLATE "C",
  action_code     TEXT,
  idempotency_key TEXT,
  options_json    TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  expires_at      BIGINT NOT NULL
);
CREATE INDEX challenges_value ON challenges (tenant_id, value);
CREATE INDEX challenges_expiry ON challenges (expires_at);
CREATE INDEX challenges_user ON challenges (tenant_id, user_id);

CREATE TABLE authenticators (
  id                       TEXT COLLATE "C" PRIMARY KEY,
  tenant_id                TEXT COLLATE "C" NOT NULL,
  user_id                  TEXT COLLATE "C" NOT NULL,
  verification_method      TEXT NOT NULL,
  credential_id            BYTEA NOT NULL,
  public_key               BYTEA NOT NULL,
  alg                      BIGINT NOT NULL,
  sign_count               BIGINT NOT NULL,
  transports               TEXT NOT NULL,
  aaguid                   TEXT NOT NULL,
  backup_eligible          BOOLEAN NOT NULL,
  backup_state             BOOLEAN NOT NULL,
  user_verified            BOOLEAN NOT NULL,
  authenticator_attachment TEXT,
  device_id                TEXT,
  user_agent               TEXT,
  username                 TEXT,
  display_name             TEXT,
  payment_capable          BOOLEAN NOT NULL DEFAULT FALSE,
  instrument_display_name  TEXT,
  created_at               BIGINT NOT NULL,
  verified_at              BIGINT NOT NULL,
  last_verified_at         BIGINT
);
CREATE UNIQUE INDEX authenticators_credential ON authenticators (tenant_id, credential_id);
CREATE INDEX authenticators_user ON authenticators (tenant_id, user_id, created_at);
