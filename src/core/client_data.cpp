// clientDataJSON parsing and checks (WebAuthn L3 §5.8.1, §7.1 steps 5-11, §7.2 steps 9-15).
#include "signet/core/client_data.hpp"

#include <openssl/crypto.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "limits.hpp"
#include "signet/core/errc.hpp"

namespace signet::core {

using boost::system::result;

result<client_data> parse_client_data(byte_view raw) {
  if (raw.empty() || raw.size() > limits::client_data_max) return errc::client_data_malformed;
  // §7.1 step 5: "Let JSONtext be the result of running UTF-8 decode" — boost::json validates UTF-8.
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 8;
  boost::json::value v = boost::json::parse(as_chars(raw), ec, {}, opts);
  if (ec || !v.is_object()) return errc::client_data_malformed;
  const auto& o = v.get_object();
  const auto* type = o.if_contains("type");
  const auto* chal = o.if_contains("challenge");
  const auto* orig = o.if_contains("origin");
  if (!type || !type->is_string() || !chal || !chal->is_string() || !orig || !orig->is_string())
    return errc::client_data_malformed;
  client_data out;
  out.type = std::string(type->get_string());
  out.challenge = std::string(chal->get_string());
  out.origin = std::string(orig->get_string());
  if (const auto* co = o.if_contains("crossOrigin")) {
    if (!co->is_bool()) return errc::client_data_malformed;
    out.cross_origin = co->get_bool();
  }
  if (const auto* top = o.if_contains("topOrigin")) {
    if (!top->is_string()) return errc::client_data_malformed;
    out.top_origin = std::string(top->get_string());
  }
  // Secure Payment Confirmation: "payment.get" client data carries the transaction.
  if (out.type == "payment.get") {
    const auto* pay = o.if_contains("payment");
    if (!pay || !pay->is_object()) return errc::client_data_malformed;
    const auto& p = pay->get_object();
    auto str = [&](const boost::json::object& obj, const char* k) -> const boost::json::string* {
      const auto* found = obj.if_contains(k);
      return found && found->is_string() ? &found->get_string() : nullptr;
    };
    const auto* rp = str(p, "rpId");
    const auto* top = str(p, "topOrigin");
    const auto* total = p.if_contains("total");
    if (!rp || !top || !total || !total->is_object()) return errc::client_data_malformed;
    const auto* value = str(total->get_object(), "value");
    const auto* currency = str(total->get_object(), "currency");
    if (!value || !currency) return errc::client_data_malformed;
    client_payment_data pd;
    pd.rp_id = std::string(*rp);
    pd.top_origin = std::string(*top);
    pd.total_value = std::string(*value);
    pd.total_currency = std::string(*currency);
    for (auto [key, field] : {std::pair{"payeeName", &pd.payee_name}, std::pair{"payeeOrigin", &pd.payee_origin}}) {
      if (const auto* member = p.if_contains(key)) {
        if (!member->is_string()) return errc::client_data_malformed;
        *field = std::string(member->get_string());
      }
    }
    if (const auto* inst = p.if_contains("instrument"); inst && inst->is_object())
      if (const auto* dn = str(inst->get_object(), "displayName")) pd.instrument_display_name = std::string(*dn);
    out.payment = std::move(pd);
  }
  return out;
}

result<void> check_client_payment(const client_data& c, std::string_view expected_rp_id, const payment_expectations& e) {
  if (!c.payment) return errc::client_data_payment_mismatch;
  const auto& p = *c.payment;
  if (p.rp_id != expected_rp_id) return errc::client_data_payment_mismatch;
  if (p.total_value != e.amount || p.total_currency != e.currency) return errc::client_data_payment_mismatch;
  if (e.payee_name && p.payee_name != *e.payee_name) return errc::client_data_payment_mismatch;
  if (e.payee_origin && p.payee_origin != *e.payee_origin) return errc::client_data_payment_mismatch;
  if (!e.top_origins.empty()) {
    bool found = false;
    for (const auto& t : e.top_origins) found |= p.top_origin == t;
    if (!found) return errc::client_data_payment_mismatch;
  }
  return {};
}

namespace {

struct origin_parts {
  std::string_view scheme;
  std::string_view host;
  std::string_view port;  // empty when absent
};

// origin = scheme "://" host [ ":" port ] (RFC 6454 serialisation; no path, no userinfo).
std::optional<origin_parts> split_origin(std::string_view o) {
  const auto sep = o.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  origin_parts p;
  p.scheme = o.substr(0, sep);
  std::string_view rest = o.substr(sep + 3);
  if (rest.empty() || rest.find_first_of("/?#@") != std::string_view::npos) return std::nullopt;
  // IPv6 literals keep their colons inside brackets.
  const auto bracket = rest.rfind(']');
  const auto colon = rest.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    p.host = rest.substr(0, colon);
    p.port = rest.substr(colon + 1);
    if (p.port.empty()) return std::nullopt;
  } else {
    p.host = rest;
  }
  if (p.host.empty()) return std::nullopt;
  return p;
}

}  // namespace

bool origin_matches(std::string_view actual, std::string_view expected, const policy& pol) {
  if (actual == expected) return true;
  if (!pol.allow_subdomain_origins && !pol.allow_any_port) return false;
  auto a = split_origin(actual);
  auto e = split_origin(expected);
  if (!a || !e || a->scheme != e->scheme) return false;
  if (!pol.allow_any_port && a->port != e->port) return false;
  if (a->host == e->host) return true;
  if (!pol.allow_subdomain_origins) return false;
  // A subdomain: actual host ends with "." + expected host (label boundary, not a suffix match).
  return a->host.size() > e->host.size() + 1 && a->host.ends_with(e->host) &&
         a->host[a->host.size() - e->host.size() - 1] == '.';
}

result<void> check_client_type(const client_data& c, std::string_view expected_type) {
  // type must be exactly the ceremony's ("webauthn.create" / "webauthn.get").
  if (c.type != expected_type) return errc::client_data_type_mismatch;
  return {};
}

result<void> check_client_challenge(const client_data& c, std::string_view expected_challenge) {
  // challenge must equal base64url(options.challenge). Constant time over equal lengths. Trailing
  // '=' padding is ignored on both sides (some older clients padded; the bytes are the same).
  std::string_view got = c.challenge;
  std::string_view want = expected_challenge;
  while (!got.empty() && got.back() == '=') got.remove_suffix(1);
  while (!want.empty() && want.back() == '=') want.remove_suffix(1);
  if (got.empty() || got.size() != want.size() || CRYPTO_memcmp(got.data(), want.data(), got.size()) != 0)
    return errc::client_data_challenge_mismatch;
  return {};
}

result<void> check_client_origin(const client_data& c, std::span<const std::string> origins, const policy& pol) {
  for (const auto& o : origins)
    if (origin_matches(c.origin, o, pol)) return {};
  return errc::client_data_origin_mismatch;
}

result<void> check_client_cross_origin(const client_data& c, const policy& pol) {
  // crossOrigin true only when the RP expects to be embedded in a cross-origin iframe.
  if (c.cross_origin && !pol.allow_cross_origin) return errc::client_data_cross_origin_not_allowed;
  return {};
}

result<void> check_client_top_origin(const client_data& c, const policy& pol) {
  // topOrigin present: the RP must expect being sub-framed, and within one of the expected tops.
  if (!c.top_origin) return {};
  if (!pol.allow_cross_origin) return errc::client_data_cross_origin_not_allowed;
  if (pol.expected_top_origins.empty()) return {};
  for (const auto& t : pol.expected_top_origins)
    if (origin_matches(*c.top_origin, t, pol)) return {};
  return errc::client_data_top_origin_mismatch;
}

result<void> check_client_data(const client_data& c, const client_data_expectations& e) {
  if (auto r = check_client_type(c, e.type); !r) return r;
  if (auto r = check_client_challenge(c, e.challenge); !r) return r;
  if (auto r = check_client_origin(c, e.origins, *e.policy); !r) return r;
  if (auto r = check_client_cross_origin(c, *e.policy); !r) return r;
  return check_client_top_origin(c, *e.policy);
}

}  // namespace signet::core
