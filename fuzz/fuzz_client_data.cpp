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
//  - origin_matches(o, o) holds for every policy.
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

bool same(const core::client_data& a, const core::client_data& b) {
  return a.type == b.type && a.challenge == b.challenge && a.origin == b.origin &&
         a.cross_origin == b.cross_origin && a.top_origin == b.top_origin;
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
  const std::string text = json::serialize(o);
  if (text.size() <= core::limits::client_data_max) {
    const auto again = core::parse_client_data(core::as_bytes(text));
    SIGNET_FUZZ_CHECK(again.has_value() && same(*again, c));
  }

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

  const std::string other_type = c.type == "webauthn.get" ? "webauthn.create" : "webauthn.get";
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
