// Records the store ports read and write. Plain values; no behaviour, no backend types.
// Times are UTC system_clock instants (stored as milliseconds since the epoch).
// JSON-valued fields (custom attributes, option snapshots) are kept as JSON text so that the store
// layer does not depend on a JSON library.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "signet/core/bytes.hpp"

namespace signet::store {

using time_point = std::chrono::system_clock::time_point;

struct tenant {
  std::string id;    // public identifier (UUID)
  std::string name;
  std::string rp_id;
  std::string rp_name;
  std::vector<std::string> expected_origins;
  std::vector<std::string> cors_origins;
  std::vector<std::string> secret_keys;   // active Server API keys, oldest first; [0] signs tokens
  std::string user_verification = "preferred";       // "preferred" | "required"
  std::string default_action_outcome = "CHALLENGE";  // "ALLOW" | "CHALLENGE"
  std::string default_passkey_action = "signInWithPasskey";
  std::int64_t token_ttl_seconds = 600;
  std::int64_t challenge_ttl_seconds = 600;
  time_point created_at{};
};

struct user {
  std::string tenant_id;
  std::string user_id;
  std::optional<std::string> email;
  bool email_verified = false;
  std::optional<std::string> phone_number;
  bool phone_number_verified = false;
  std::optional<std::string> username;
  std::optional<std::string> display_name;
  std::optional<std::string> custom_json;  // JSON object text
  std::optional<std::string> locale;
  std::optional<core::user_handle> handle;  // WebAuthn user.id, created on first registration options
  time_point created_at{};
  time_point updated_at{};
};

/// A change to a user's attributes: unset members are left alone; a set member holding nullopt clears.
struct user_patch {
  std::optional<std::optional<std::string>> email;
  std::optional<bool> email_verified;
  std::optional<std::optional<std::string>> phone_number;
  std::optional<bool> phone_number_verified;
  std::optional<std::optional<std::string>> username;
  std::optional<std::optional<std::string>> display_name;
  std::optional<std::optional<std::string>> custom_json;
  std::optional<std::optional<std::string>> locale;
  /// When true, the string members above only fill empty values (track's "stored if empty" rule).
  bool only_if_empty = false;
};

struct action {
  std::string tenant_id;
  std::optional<std::string> user_id;  // null until a token-less sign-in resolves the user
  std::string action_code;
  std::string idempotency_key;
  std::string state;  // ALLOW, BLOCK, CHALLENGE_REQUIRED, CHALLENGE_FAILED, CHALLENGE_SUCCEEDED, REVIEW_*
  time_point state_updated_at{};
  time_point created_at{};
  time_point updated_at{};
  std::optional<std::string> verification_method;
  std::optional<std::string> verified_by_authenticator_id;
  std::optional<std::string> ip_address;
  std::optional<std::string> user_agent;
  std::optional<std::string> device_id;
  std::optional<std::string> custom_json;
  std::string scope;
};

/// A WebAuthn ceremony record. Created by begin_*, taken (deleted) by the first finish attempt.
struct challenge {
  std::string id;         // challengeId (UUID v4)
  std::string tenant_id;
  std::string type;       // action | passkey-registration | passkey-authentication | security-key-*
  core::bytes value;      // the 32 random challenge bytes (empty for `action` challenges)
  std::optional<std::string> user_id;
  std::optional<std::string> action_code;
  std::optional<std::string> idempotency_key;
  std::string options_json;  // snapshot of the resolved options (username, displayName, uv, spc, …)
  time_point created_at{};
  time_point expires_at{};
};

struct authenticator {
  std::string id;  // userAuthenticatorId (UUID v4)
  std::string tenant_id;
  std::string user_id;
  std::string verification_method;  // PASSKEY | SECURITY_KEY
  core::credential_id credential_id;
  core::bytes public_key_cose;
  std::int32_t alg = 0;
  std::uint32_t sign_count = 0;
  std::vector<std::string> transports;
  std::string aaguid;  // lowercase dashed UUID
  bool backup_eligible = false;
  bool backup_state = false;
  bool user_verified = false;
  std::optional<std::string> authenticator_attachment;
  std::optional<std::string> device_id;
  std::optional<std::string> user_agent;
  std::optional<std::string> username;
  std::optional<std::string> display_name;
  bool payment_capable = false;
  std::optional<std::string> instrument_display_name;
  time_point created_at{};
  time_point verified_at{};
  std::optional<time_point> last_verified_at;
};

/// What an exclude or allow list needs of one of a user's authenticators (C1, C3).
struct credential_ref {
  std::string verification_method;  // PASSKEY | SECURITY_KEY
  core::credential_id credential_id;
  std::vector<std::string> transports;
  bool payment_capable = false;
  std::optional<std::string> instrument_display_name;
};

}  // namespace signet::store
