// Passkey ceremonies of the Client API (contract §6, §10): registration options (C1), add passkey
// (C2), authentication options (C3), verify passkey (C4), action challenge (C5), lookup (C6) and
// the user's authenticators (C7). Ceremony state is created by core::begin_* and stored server-side
// in a single-use challenge record; finish runs core::finish_* on the record it took atomically.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "signet/core/bytes.hpp"
#include "signet/core/policy.hpp"
#include "signet/service/access.hpp"
#include "signet/service/env.hpp"
#include "signet/service/errors.hpp"
#include "signet/service/key_cache.hpp"
#include "signet/service/token_issuer.hpp"
#include "signet/store/ports.hpp"

namespace signet::service {

/// C1 request, already type-checked by the api layer.
struct registration_options_request {
  std::optional<std::string> username;
  std::optional<std::string> display_name;
  bool secure_payment_confirmation = false;
  std::optional<std::string> instrument_display_name;
  std::optional<std::string> authenticator_attachment;  // "platform" | "cross-platform"
};

struct credential_descriptor {
  core::credential_id id;
  std::vector<std::string> transports;
};

/// PublicKeyCredentialCreationOptions, before JSON encoding (api/dto does that).
struct creation_options {
  std::string challenge_id;
  core::challenge challenge;
  std::string rp_id;
  std::string rp_name;
  core::user_handle user_id;
  std::string user_name;
  std::string user_display_name;
  std::vector<std::int32_t> algorithms;
  std::uint32_t timeout_ms = 300000;
  std::string attestation = "none";
  std::vector<credential_descriptor> exclude_credentials;
  std::string resident_key = "required";
  bool require_resident_key = true;
  std::string user_verification = "preferred";
  std::optional<std::string> authenticator_attachment;
  bool cred_props = true;
  bool payment = false;  // extensions.payment = {isPayment: true}
};

/// Meta data of the HTTP request that the records keep.
struct request_meta {
  std::optional<std::string> user_agent;
  std::optional<std::string> ip_address;
};

/// C2 / C9 request. `credential_json` is the RegistrationResponseJSON object as JSON text.
struct add_passkey_request {
  std::string credential_json;
  std::optional<std::string> challenge_id;
  bool conditional_create = false;
  std::optional<std::string> device_id;
};

struct add_passkey_result {
  std::string access_token;
  store::authenticator authenticator;
  bool is_default = false;
};

/// C3 request.
struct authentication_options_request {
  std::optional<std::string> challenge_id;
  std::optional<std::string> username;
  bool secure_payment_confirmation = false;
};

struct payment_details {
  std::optional<std::string> amount;
  std::optional<std::string> currency;
  std::optional<std::string> payee_name;
  std::optional<std::string> payee_origin;
};

/// PublicKeyCredentialRequestOptions, before JSON encoding.
struct request_options {
  std::string challenge_id;
  core::challenge challenge;
  std::string rp_id;
  std::uint32_t timeout_ms = 300000;
  std::string user_verification = "preferred";
  std::vector<credential_descriptor> allow_credentials;
  // SPC (§10.2)
  bool spc = false;
  std::vector<std::pair<core::credential_id, std::string>> payment_instruments;  // id, display name
  std::optional<payment_details> payment;
};

/// C4 / C11 request. `credential_json` is the AuthenticationResponseJSON object as JSON text.
struct verify_passkey_request {
  std::string credential_json;
  std::optional<std::string> challenge_id;
  std::optional<std::string> device_id;
};

struct verify_passkey_result {
  std::string access_token;
  std::string user_id;
  std::string authenticator_id;
  std::optional<std::string> username;
  std::optional<std::string> display_name;
};

inline constexpr std::size_t user_handle_size = 32;
inline constexpr std::size_t challenge_size = 32;

class passkey_service {
 public:
  passkey_service(store::stores stores, const token_issuer& tokens, const clock& clk, random_source& rng);

  /// Enrolment gate (§3.3): a user who already has an authenticator needs add:authenticators.
  /// Error: insufficient_scope.
  result<void> check_enrolment_gate(const bearer_context& ctx);

  /// C1 (and C8 with `security_key`): resolves names, ensures the user handle, stores a single-use
  /// registration challenge bound to tenant, user and action, returns the options. Thread-safe.
  result<creation_options> registration_options(const bearer_context& ctx, const registration_options_request& req,
                                                bool security_key = false);
  /// C2 (and C9). Errors: invalid_request (shape, challenge), invalid_credential (verification, duplicate id).
  result<add_passkey_result> add_passkey(const bearer_context& ctx, const add_passkey_request& req,
                                         const request_meta& meta, bool security_key = false);
  /// C3 (and C10). Errors: invalid_request (challengeId), not_found (SPC without payment credential).
  result<request_options> authentication_options(const client_principal& who, const authentication_options_request& req,
                                                 bool security_key = false);
  /// C4 (and C11). Errors: invalid_request, invalid_credential, unknown_credential.
  result<verify_passkey_result> verify_passkey(const client_principal& who, const verify_passkey_request& req,
                                               const request_meta& meta, bool security_key = false);
  /// C5: a pending action and an `action` challenge for it; returns the challengeId.
  result<std::string> action_challenge(const client_principal& who, const std::optional<std::string>& action_code,
                                       const std::optional<std::string>& idempotency_key);
  /// C6: the first of `ids` registered as a passkey in the tenant. Error: not_found.
  result<store::authenticator> find_passkey(const store::tenant& tenant, const std::vector<core::credential_id>& ids);
  /// C7 / §8.6: the user's verified authenticators, oldest first.
  std::vector<store::authenticator> authenticators(const store::tenant& tenant, std::string_view user_id);

 private:
  store::stores stores_;
  const token_issuer& tokens_;
  const clock& clock_;
  random_source& rng_;
  public_key_cache keys_;  // credential public keys imported for C4, by exact COSE bytes
};

/// username inference (§6.1): request, stored username, email, phone number, user id.
std::string resolve_username(const store::user& u, const std::optional<std::string>& requested);
/// displayName inference (§6.1, Q3): request, stored displayName, the resolved username.
std::string resolve_display_name(const store::user& u, const std::optional<std::string>& requested,
                                 const std::string& username);

}  // namespace signet::service
