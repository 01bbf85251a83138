// fuzz_finish_registration: the registration entry point end to end, structured so that the fuzzer
// starts from real registrations and gets past the ceremony checks it cannot forge.
//
// Input: [flags byte][rp id]\n[RegistrationResponseJSON text]
//   flags: signet::fuzz::att_flag_* (policy loosening as in fuzz_attestation_object) and
//          reg_flag_uv_optional (ceremony UV "preferred" and policy.require_user_verification off).
// The ceremony is made with begin_registration from the clientDataJSON's own challenge (when it is
// base64url of 16..64 bytes) and origin, so fuzzed inputs reach authData, COSE key and attestation
// checks; trust anchors: none; the clock is fixed.
//
// Invariants:
//  - failure: an error, no value;
//  - success: the result agrees with an independent reading of the response: credential id, COSE key
//    bytes, sign count, aaguid, fmt and UV/BE/BS flags equal those in the attestation object; the
//    rpIdHash is SHA-256(rp id); UP is set; UV is set when the ceremony required it; the key's alg is
//    one the ceremony offered; clientData.type is "webauthn.create";
//  - the same response fails after the ceremony expired (ceremony_expired) and with no acceptable
//    origin, and verify_registration with the same expectations gives the same result.
#include <openssl/sha.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_framing.hpp"
#include "signet/core/attestation.hpp"
#include "signet/core/ceremony.hpp"
#include "signet/core/client_data.hpp"
#include "signet/core/cose.hpp"
#include "signet/core/errc.hpp"
#include "signet/core/policy.hpp"

namespace core = signet::core;
namespace fz = signet::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t fl = data[0];
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto nl = rest.find('\n');
  if (nl == std::string_view::npos || nl == 0) return 0;
  const std::string rp_id(rest.substr(0, nl));
  const std::string_view json = rest.substr(nl + 1);

  const auto response = core::parse_registration_response_json(json);
  if (!response) return 0;

  core::policy pol;
  pol.danger_ignore_certificate_validity = (fl & fz::att_flag_ignore_validity) != 0;
  pol.allow_sha1_attestation = (fl & fz::att_flag_allow_sha1) != 0;
  pol.danger_safetynet_skip_timestamp = (fl & fz::att_flag_skip_timestamp) != 0;
  pol.safetynet_require_cts = (fl & fz::att_flag_no_cts) == 0;
  const bool uv_optional = (fl & fz::reg_flag_uv_optional) != 0;
  pol.require_user_verification = !uv_optional;

  // The challenge and origin the client data claims (fallbacks make the checks fail, as they must).
  core::challenge chal(core::bytes(16, 0x5a));
  std::vector<std::string> origins{"https://fuzz.invalid"};
  const auto cd = core::parse_client_data(response->client_data_json);
  if (cd) {
    if (auto b = core::base64url_decode(cd->challenge); b && b->size() >= 16 && b->size() <= 64)
      chal = core::challenge(std::move(*b));
    origins = {cd->origin};
  }

  const auto t0 = std::chrono::system_clock::time_point(std::chrono::seconds(1735689600));  // 2025-01-01
  core::begin_registration_options bo;
  bo.rp_id = core::rp_id(rp_id);
  bo.user = core::user_entity{core::user_handle(core::bytes{'f', 'u', 'z', 'z'}), "fuzz", "Fuzz"};
  bo.challenge = chal;
  bo.now = t0;
  bo.user_verification = uv_optional ? core::user_verification_requirement::preferred
                                     : core::user_verification_requirement::required;
  bo.policy = &pol;
  const auto ceremony = core::begin_registration(bo);
  SIGNET_FUZZ_CHECK(ceremony.has_value());

  core::finish_registration_options fo;
  fo.ceremony = &*ceremony;
  fo.response = &*response;
  fo.origins = origins;
  fo.policy = &pol;
  fo.trust = nullptr;
  fo.now = t0 + std::chrono::seconds(1);
  const auto r = core::finish_registration(fo);
  if (!r) {
    SIGNET_FUZZ_CHECK(r.has_error() && !r.has_value());
    return 0;
  }

  // Independent reading of what was accepted.
  SIGNET_FUZZ_CHECK(cd.has_value() && cd->type == "webauthn.create");
  const auto obj = core::parse_attestation_object(response->attestation_object);
  SIGNET_FUZZ_CHECK(obj.has_value() && obj->auth_data.attested.has_value());
  const auto& ad = obj->auth_data;
  const auto& acd = *ad.attested;
  SIGNET_FUZZ_CHECK(r->id == acd.id);
  SIGNET_FUZZ_CHECK(r->public_key_cose == acd.public_key_cose);
  SIGNET_FUZZ_CHECK(r->sign_count == ad.sign_count);
  SIGNET_FUZZ_CHECK(r->aaguid == acd.aaguid);
  SIGNET_FUZZ_CHECK(r->fmt == obj->fmt);
  SIGNET_FUZZ_CHECK(r->user_verified == ad.user_verified());
  SIGNET_FUZZ_CHECK(r->backup_eligible == ad.backup_eligible());
  SIGNET_FUZZ_CHECK(r->backed_up == ad.backed_up());
  SIGNET_FUZZ_CHECK(ad.user_present());
  if (!uv_optional) SIGNET_FUZZ_CHECK(r->user_verified);
  std::uint8_t h[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(rp_id.data()), rp_id.size(), h);
  SIGNET_FUZZ_CHECK(std::equal(ad.rp_id_hash.begin(), ad.rp_id_hash.end(), h));
  const auto key = core::parse_cose_key(r->public_key_cose);
  SIGNET_FUZZ_CHECK(key.has_value() && key->alg() == r->alg);
  const auto& offered = ceremony->algorithms();
  SIGNET_FUZZ_CHECK(std::find(offered.begin(), offered.end(), r->alg) != offered.end());

  // The same response, one thing changed, must fail.
  core::finish_registration_options late = fo;
  late.now = ceremony->expires_at() + std::chrono::seconds(1);
  const auto expired = core::finish_registration(late);
  SIGNET_FUZZ_CHECK(!expired && expired.error() == core::errc::ceremony_expired);
  core::finish_registration_options no_origin = fo;
  const std::vector<std::string> none;
  no_origin.origins = none;
  SIGNET_FUZZ_CHECK(!core::finish_registration(no_origin));

  // verify_registration with the ceremony's expectations is the same function.
  const std::string expected_challenge = chal.to_base64url();
  core::registration_expectations e;
  e.challenge = expected_challenge;
  e.origins = origins;
  e.rp_id = rp_id;
  e.require_user_verification = !uv_optional;
  e.algorithms = ceremony->algorithms();
  e.policy = &pol;
  e.now = fo.now;
  const auto v = core::verify_registration(*response, e);
  SIGNET_FUZZ_CHECK(v.has_value() && v->id == r->id && v->fmt == r->fmt && v->attestation == r->attestation);
  return 0;
}
