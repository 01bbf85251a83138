// The JSON snapshot kept in a challenge record's options_json: the serialized core ceremony plus
// the contract's extras (names, SPC, how the ceremony was started). Private to the service layer.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "signet/core/json_writer.hpp"

namespace signet::service::detail {

/// The string member `key` of a JSON object, or nullopt when absent or not a string.
inline std::optional<std::string> string_member(const boost::json::object& o, std::string_view key) {
  const auto* p = o.if_contains(key);
  if (p && p->is_string()) return std::string(p->as_string());
  return std::nullopt;
}

/// What a challenge keeps besides its columns. Written as version 2 (short keys, the ceremony as a
/// member object, nothing that has a default); version 1 (the ceremony as a string, long keys, the
/// names and the userVerification and attachment too, which nothing read) is still read, so
/// challenges stored before an upgrade stay usable until they expire.
///   {"v":2,"c":{ceremony}[,"spc":true][,"idn":instrument][,"b":true][,"am":amount][,"cu":currency]
///    [,"pn":payeeName][,"po":payeeOrigin]}
struct ceremony_record {
  std::string ceremony;                // written: core::*_ceremony::serialize()
  boost::json::object stored_ceremony;  // read: for core::*_ceremony::restore()
  bool spc = false;
  std::optional<std::string> instrument_display_name;
  bool bearer = false;  // started under a Bearer token (must finish under the same action)
  // SPC payment details of the action (authentication only)
  std::optional<std::string> amount, currency, payee_name, payee_origin;
};

inline std::string to_json(const ceremony_record& r) {
  std::string out;
  out.reserve(r.ceremony.size() + 64);
  core::json_writer w(out);
  w.begin_object().member("v", std::int64_t{2}).key("c").raw(r.ceremony);
  if (r.spc) w.member("spc", true);
  if (r.instrument_display_name) w.member("idn", *r.instrument_display_name);
  if (r.bearer) w.member("b", true);
  if (r.amount) w.member("am", *r.amount);
  if (r.currency) w.member("cu", *r.currency);
  if (r.payee_name) w.member("pn", *r.payee_name);
  if (r.payee_origin) w.member("po", *r.payee_origin);
  w.end_object();
  return out;
}

inline std::optional<ceremony_record> from_json(std::string_view text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  auto& o = v.as_object();
  const auto* ver = o.if_contains("v");
  const bool v2 = ver && ver->is_int64() && ver->get_int64() == 2;
  auto str = [&](const char* k2, const char* k1) { return string_member(o, v2 ? k2 : k1); };
  auto flag = [&](const char* k2, const char* k1) {
    const auto* p = o.if_contains(v2 ? k2 : k1);
    return p && p->is_bool() && p->as_bool();
  };
  ceremony_record r;
  if (v2) {
    auto* c = o.if_contains("c");
    if (!c || !c->is_object()) return std::nullopt;
    r.stored_ceremony = std::move(c->get_object());
  } else {
    auto c = string_member(o, "ceremony");
    if (!c) return std::nullopt;
    auto parsed = boost::json::parse(*c, ec);
    if (ec || !parsed.is_object()) return std::nullopt;
    r.stored_ceremony = std::move(parsed.get_object());
  }
  r.spc = flag("spc", "securePaymentConfirmation");
  r.instrument_display_name = str("idn", "instrumentDisplayName");
  r.bearer = flag("b", "bearer");
  r.amount = str("am", "amount");
  r.currency = str("cu", "currency");
  r.payee_name = str("pn", "payeeName");
  r.payee_origin = str("po", "payeeOrigin");
  return r;
}

}  // namespace signet::service::detail
