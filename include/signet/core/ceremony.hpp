// Ceremony entry points: begin_registration, finish_registration, begin_authentication,
// finish_authentication, each taking one options struct. Core does no I/O and reads no clock or
// global RNG: time and random bytes are passed in; failures are returned as errc.
//
// OWNED BY the core helper: refine freely, but keep the four entry points and one options struct each.
#pragma once

#include <boost/system/result.hpp>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace boost::json {
class object;
}

#include "signet/core/attestation.hpp"
#include "signet/core/authenticator_data.hpp"
#include "signet/core/client_data.hpp"
#include "signet/core/bytes.hpp"
#include "signet/core/cose.hpp"
#include "signet/core/errc.hpp"
#include "signet/core/policy.hpp"

namespace signet::core {

/// A RegistrationResponseJSON / AuthenticationResponseJSON decoded from the wire (base64url fields).
struct registration_response {
  std::string id;
  credential_id raw_id;
  bytes client_data_json;
  bytes attestation_object;
  std::vector<std::string> transports;
  std::optional<std::string> authenticator_attachment;
  bool cred_props_rk_known = false;
  bool cred_props_rk = false;
  bool appid_extension = false;  // clientExtensionResults.appid
};

struct authentication_response {
  std::string id;
  credential_id raw_id;
  bytes client_data_json;
  bytes authenticator_data;
  bytes signature;
  std::optional<core::user_handle> user_handle;
  std::optional<std::string> authenticator_attachment;
  bool appid_extension = false;
};

/// Parse the browser JSON text (strict: required members present and typed, base64url valid).
boost::system::result<registration_response> parse_registration_response_json(std::string_view json);
boost::system::result<authentication_response> parse_authentication_response_json(std::string_view json);



// ---------------------------------------------------------------------------------------------
// Expectations: what a ceremony checks, as plain values. finish_* builds these from the stored
// ceremony; the conformance harness (`signet verify`) builds them from a vector file. Service code
// must go through begin_*/finish_* (single use, expiry), never through verify_* directly.
// ---------------------------------------------------------------------------------------------

struct registration_expectations {
  std::string_view challenge;               // exactly as it must appear in clientDataJSON.challenge
  std::span<const std::string> origins;     // acceptable origins
  std::string_view rp_id;
  bool require_user_verification = true;
  bool require_user_presence = true;        // false only for conditional create (§7.1 step 15)
  std::span<const std::int32_t> algorithms; // pubKeyCredParams; empty = policy.allowed_algorithms or all supported
  const core::policy* policy = nullptr;     // must be set
  const trust_source* trust = nullptr;      // nullptr: chains are not anchored
  std::chrono::system_clock::time_point now;
};

/// What a successful registration yields; the service stores it as the credential record.
struct registration_result {
  credential_id id;
  bytes public_key_cose;       // COSE_Key as sent
  std::int32_t alg = 0;
  std::uint32_t sign_count = 0;
  core::aaguid aaguid;
  std::string fmt;
  attestation_type attestation = attestation_type::none;
  bool attestation_trusted = false;
  std::vector<bytes> x5c;
  bool user_verified = false;
  bool backup_eligible = false;
  bool backed_up = false;
  std::vector<std::string> transports;
};

/// Runs WebAuthn L3 §7.1 steps 5-26 on a parsed response. Errors: client_data_*, cbor_*, auth_data_*,
/// cose_*, attestation_*, policy_*. Pure; thread-safe; never throws on input.
boost::system::result<registration_result> verify_registration(const registration_response& response,
                                                               const registration_expectations& expected);

/// The server-side record of a registered credential, as the store returns it.
struct stored_credential {
  credential_id id;
  bytes public_key_cose;
  std::uint32_t sign_count = 0;
  core::user_handle user;           // owner
  std::optional<bool> backup_eligible;  // as registered; nullopt when unknown (legacy records)
};

struct authentication_expectations {
  std::string_view challenge;
  std::span<const std::string> origins;
  std::string_view rp_id;
  bool require_user_verification = true;
  std::span<const credential_id> allow_credentials;  // empty: any credential of the user (discoverable)
  const core::user_handle* identified_user = nullptr; // user known before the ceremony, or nullptr
  const stored_credential* credential = nullptr;       // looked up by response.raw_id; must be set
  const core::policy* policy = nullptr;                // must be set
  /// Secure Payment Confirmation: when set, the client data must be "payment.get" carrying this
  /// transaction; the origin is then a merchant's (checked through payment.topOrigin, not `origins`).
  const payment_expectations* payment = nullptr;
};

struct authentication_result {
  credential_id id;
  std::uint32_t sign_count = 0;        // the new value to store
  bool user_verified = false;
  bool backup_eligible = false;
  bool backed_up = false;
  /// §7.2 step 24: the counter did not increase although one side is non-zero (possible clone).
  /// Only ever true when policy.allow_sign_count_not_increased; otherwise that is an error.
  bool sign_count_not_increased = false;
  bool used_appid = false;             // rpIdHash matched the FIDO AppID (U2F credential)
};

/// Runs WebAuthn L3 §7.2 steps 5-24. Errors: ceremony_* (credential/user mismatch, counter),
/// client_data_*, auth_data_*, cose_*, signature_invalid, policy_*. Pure; thread-safe.
boost::system::result<authentication_result> verify_authentication(const authentication_response& response,
                                                                   const authentication_expectations& expected);

// ---------------------------------------------------------------------------------------------
// Ceremonies: begin_* creates the only state a finish_* accepts.
// ---------------------------------------------------------------------------------------------

enum class user_verification_requirement { required, preferred, discouraged };
std::string_view to_string(user_verification_requirement u) noexcept;

struct user_entity {
  core::user_handle id;       // 1..64 random bytes, never PII (§5.4.3)
  std::string name;
  std::string display_name;
};

struct begin_registration_options {
  core::rp_id rp_id;
  std::string rp_name;
  user_entity user;
  core::challenge challenge;                  // >= 16 random bytes from the caller's CSPRNG (§13.4.3)
  std::chrono::system_clock::time_point now;  // caller's clock
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  user_verification_requirement user_verification = user_verification_requirement::required;
  std::string resident_key = "preferred";     // "discouraged" | "preferred" | "required"
  std::string attestation = "none";           // conveyance: "none" | "indirect" | "direct" | "enterprise"
  std::vector<std::int32_t> algorithms;       // empty = policy.allowed_algorithms or all supported
  std::vector<credential_id> exclude_credentials;
  const core::policy* policy = nullptr;       // optional; for the algorithm default
  /// Conditional create (mediation "conditional", passkey upgrade): UP may be clear (§7.1 step 15).
  bool conditional = false;
};

/// Registration ceremony state: created only by begin_registration, stored server-side only,
/// consumed once by finish_registration. Immutable; safe to share between threads.
class registration_ceremony {
 public:
  const core::challenge& challenge() const noexcept { return challenge_; }
  const core::rp_id& rp_id() const noexcept { return rp_id_; }
  const user_entity& user() const noexcept { return user_; }
  std::chrono::system_clock::time_point expires_at() const noexcept { return expires_at_; }
  user_verification_requirement user_verification() const noexcept { return uv_; }
  const std::vector<std::int32_t>& algorithms() const noexcept { return algorithms_; }
  bool conditional() const noexcept { return conditional_; }
  /// PublicKeyCredentialCreationOptionsJSON (WebAuthn L3 §5.1.10) for the browser, built on demand.
  /// Only for a ceremony from begin_registration: a restored ceremony keeps just what verification
  /// needs (not the rp name, timeout, exclude list, resident key or attestation preference).
  std::string options_json() const;
  /// Opaque text for the ceremony store, and back. restore() accepts only what serialize() wrote
  /// (errc::ceremony_options_invalid otherwise); it exists so a stored ceremony can be reloaded.
  /// The text holds what finish_registration needs, not the browser options (kept small: it is
  /// written to the store on every C1).
  std::string serialize() const;
  static boost::system::result<registration_ceremony> restore(std::string_view text);
  /// The same, from the text already parsed (a record that holds it as a member).
  static boost::system::result<registration_ceremony> restore(const boost::json::object& parsed);

 private:
  registration_ceremony() = default;
  friend boost::system::result<registration_ceremony> begin_registration(const begin_registration_options&);
  core::challenge challenge_;
  core::rp_id rp_id_;
  user_entity user_;
  std::chrono::system_clock::time_point expires_at_;
  user_verification_requirement uv_ = user_verification_requirement::required;
  std::vector<std::int32_t> algorithms_;
  bool conditional_ = false;
  // Presentation only (options_json); not serialized.
  std::string rp_name_;
  std::chrono::milliseconds timeout_{0};
  std::string resident_key_;
  std::string attestation_;
  std::vector<credential_id> exclude_;
};

/// errc::ceremony_options_invalid for a challenge under 16 bytes, an empty or > 64-byte user id,
/// an empty rp id or an unsupported algorithm. Pure; thread-safe.
boost::system::result<registration_ceremony> begin_registration(const begin_registration_options& options);

struct finish_registration_options {
  const registration_ceremony* ceremony = nullptr;  // taken (atomically) from the store by the caller
  const registration_response* response = nullptr;
  std::span<const std::string> origins;
  const core::policy* policy = nullptr;
  const trust_source* trust = nullptr;
  std::chrono::system_clock::time_point now;
};

/// Checks expiry (errc::ceremony_expired), then verify_registration with the ceremony's values.
/// The caller must still check that the credential id is not registered yet (§7.1 step 27).
boost::system::result<registration_result> finish_registration(const finish_registration_options& options);

struct begin_authentication_options {
  core::rp_id rp_id;
  core::challenge challenge;                  // >= 16 random bytes
  std::chrono::system_clock::time_point now;
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  user_verification_requirement user_verification = user_verification_requirement::required;
  std::optional<core::user_handle> user;       // identified user, or nullopt for discoverable login
  /// The identified user's credentials. For an unknown user the caller passes plausible fake ids
  /// (derived from a server secret) so the options do not reveal whether the account exists.
  std::vector<credential_id> allow_credentials;
};

class authentication_ceremony {
 public:
  const core::challenge& challenge() const noexcept { return challenge_; }
  const core::rp_id& rp_id() const noexcept { return rp_id_; }
  const std::optional<core::user_handle>& user() const noexcept { return user_; }
  const std::vector<credential_id>& allow_credentials() const noexcept { return allow_; }
  std::chrono::system_clock::time_point expires_at() const noexcept { return expires_at_; }
  user_verification_requirement user_verification() const noexcept { return uv_; }
  /// PublicKeyCredentialRequestOptionsJSON (WebAuthn L3 §5.5.4) for the browser, built on demand
  /// (the timeout is known only to a ceremony from begin_authentication).
  std::string options_json() const;
  std::string serialize() const;
  static boost::system::result<authentication_ceremony> restore(std::string_view text);
  static boost::system::result<authentication_ceremony> restore(const boost::json::object& parsed);

 private:
  authentication_ceremony() = default;
  friend boost::system::result<authentication_ceremony> begin_authentication(const begin_authentication_options&);
  core::challenge challenge_;
  core::rp_id rp_id_;
  std::optional<core::user_handle> user_;
  std::vector<credential_id> allow_;
  std::chrono::system_clock::time_point expires_at_;
  user_verification_requirement uv_ = user_verification_requirement::required;
  std::chrono::milliseconds timeout_{0};  // presentation only; not serialized
};

boost::system::result<authentication_ceremony> begin_authentication(const begin_authentication_options& options);

struct finish_authentication_options {
  const authentication_ceremony* ceremony = nullptr;
  const authentication_response* response = nullptr;
  const stored_credential* credential = nullptr;  // looked up by response->raw_id
  std::span<const std::string> origins;
  const core::policy* policy = nullptr;
  std::chrono::system_clock::time_point now;
  const payment_expectations* payment = nullptr;  // SPC assertion ("payment.get"), see authentication_expectations
};

/// Checks expiry, then verify_authentication with the ceremony's values. The caller writes back
/// sign_count / backed_up / user_verified (compare-and-set) on success.
boost::system::result<authentication_result> finish_authentication(const finish_authentication_options& options);

}  // namespace signet::core
