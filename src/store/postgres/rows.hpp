// Row mapping shared by the postgres_store translation units: column lists, readers, list
// encoding and the action completion used inside ceremony transactions. Private to store/postgres.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "signet/store/ports.hpp"
#include "signet/store/text_list.hpp"

#include "connection.hpp"

namespace signet::store::postgres {

/// Lists are stored as newline-separated text, as in SQLite.

constexpr std::string_view k_tenant_cols =
    "id, name, rp_id, rp_name, expected_origins, cors_origins, user_verification, default_action_outcome, "
    "default_passkey_action, token_ttl_seconds, challenge_ttl_seconds, created_at";

constexpr std::string_view k_user_cols =
    "tenant_id, user_id, email, email_verified, phone_number, phone_number_verified, username, display_name, "
    "custom_json, locale, user_handle, created_at, updated_at";

constexpr std::string_view k_action_cols =
    "tenant_id, user_id, action_code, idempotency_key, state, state_updated_at, created_at, updated_at, "
    "verification_method, verified_by_authenticator_id, ip_address, user_agent, device_id, custom_json, scope";

constexpr std::string_view k_auth_cols =
    "id, tenant_id, user_id, verification_method, credential_id, public_key, alg, sign_count, transports, aaguid, "
    "backup_eligible, backup_state, user_verified, authenticator_attachment, device_id, user_agent, username, "
    "display_name, payment_capable, instrument_display_name, created_at, verified_at, last_verified_at";

constexpr std::string_view k_challenge_cols =
    "id, tenant_id, type, value, user_id, action_code, idempotency_key, options_json, created_at, expires_at";

/// Concatenates SQL fragments (column lists into statements).
inline std::string sql_of(std::string_view a, std::string_view b = {}, std::string_view c = {}) {
  std::string s(a);
  s += b;
  s += c;
  return s;
}

tenant read_tenant(const result& r, int row);
user read_user(const result& r, int row);
/// The action whose columns (k_action_cols) start at column `first_col`.
action read_action(const result& r, int row, int first_col = 0);
authenticator read_authenticator(const result& r, int row);
challenge read_challenge(const result& r, int row);

/// Inserts an action inside the caller's transaction; false if (tenant, user, code, key) exists.
bool insert_action_on(connection& c, const action& a);

/// Completes an action inside the caller's transaction; a pending action (no user) is assigned the
/// completing user. Returns false if the action does not exist (or is no longer pending).
bool complete_action_on(connection& c, std::string_view tenant_id, const action_ref& ref,
                        const action_completion& done);

}  // namespace signet::store::postgres
