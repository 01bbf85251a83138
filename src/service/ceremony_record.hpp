// The JSON snapshot kept in a challenge record's options_json: the serialized core ceremony plus
// the contract's extras (names, SPC, how the ceremony was started). Private to the service layer.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "signet/core/json_arena.hpp"

namespace signet::service::detail {

/// The string member `key` of a JSON object, or nullopt when absent or not a string.
inline std::optional<std::string> string_member(const boost::json::object& o, std::string_view key) {
  const auto* p = o.if_contains(key);
  if (p && p->is_string()) return std::string(p->as_string());
  return std::nullopt;
}

struct ceremony_record {
  std::string ceremony;  // core::*_ceremony::serialize()
  std::string username;
  std::string display_name;
  std::string user_verification = "preferred";
  std::optional<std::string> attachment;
  bool spc = false;
  std::optional<std::string> instrument_display_name;
  bool bearer = false;  // started under a Bearer token (must finish under the same action)
  // SPC payment details of the action (authentication only)
  std::optional<std::string> amount, currency, payee_name, payee_origin;
};

inline std::string to_json(const ceremony_record& r) {
  core::json_arena<2048> arena;  // only the serialised string leaves
  boost::json::object o{arena.storage()};
  o["ceremony"] = r.ceremony;
  o["username"] = r.username;
  o["displayName"] = r.display_name;
  o["userVerification"] = r.user_verification;
  if (r.attachment) o["authenticatorAttachment"] = *r.attachment;
  o["securePaymentConfirmation"] = r.spc;
  if (r.instrument_display_name) o["instrumentDisplayName"] = *r.instrument_display_name;
  o["bearer"] = r.bearer;
  if (r.amount) o["amount"] = *r.amount;
  if (r.currency) o["currency"] = *r.currency;
  if (r.payee_name) o["payeeName"] = *r.payee_name;
  if (r.payee_origin) o["payeeOrigin"] = *r.payee_origin;
  return boost::json::serialize(o);
}

inline std::optional<ceremony_record> from_json(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.as_object();
  auto str = [&](const char* k) { return string_member(o, k); };
  auto flag = [&](const char* k) {
    const auto* p = o.if_contains(k);
    return p && p->is_bool() && p->as_bool();
  };
  ceremony_record r;
  auto c = str("ceremony");
  if (!c) return std::nullopt;
  r.ceremony = std::move(*c);
  r.username = str("username").value_or("");
  r.display_name = str("displayName").value_or("");
  r.user_verification = str("userVerification").value_or("preferred");
  r.attachment = str("authenticatorAttachment");
  r.spc = flag("securePaymentConfirmation");
  r.instrument_display_name = str("instrumentDisplayName");
  r.bearer = flag("bearer");
  r.amount = str("amount");
  r.currency = str("currency");
  r.payee_name = str("payeeName");
  r.payee_origin = str("payeeOrigin");
  return r;
}

}  // namespace signet::service::detail
