// Passkey ceremonies of the Client API. This issue: registration options (contract §6.1, §10.1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "signet/core/bytes.hpp"
#include "signet/service/access.hpp"
#include "signet/service/env.hpp"
#include "signet/service/errors.hpp"
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

inline constexpr std::size_t user_handle_size = 32;
inline constexpr std::size_t challenge_size = 32;

class passkey_service {
 public:
  passkey_service(store::stores stores, const clock& clk, random_source& rng);

  /// Enrolment gate (§3.3): a user who already has an authenticator needs add:authenticators.
  /// Error: insufficient_scope.
  result<void> check_enrolment_gate(const bearer_context& ctx);

  /// C1: resolves names, ensures the user handle, stores a single-use passkey-registration challenge
  /// bound to tenant, user and action, and returns the options. Thread-safe.
  result<creation_options> registration_options(const bearer_context& ctx, const registration_options_request& req);

 private:
  store::stores stores_;
  const clock& clock_;
  random_source& rng_;
};

/// username inference (§6.1): request, stored username, email, phone number, user id.
std::string resolve_username(const store::user& u, const std::optional<std::string>& requested);
/// displayName inference (§6.1, Q3): request, stored displayName, the resolved username.
std::string resolve_display_name(const store::user& u, const std::optional<std::string>& requested,
                                 const std::string& username);

}  // namespace signet::service
