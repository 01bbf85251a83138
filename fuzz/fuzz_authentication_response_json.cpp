// fuzz_authentication_response_json: parse_authentication_response_json (AuthenticationResponseJSON).
//
// Invariants:
//  - on failure an error and no value;
//  - on success the fields round-trip: an AuthenticationResponseJSON rebuilt from the parsed struct
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

std::string rebuild(const core::authentication_response& r) {
  json::object resp;
  resp["clientDataJSON"] = core::base64url_encode(r.client_data_json);
  resp["authenticatorData"] = core::base64url_encode(r.authenticator_data);
  resp["signature"] = core::base64url_encode(r.signature);
  if (r.user_handle) resp["userHandle"] = r.user_handle->to_base64url();
  json::object ext;
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

bool same(const core::authentication_response& a, const core::authentication_response& b) {
  return a.id == b.id && a.raw_id == b.raw_id && a.client_data_json == b.client_data_json &&
         a.authenticator_data == b.authenticator_data && a.signature == b.signature &&
         a.user_handle == b.user_handle && a.authenticator_attachment == b.authenticator_attachment &&
         a.appid_extension == b.appid_extension;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = core::parse_authentication_response_json(text);
  if (!r) {
    SIGNET_FUZZ_CHECK(r.has_error() && !r.has_value());
    return 0;
  }
  const std::string again_text = rebuild(*r);
  const auto again = core::parse_authentication_response_json(again_text);
  if (!again) std::fprintf(stderr, "re-parse failed: %s\n", again.error().message().c_str());
  SIGNET_FUZZ_CHECK(again.has_value());
  SIGNET_FUZZ_CHECK(same(*r, *again));
  return 0;
}
