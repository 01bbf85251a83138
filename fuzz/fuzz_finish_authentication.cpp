// fuzz_finish_authentication: the authentication entry point end to end, structured so that the fuzzer
// starts from real assertions and gets past the ceremony checks it cannot forge.
//
// Input: [flags byte][rp id]\n[stored credential COSE_Key, base64url]\n[AuthenticationResponseJSON]
//   flags: auth_flag_uv_optional (ceremony UV "preferred", policy UV off), auth_flag_discoverable
//          (no user identified before the ceremony: the userHandle identifies the account).
// The ceremony is made with begin_authentication from the clientDataJSON's own challenge and origin;
// the stored credential is the given key under the response's rawId, counter 0, owned by the response's
// userHandle (or a fixed user); the clock is fixed.
//
// Invariants:
//  - failure: an error, no value;
//  - success: independently of core's steps, the signature verifies with the stored key over
//    authenticatorData ‖ SHA-256(clientDataJSON); authenticatorData parses without attested data, has
//    UP (and UV when required), and its rpIdHash is SHA-256(rp id) unless the AppID was used; the
//    reported counter and flags are authenticatorData's; clientData.type is "webauthn.get";
//  - the same assertion fails after the ceremony expired (ceremony_expired), with one bit of the
//    signature flipped, and with a byte appended to clientDataJSON (signature_invalid: the JSON still
//    parses, only the signed hash changes).
#include <openssl/sha.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_framing.hpp"
#include "signet/core/authenticator_data.hpp"
#include "signet/core/ceremony.hpp"
#include "signet/core/client_data.hpp"
#include "signet/core/cose.hpp"
#include "signet/core/errc.hpp"
#include "signet/core/policy.hpp"

namespace core = signet::core;
namespace fz = signet::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const std::uint8_t fl = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto nl1 = rest.find('\n');
  if (nl1 == std::string_view::npos || nl1 == 0) return 0;
  const std::string rp_id(rest.substr(0, nl1));
  rest.remove_prefix(nl1 + 1);
  const auto nl2 = rest.find('\n');
  if (nl2 == std::string_view::npos) return 0;
  const auto cose = core::base64url_decode(rest.substr(0, nl2));
  if (!cose) return 0;
  const std::string_view json = rest.substr(nl2 + 1);

  const auto response = core::parse_authentication_response_json(json);
  if (!response) return 0;

  const bool uv_optional = (fl & fz::auth_flag_uv_optional) != 0;
  const bool discoverable = (fl & fz::auth_flag_discoverable) != 0;
  core::policy pol;
  pol.require_user_verification = !uv_optional;

  core::challenge chal(core::bytes(16, 0x5a));
  std::vector<std::string> origins{"https://fuzz.invalid"};
  const auto cd = core::parse_client_data(response->client_data_json);
  if (cd) {
    if (auto b = core::base64url_decode(cd->challenge); b && b->size() >= 16 && b->size() <= 64)
      chal = core::challenge(std::move(*b));
    origins = {cd->origin};
  }

  core::stored_credential cred;
  cred.id = response->raw_id;
  cred.public_key_cose = *cose;
  cred.sign_count = 0;
  cred.user = response->user_handle.value_or(core::user_handle(core::bytes{'f', 'u', 'z', 'z'}));

  const auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1735689600));  // 2025-01-01
  core::begin_authentication_options bo;
  bo.rp_id = core::rp_id(rp_id);
  bo.challenge = chal;
  bo.now = t0;
  bo.user_verification = uv_optional ? core::user_verification_requirement::preferred
                                     : core::user_verification_requirement::required;
  if (!discoverable) bo.user = cred.user;
  if (!cred.id.empty()) bo.allow_credentials = {cred.id};
  const auto ceremony = core::begin_authentication(bo);
  if (!ceremony) return 0;  // e.g. an empty rawId cannot be listed

  core::finish_authentication_options fo;
  fo.ceremony = &*ceremony;
  fo.response = &*response;
  fo.credential = &cred;
  fo.origins = origins;
  fo.policy = &pol;
  fo.now = t0 + std::chrono::seconds(1);
  const auto r = core::finish_authentication(fo);
  if (!r) {
    SIGNET_FUZZ_CHECK(r.has_error() && !r.has_value());
    return 0;
  }

  // Independent re-check of what was accepted.
  SIGNET_FUZZ_CHECK(cd.has_value() && cd->type == "webauthn.get");
  const auto ad = core::parse_authenticator_data(response->authenticator_data);
  SIGNET_FUZZ_CHECK(ad.has_value() && !ad->attested.has_value());
  SIGNET_FUZZ_CHECK(ad->user_present());
  if (!uv_optional) SIGNET_FUZZ_CHECK(ad->user_verified());
  SIGNET_FUZZ_CHECK(r->id == response->raw_id);
  SIGNET_FUZZ_CHECK(r->sign_count == ad->sign_count);
  SIGNET_FUZZ_CHECK(r->user_verified == ad->user_verified());
  SIGNET_FUZZ_CHECK(r->backup_eligible == ad->backup_eligible());
  SIGNET_FUZZ_CHECK(r->backed_up == ad->backed_up());
  if (!r->used_appid) {
    std::uint8_t h[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(rp_id.data()), rp_id.size(), h);
    SIGNET_FUZZ_CHECK(std::equal(ad->rp_id_hash.begin(), ad->rp_id_hash.end(), h));
  }
  const auto key = core::parse_cose_key(*cose);
  SIGNET_FUZZ_CHECK(key.has_value());
  core::bytes signed_data = response->authenticator_data;
  signed_data.resize(signed_data.size() + SHA256_DIGEST_LENGTH);
  SHA256(response->client_data_json.data(), response->client_data_json.size(),
         signed_data.data() + response->authenticator_data.size());
  SIGNET_FUZZ_CHECK(core::verify_signature(*key, signed_data, response->signature).has_value());

  // One thing changed: each must fail.
  core::finish_authentication_options late = fo;
  late.now = ceremony->expires_at() + std::chrono::seconds(1);
  const auto expired = core::finish_authentication(late);
  SIGNET_FUZZ_CHECK(!expired && expired.error() == core::errc::ceremony_expired);

  core::authentication_response flipped = *response;
  SIGNET_FUZZ_CHECK(!flipped.signature.empty());
  flipped.signature.back() ^= 0x01;
  core::finish_authentication_options fo_flipped = fo;
  fo_flipped.response = &flipped;
  SIGNET_FUZZ_CHECK(!core::finish_authentication(fo_flipped));

  core::authentication_response padded = *response;
  padded.client_data_json.push_back(' ');
  core::finish_authentication_options fo_padded = fo;
  fo_padded.response = &padded;
  const auto p = core::finish_authentication(fo_padded);
  SIGNET_FUZZ_CHECK(!p && p.error() == core::errc::signature_invalid);
  return 0;
}
