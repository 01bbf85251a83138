// clientDataJSON (WebAuthn L3 §5.8.1) parsing and the checks of §7.1 steps 7-11 / §7.2 steps 11-15.
#pragma once

#include <boost/system/result.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "signet/core/bytes.hpp"
#include "signet/core/policy.hpp"

namespace signet::core {

/// CollectedClientPaymentData.payment of Secure Payment Confirmation (type "payment.get").
struct client_payment_data {
  std::string rp_id;
  std::string top_origin;
  std::optional<std::string> payee_name;
  std::optional<std::string> payee_origin;
  std::string total_value;
  std::string total_currency;
  std::optional<std::string> instrument_display_name;
};

struct client_data {
  std::string type;       // "webauthn.create" / "webauthn.get" / "payment.get"
  std::string challenge;  // base64url as sent (compared as a string)
  std::string origin;
  bool cross_origin = false;
  std::optional<std::string> top_origin;
  std::optional<client_payment_data> payment;  // present exactly when type is "payment.get"
};

/// What a Secure Payment Confirmation assertion must carry (SPC §"Verifying an authentication
/// assertion"): the RP, the transaction the payment was started for, and the merchants allowed.
struct payment_expectations {
  std::string_view amount;    // payment.total.value, compared as a string ("42.00")
  std::string_view currency;  // payment.total.currency (ISO 4217)
  std::optional<std::string_view> payee_name;
  std::optional<std::string_view> payee_origin;
  /// Merchant origins allowed as payment.topOrigin (empty = any merchant).
  std::span<const std::string> top_origins;
};

/// The SPC checks: payment present, payment.rpId == expected_rp_id, total value and currency equal, payee name
/// and origin equal when expected, topOrigin among `top_origins` when that list is not empty.
/// errc::client_data_payment_mismatch on any difference.
boost::system::result<void> check_client_payment(const client_data& c, std::string_view expected_rp_id,
                                                 const payment_expectations& e);

/// Parses clientDataJSON (UTF-8 JSON object; size <= limits::client_data_max). Requires type,
/// challenge and origin as strings; crossOrigin, when present, a boolean; topOrigin a string.
/// Unknown members are ignored (§5.8.1.2 limited verification: members may be added).
/// errc::client_data_malformed on any violation. Pure; thread-safe; no partial result.
boost::system::result<client_data> parse_client_data(byte_view json);

/// What the relying party expects of one ceremony's client data.
struct client_data_expectations {
  std::string_view type;                    // "webauthn.create" or "webauthn.get"
  std::string_view challenge;               // base64url(challenge bytes) or the literal string
  std::span<const std::string> origins;     // acceptable origins (exact, unless policy loosens)
  const core::policy* policy = nullptr;     // must be set
};

/// The checks, in spec order: type (client_data_type_mismatch), challenge (client_data_challenge_mismatch,
/// constant-time), origin (client_data_origin_mismatch), crossOrigin (client_data_cross_origin_not_allowed),
/// topOrigin (client_data_cross_origin_not_allowed / client_data_top_origin_mismatch).
boost::system::result<void> check_client_data(const client_data& c, const client_data_expectations& e);

/// The individual checks check_client_data runs, one per spec step (§7.1 steps 7-11, §7.2 11-15).
boost::system::result<void> check_client_type(const client_data& c, std::string_view expected_type);
boost::system::result<void> check_client_challenge(const client_data& c, std::string_view expected_challenge);
boost::system::result<void> check_client_origin(const client_data& c, std::span<const std::string> origins,
                                                const policy& pol);
boost::system::result<void> check_client_cross_origin(const client_data& c, const policy& pol);
boost::system::result<void> check_client_top_origin(const client_data& c, const policy& pol);

/// True when `actual` is acceptable for `expected` under the policy's origin loosening
/// (allow_subdomain_origins, allow_any_port). Exact string match otherwise.
bool origin_matches(std::string_view actual, std::string_view expected, const policy& pol);

}  // namespace signet::core
