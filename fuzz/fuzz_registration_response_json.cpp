// fuzz_registration_response_json: parse_registration_response_json (RegistrationResponseJSON text).
//
// Invariants:
//  - on failure an error and no value;
//  - on success the fields round-trip: a RegistrationResponseJSON rebuilt from the parsed struct
//    (canonical base64url, no whitespace) parses again to the same struct.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_framing.hpp"
#include "signet/core/bytes.hpp"
#include "signet/core/ceremony.hpp"

namespace core = signet::core;
namespace json = boost::json;

namespace {

std::string rebuild(const core::registration_response& r) {
  json::object resp;
  resp["clientDataJSON"] = core::base64url_encode(r.client_data_json);
  resp["attestationObject"] = core::base64url_encode(r.attestation_object);
  if (!r.transports.empty()) {
    json::array t;
    for (const auto& s : r.transports) t.emplace_back(s);
    resp["transports"] = std::move(t);
  }
  json::object ext;
  if (r.cred_props_rk_known) ext["credProps"] = json::object{{"rk", r.cred_props_rk}};
  if (r.appid_extension) ext["appid"] = true;
  json::object o;
  o["id"] = r.id;
  o["rawId"] = r.raw_id.to_base64url();
  o["type"] = "public-key";
  o["response"] = std::move(resp);
  o["clientExtensionResults"] = std::move(ext);
  if (r.authenticator_attachment) o["authenticatorAttachment"] = *r.authenticator_attachment;
  return json::serialize(o);
}

bool same(const core::registration_response& a, const core::registration_response& b) {
  return a.id == b.id && a.raw_id == b.raw_id && a.client_data_json == b.client_data_json &&
         a.attestation_object == b.attestation_object && a.transports == b.transports &&
         a.authenticator_attachment == b.authenticator_attachment &&
         a.cred_props_rk_known == b.cred_props_rk_known && a.cred_props_rk == b.cred_props_rk &&
         a.appid_extension == b.appid_extension;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = core::parse_registration_response_json(text);
  if (!r) {
    SIGNET_FUZZ_CHECK(r.has_error() && !r.has_value());
    return 0;
  }
  const std::string again_text = rebuild(*r);
  const auto again = core::parse_registration_response_json(again_text);
  if (!again) std::fprintf(stderr, "re-parse failed: %s\n", again.error().message().c_str());
  SIGNET_FUZZ_CHECK(again.has_value());
  SIGNET_FUZZ_CHECK(same(*r, *again));
  return 0;
}
