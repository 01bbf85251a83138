// Checks shared by the ceremony endpoints: request shape, challenge binding, error logging.
// Private to the service layer.
#pragma once

#include <boost/system/error_code.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "signet/core/ceremony.hpp"
#include "signet/service/access.hpp"
#include "signet/service/errors.hpp"
#include "signet/store/ports.hpp"

namespace signet::service::detail {

inline constexpr std::string_view type_action = "action";
inline constexpr std::string_view type_passkey_registration = "passkey-registration";
inline constexpr std::string_view type_passkey_authentication = "passkey-authentication";
inline constexpr std::string_view type_security_key_registration = "security-key-registration";
inline constexpr std::string_view type_security_key_authentication = "security-key-authentication";

core::user_verification_requirement uv_requirement(std::string_view s) noexcept;

struct credential_shape {
  std::string id;
  std::string raw_id;
  std::string type;
  std::string challenge;  // clientDataJSON.challenge when readable, else empty
};

/// §6.2 / §6.4 step 4: `type` is "public-key" and `id` equals `rawId`. Error: invalid_credential.
result<void> check_credential_identity(const credential_shape& s, std::string_view ceremony_kind,
                                       std::string_view ceremony_id);

/// §6.2 step 2: an object with string id, rawId, type, response.clientDataJSON and
/// response.attestationObject. Error: invalid_request.
result<credential_shape> check_registration_shape(std::string_view json_text);
/// §6.4 step 2: string id, rawId, type, response.clientDataJSON, .authenticatorData, .signature.
result<credential_shape> check_authentication_shape(std::string_view json_text);

/// The contract's error (§4.2, invalid_request) for a challenge that is unknown, expired, already
/// used, or of another tenant, user, action or ceremony.
error challenge_unusable();

/// An extra check of a challenge of the right type before it is consumed: an error refuses it.
using challenge_check = std::function<std::optional<error>(const store::challenge&)>;

/// Takes (consumes) the challenge named by `challenge_id`, or, when absent, the one whose bytes are
/// `client_challenge` (base64url from clientDataJSON). Before consuming it checks that it exists in
/// the tenant, is unexpired and of `type`, passes `accept` (whose error is returned), and, when
/// `bearer` is given, belongs to its user and action; with `challenge_id` the checks and the take are
/// one store transaction and a refused challenge stays unconsumed. Error: invalid_request.
result<store::challenge> take_bound_challenge(store::challenge_store& challenges, std::string_view tenant_id,
                                              std::string_view type, const std::optional<std::string>& challenge_id,
                                              std::string_view client_challenge, const bearer_context* bearer,
                                              time_point now, const challenge_check& accept = {});

/// Consumes, when destroyed, a challenge that was checked (peek_bound_challenge) but not yet
/// consumed, unless committed() says the caller's final write consumed it: every way out of a
/// ceremony after the check (an error, an exception) uses the challenge up, as a take would have.
class consume_unless_committed {
 public:
  consume_unless_committed(store::challenge_store& challenges, std::string tenant_id, std::string challenge_id,
                           time_point now)
      : challenges_(challenges), tenant_id_(std::move(tenant_id)), id_(std::move(challenge_id)), now_(now) {}
  consume_unless_committed(const consume_unless_committed&) = delete;
  consume_unless_committed& operator=(const consume_unless_committed&) = delete;
  ~consume_unless_committed();
  void committed() noexcept { id_.clear(); }
  /// True when the challenge it watches is no longer there (a concurrent attempt consumed it):
  /// the caller then answers challenge_unusable(), as if it had lost a take.
  bool gone() const;

 private:
  store::challenge_store& challenges_;
  std::string tenant_id_;
  std::string id_;  // empty: nothing to do
  time_point now_;
};

/// The same checks as take_bound_challenge for `challenge_id`, without consuming it: for a caller
/// that consumes it later in its own final write (or, when it fails, with a take), so that a
/// successful ceremony commits once. Error: as take_bound_challenge.
result<store::challenge> peek_bound_challenge(store::challenge_store& challenges, std::string_view tenant_id,
                                              std::string_view type, std::string_view challenge_id,
                                              const bearer_context* bearer, time_point now,
                                              const challenge_check& accept = {});

/// What C2 and C4 do: with `challenge_id`, peek_bound_challenge (the caller consumes it in its final
/// write, watched by a consume_unless_committed); without, take_bound_challenge by the bytes.
result<store::challenge> check_or_take_challenge(store::challenge_store& challenges, std::string_view tenant_id,
                                                 std::string_view type, const std::optional<std::string>& challenge_id,
                                                 std::string_view client_challenge, const bearer_context* bearer,
                                                 time_point now, const challenge_check& accept = {});

/// Logs a rejected ceremony (code and ceremony id; nothing secret) and returns invalid_credential.
error credential_error(std::string_view ceremony_kind, std::string_view ceremony_id, boost::system::error_code ec);

}  // namespace signet::service::detail
