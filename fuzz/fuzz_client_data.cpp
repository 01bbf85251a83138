// fuzz_client_data: parse_client_data and check_client_data (WebAuthn L3 §5.8.1, §7.1 steps 7-11).
//
// Invariants:
//  - inputs over limits::client_data_max never parse; failure gives an error and no value;
//  - on success the struct round-trips: clientDataJSON rebuilt from it parses to the same struct;
//  - check_client_data accepts the parsed values themselves as expectations (type, challenge, origin;
//    cross-origin allowed with exactly the parsed topOrigin) - unless topOrigin comes without
//    crossOrigin, which the spec never produces, or the challenge is empty (never matches);
//  - it refuses, with the documented code, each single change: another type
//    (client_data_type_mismatch), another challenge (client_data_challenge_mismatch), another origin
//    (client_data_origin_mismatch), and crossOrigin: true under the default policy
//    (client_data_cross_origin_not_allowed);
//  - origin_matches(o, o) holds for every policy;
//  - payment data is present exactly for "payment.get"; check_client_payment accepts the parsed
//    payment members as expectations and refuses a changed rpId, total value, currency or topOrigin
//    (client_data_payment_mismatch).
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_framing.hpp"
#include "limits.hpp"
#include "signet/core/client_data.hpp"
#include "signet/core/errc.hpp"
#include "signet/core/policy.hpp"

namespace core = signet::core;
namespace json = boost::json;

namespace {

bool same(const core::client_payment_data& a, const core::client_payment_data& b) {
  return a.rp_id == b.rp_id && a.top_origin == b.top_origin && a.payee_name == b.payee_name &&
         a.payee_origin == b.payee_origin && a.total_value == b.total_value &&
         a.total_currency == b.total_currency && a.instrument_display_name == b.instrument_display_name;
}

bool same(const core::client_data& a, const core::client_data& b) {
  return a.type == b.type && a.challenge == b.challenge && a.origin == b.origin &&
         a.cross_origin == b.cross_origin && a.top_origin == b.top_origin &&
         a.payment.has_value() == b.payment.has_value() && (!a.payment || same(*a.payment, *b.payment));
}

// Secure Payment Confirmation: the parsed payment data is accepted as its own expectation, and each
// changed member is refused with client_data_payment_mismatch.
void check_payment(const core::client_data& c) {
  SIGNET_FUZZ_CHECK(c.payment.has_value() == (c.type == "payment.get"));
  if (!c.payment) {
    const core::payment_expectations e{"1.00", "EUR", std::nullopt, std::nullopt, {}};
    const auto r = core::check_client_payment(c, "example.com", e);
    SIGNET_FUZZ_CHECK(!r && r.error() == core::errc::client_data_payment_mismatch);
    return;
  }
  const auto& p = *c.payment;
  const std::vector<std::string> tops{p.top_origin};
  const core::payment_expectations e{p.total_value, p.total_currency, p.payee_name, p.payee_origin, tops};
  SIGNET_FUZZ_CHECK(core::check_client_payment(c, p.rp_id, e).has_value());
  const std::string other_rp = p.rp_id + "x";
  const std::string other_value = p.total_value + "0";
  const std::string other_currency = p.total_currency + "X";
  const std::vector<std::string> other_tops{p.top_origin + "x"};
  const auto mismatch = [&](std::string_view rp, const core::payment_expectations& pe) {
    const auto r = core::check_client_payment(c, rp, pe);
    SIGNET_FUZZ_CHECK(!r && r.error() == core::errc::client_data_payment_mismatch);
  };
  mismatch(other_rp, e);
  mismatch(p.rp_id, {other_value, p.total_currency, p.payee_name, p.payee_origin, tops});
  mismatch(p.rp_id, {p.total_value, other_currency, p.payee_name, p.payee_origin, tops});
  mismatch(p.rp_id, {p.total_value, p.total_currency, p.payee_name, p.payee_origin, other_tops});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const core::byte_view in(data, size);
  const auto r = core::parse_client_data(in);
  if (!r) {
    SIGNET_FUZZ_CHECK(r.has_error() && !r.has_value());
    return 0;
  }
  const core::client_data& c = *r;
  SIGNET_FUZZ_CHECK(size <= core::limits::client_data_max);

  // Round trip.
  json::object o;
  o["type"] = c.type;
  o["challenge"] = c.challenge;
  o["origin"] = c.origin;
  o["crossOrigin"] = c.cross_origin;
  if (c.top_origin) o["topOrigin"] = *c.top_origin;
  if (c.payment) {
    const auto& p = *c.payment;
    json::object pay;
    pay["rpId"] = p.rp_id;
    pay["topOrigin"] = p.top_origin;
    pay["total"] = json::object{{"value", p.total_value}, {"currency", p.total_currency}};
    if (p.payee_name) pay["payeeName"] = *p.payee_name;
    if (p.payee_origin) pay["payeeOrigin"] = *p.payee_origin;
    if (p.instrument_display_name) pay["instrument"] = json::object{{"displayName", *p.instrument_display_name}};
    o["payment"] = std::move(pay);
  }
  const std::string text = json::serialize(o);
  if (text.size() <= core::limits::client_data_max) {
    const auto again = core::parse_client_data(core::as_bytes(text));
    SIGNET_FUZZ_CHECK(again.has_value() && same(*again, c));
  }

  check_payment(c);

  for (const bool sub : {false, true})
    for (const bool port : {false, true}) {
      core::policy p;
      p.allow_subdomain_origins = sub;
      p.allow_any_port = port;
      SIGNET_FUZZ_CHECK(core::origin_matches(c.origin, c.origin, p));
    }

  core::policy loose;
  loose.allow_cross_origin = true;
  if (c.top_origin) loose.expected_top_origins = {*c.top_origin};
  const std::vector<std::string> origins{c.origin};
  const core::client_data_expectations same_values{c.type, c.challenge, origins, &loose};
  const auto ok = core::check_client_data(c, same_values);
  // An empty challenge (after '=' padding, which is ignored) never matches: no ceremony has one.
  const bool empty_challenge = c.challenge.find_first_not_of('=') == std::string::npos;
  if (empty_challenge) SIGNET_FUZZ_CHECK(!ok);
  if (!empty_challenge && (c.cross_origin || !c.top_origin)) {
    if (!ok) std::fprintf(stderr, "check_client_data: %s\n", ok.error().message().c_str());
    SIGNET_FUZZ_CHECK(ok.has_value());
  }

  const std::string other_type = c.type == "webauthn.get" ? "webauthn.create" : "webauthn.get";  // != c.type
  const auto t = core::check_client_data(c, {other_type, c.challenge, origins, &loose});
  SIGNET_FUZZ_CHECK(!t && t.error() == core::errc::client_data_type_mismatch);

  if (!ok) return 0;  // the checks below assume the other members pass
  const std::string other_challenge = c.challenge + "A";
  const auto ch = core::check_client_data(c, {c.type, other_challenge, origins, &loose});
  SIGNET_FUZZ_CHECK(!ch && ch.error() == core::errc::client_data_challenge_mismatch);

  const std::vector<std::string> other_origins{c.origin + "x"};
  const core::policy strict_origin = [&] {
    core::policy p = loose;
    p.allow_subdomain_origins = false;
    p.allow_any_port = false;
    return p;
  }();
  const auto og = core::check_client_data(c, {c.type, c.challenge, other_origins, &strict_origin});
  SIGNET_FUZZ_CHECK(!og && og.error() == core::errc::client_data_origin_mismatch);

  if (c.cross_origin) {
    const core::policy strict;
    const auto co = core::check_client_data(c, {c.type, c.challenge, origins, &strict});
    SIGNET_FUZZ_CHECK(!co && co.error() == core::errc::client_data_cross_origin_not_allowed);
  }
  return 0;
}
