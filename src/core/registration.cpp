// Registration ceremony verification: WebAuthn Level 3 §7.1 "Registering a New Credential".
//
// verify_registration() calls one small function per numbered step, in order. Steps not here:
//   1-2   client side (the browser builds options and calls create()).
//   4     clientExtensionResults: we request no client extensions needing verification; credProps
//         is informational and parsed in response_json.cpp.
//   18-19 BE/BS are reported in registration_result; the only policy use (reject_backup_eligible)
//         is step 18's "evaluate" and is done there.
//   24    trust anchors come from the injected trust_source inside each format's verifier.
//   27    "credentialId not yet registered" needs the store: the service layer does it.
//   28    storing the credential record is the service layer's job.
#include <openssl/evp.h>

#include <algorithm>

#include "attestation/common.hpp"
#include "limits.hpp"
#include "signet/core/ceremony.hpp"
#include "signet/core/client_data.hpp"
#include "signet/core/errc.hpp"

namespace signet::core {

using boost::system::result;

namespace {

struct reg_state {
  const registration_response& response;
  const registration_expectations& expected;
  client_data c;
  bytes client_data_hash;
  attestation_object att;
  std::optional<public_key> key;
  attestation_result att_result;
};

// WebAuthn L3 §7.1 step 3: response is an AuthenticatorAttestationResponse — guaranteed by the
// type of `response` (parse_registration_response_json already checked type == "public-key").

// WebAuthn L3 §7.1 step 5-6: decode clientDataJSON (UTF-8 JSON) into C.
result<void> step_5_6_parse_client_data(reg_state& s) {
  auto c = parse_client_data(s.response.client_data_json);
  if (!c) return c.error();
  s.c = std::move(*c);
  return {};
}

// WebAuthn L3 §7.1 step 7: C.type is "webauthn.create".
result<void> step_7_type(reg_state& s) { return check_client_type(s.c, "webauthn.create"); }

// WebAuthn L3 §7.1 step 8: C.challenge equals the base64url encoding of options.challenge.
result<void> step_8_challenge(reg_state& s) { return check_client_challenge(s.c, s.expected.challenge); }

// WebAuthn L3 §7.1 step 9: C.origin is an origin the RP expects (§13.4.9).
result<void> step_9_origin(reg_state& s) {
  return check_client_origin(s.c, s.expected.origins, *s.expected.policy);
}

// WebAuthn L3 §7.1 step 10: C.crossOrigin true only if the RP expects a cross-origin iframe.
result<void> step_10_cross_origin(reg_state& s) { return check_client_cross_origin(s.c, *s.expected.policy); }

// WebAuthn L3 §7.1 step 11: C.topOrigin, when present, is a top origin the RP expects.
result<void> step_11_top_origin(reg_state& s) { return check_client_top_origin(s.c, *s.expected.policy); }

// WebAuthn L3 §7.1 step 12: hash = SHA-256(response.clientDataJSON).
result<void> step_12_hash_client_data(reg_state& s) {
  s.client_data_hash = sha256(s.response.client_data_json);
  return {};
}

// WebAuthn L3 §7.1 step 13: CBOR-decode attestationObject into fmt, authData, attStmt.
result<void> step_13_decode_attestation_object(reg_state& s) {
  auto a = parse_attestation_object(s.response.attestation_object);
  if (!a) return a.error();
  // A registration must carry attested credential data (AT flag) — without it there is no key.
  if (!a->auth_data.attested) return errc::auth_data_attested_data_missing;
  s.att = std::move(*a);
  return {};
}

// WebAuthn L3 §7.1 step 14: rpIdHash is SHA-256 of the RP ID.
result<void> step_14_rp_id_hash(reg_state& s) {
  const bytes want = sha256(as_bytes(s.expected.rp_id));
  if (!equal_bytes(want, s.att.auth_data.rp_id_hash)) return errc::auth_data_rp_id_hash_mismatch;
  return {};
}

// WebAuthn L3 §7.1 step 15: UP set, unless the ceremony was a conditional create.
result<void> step_15_user_present(reg_state& s) {
  const bool need = s.expected.require_user_presence && !s.expected.policy->allow_missing_user_presence;
  if (need && !s.att.auth_data.user_present()) return errc::auth_data_user_not_present;
  return {};
}

// WebAuthn L3 §7.1 step 16: UV set when user verification is required.
result<void> step_16_user_verified(reg_state& s) {
  if (s.expected.require_user_verification && !s.att.auth_data.user_verified())
    return errc::auth_data_user_not_verified;
  return {};
}

// WebAuthn L3 §7.1 step 17: BS set only with BE (also enforced by the parser).
// Step 18: "evaluate BE per RP policy": policy.reject_backup_eligible refuses synced credentials.
result<void> step_17_18_backup_flags(reg_state& s) {
  if (s.att.auth_data.backed_up() && !s.att.auth_data.backup_eligible())
    return errc::auth_data_backup_state_without_eligible;
  if (s.expected.policy->reject_backup_eligible && s.att.auth_data.backup_eligible())
    return errc::policy_backup_eligible_rejected;
  return {};
}

// WebAuthn L3 §7.1 step 20: the credential key's alg is one of pubKeyCredParams. The key is also
// parsed and validated here (point/modulus checks). A "none" attestation verifies no signature with
// it, so its key is checked exactly as parse_cose_key checks it but not imported (check_cose_key:
// an EC key's import was ~4 % of a sign-up); the sign-ins import it from the stored bytes.
result<void> step_20_algorithm(reg_state& s) {
  const bytes& cose = s.att.auth_data.attested->public_key_cose;
  result<public_key> key = errc::cose_key_malformed;
  if (s.att.fmt == "none") {
    auto alg = check_cose_key(cose);
    if (!alg) return alg.error();
    key = public_key(nullptr, *alg, cose);
  } else {
    key = parse_cose_key(cose);
  }
  if (!key) return key.error();
  std::span<const std::int32_t> allowed = s.expected.algorithms;
  if (allowed.empty()) allowed = s.expected.policy->allowed_algorithms;
  const auto supported = supported_credential_algorithms();
  const std::int32_t alg = key->alg();
  // Never accept an alg this build cannot verify later, whatever the RP lists.
  if (std::find(supported.begin(), supported.end(), alg) == supported.end()) return errc::cose_alg_not_allowed;
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), alg) == allowed.end())
    return errc::cose_alg_not_allowed;
  s.key = std::move(*key);
  return {};
}

// WebAuthn L3 §7.1 step 21: extension outputs are as expected. We request no authenticator
// extensions that need checking; unsolicited ones are allowed by §9 ("MUST be prepared to handle
// ... extensions that were not requested") and ignored. Their CBOR was already checked in step 13.

// WebAuthn L3 §7.1 step 22: determine the format by an exact (case-sensitive) match on fmt.
// "compound" (§8.9) is resolved per inner statement: every inner format must be one we support.
result<std::vector<attestation_verifier>> step_22_find_format(reg_state& s) {
  std::vector<attestation_verifier> out;
  if (s.att.fmt == "compound") {
    for (const auto& [fmt, stmt] : s.att.compound) {
      attestation_verifier v = find_attestation_verifier(fmt);
      if (!v) return errc::attestation_format_unsupported;
      out.push_back(v);
    }
    return out;
  }
  attestation_verifier v = find_attestation_verifier(s.att.fmt);
  if (!v) return errc::attestation_format_unsupported;
  out.push_back(v);
  return out;
}

// WebAuthn L3 §7.1 step 23 (and 24-25 inside the verifier): verify attStmt, validate the chain
// against the injected trust anchors, and learn the attestation type. For "compound" every inner
// statement must verify (§8.9); the result is the first anchored one, else the first.
result<void> step_23_verify_statement(reg_state& s, const std::vector<attestation_verifier>& verifiers) {
  std::optional<attestation_result> chosen;
  for (std::size_t i = 0; i < verifiers.size(); ++i) {
    const bool compound = s.att.fmt == "compound";
    const std::string_view fmt = compound ? std::string_view(s.att.compound[i].first) : std::string_view(s.att.fmt);
    const cbor::map& stmt = compound ? s.att.compound[i].second : s.att.att_stmt;
    attestation_input in{fmt,
                         stmt,
                         s.att.auth_data_raw,
                         s.att.auth_data,
                         s.client_data_hash,
                         *s.key,
                         s.expected.trust,
                         s.expected.now,
                         *s.expected.policy};
    auto r = verifiers[i](in);
    if (!r) return r.error();
    if (!chosen || (!chosen->trusted && r->trusted)) chosen = std::move(*r);
  }
  s.att_result = std::move(*chosen);
  return {};
}

// WebAuthn L3 §7.1 step 26: credentialId at most 1023 bytes (the parser enforces it too).
result<void> step_26_credential_id_length(reg_state& s) {
  if (s.att.auth_data.attested->id.size() > limits::credential_id_max) return errc::auth_data_credential_id_too_long;
  return {};
}

// WebAuthn L3 §7.1 step 25/29: untrusted attestation is refused when the RP requires trust.
result<void> step_29_trustworthiness(reg_state& s) {
  if (!s.expected.policy->require_trusted_attestation) return {};
  if (s.att_result.type == attestation_type::none || s.att_result.type == attestation_type::self ||
      !s.att_result.trusted)
    return errc::attestation_trust_required;
  return {};
}

}  // namespace

result<registration_result> verify_registration(const registration_response& response,
                                                const registration_expectations& expected) {
  if (!expected.policy) return errc::ceremony_options_invalid;
  reg_state s{response, expected, {}, {}, {}, std::nullopt, {}};
  if (auto r = step_5_6_parse_client_data(s); !r) return r.error();
  if (auto r = step_7_type(s); !r) return r.error();
  if (auto r = step_8_challenge(s); !r) return r.error();
  if (auto r = step_9_origin(s); !r) return r.error();
  if (auto r = step_10_cross_origin(s); !r) return r.error();
  if (auto r = step_11_top_origin(s); !r) return r.error();
  if (auto r = step_12_hash_client_data(s); !r) return r.error();
  if (auto r = step_13_decode_attestation_object(s); !r) return r.error();
  if (auto r = step_14_rp_id_hash(s); !r) return r.error();
  if (auto r = step_15_user_present(s); !r) return r.error();
  if (auto r = step_16_user_verified(s); !r) return r.error();
  if (auto r = step_17_18_backup_flags(s); !r) return r.error();
  if (auto r = step_20_algorithm(s); !r) return r.error();
  auto verifiers = step_22_find_format(s);
  if (!verifiers) return verifiers.error();
  if (auto r = step_23_verify_statement(s, *verifiers); !r) return r.error();
  if (auto r = step_26_credential_id_length(s); !r) return r.error();
  if (auto r = step_29_trustworthiness(s); !r) return r.error();

  const auto& acd = *s.att.auth_data.attested;
  registration_result out;
  out.id = acd.id;
  out.public_key_cose = acd.public_key_cose;
  out.alg = s.key->alg();
  out.sign_count = s.att.auth_data.sign_count;
  out.aaguid = acd.aaguid;
  out.fmt = s.att.fmt;
  out.attestation = s.att_result.type;
  out.attestation_trusted = s.att_result.trusted;
  out.x5c = std::move(s.att_result.x5c);
  out.user_verified = s.att.auth_data.user_verified();
  out.backup_eligible = s.att.auth_data.backup_eligible();
  out.backed_up = s.att.auth_data.backed_up();
  out.transports = response.transports;
  return out;
}

result<registration_result> finish_registration(const finish_registration_options& o) {
  if (!o.ceremony || !o.response || !o.policy) return errc::ceremony_options_invalid;
  // The store checks expiry when handing the ceremony out; core checks again (craft.md).
  if (o.now > o.ceremony->expires_at()) return errc::ceremony_expired;
  const std::string expected_challenge = o.ceremony->challenge().to_base64url();
  registration_expectations e;
  e.challenge = expected_challenge;
  e.origins = o.origins;
  e.rp_id = o.ceremony->rp_id().value();
  e.require_user_verification = o.ceremony->user_verification() == user_verification_requirement::required ||
                                o.policy->require_user_verification;
  e.require_user_presence = !o.ceremony->conditional();
  e.algorithms = o.ceremony->algorithms();
  e.policy = o.policy;
  e.trust = o.trust;
  e.now = o.now;
  return verify_registration(*o.response, e);
}

}  // namespace signet::core
