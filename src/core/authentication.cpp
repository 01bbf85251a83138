// Authentication ceremony verification: WebAuthn Level 3 §7.2 "Verifying an Authentication Assertion".
//
// verify_authentication() calls one small function per numbered step, in order. Steps not here:
//   1-4   client side (options, get(), response type — guaranteed by authentication_response's
//         type — and clientExtensionResults, of which only appid is used, in step 16).
//   7     looking the credential record up by credential.id is the service's store call; the
//         record arrives as expected.credential and step 5/6 check it is the right one.
//   21    we request no authenticator extensions needing checks; unsolicited ones are ignored (§9).
//   25    attestation in assertions (L3 attestation on get) is not requested; ignored.
//   26    writing back signCount / BS / UV is the service's compare-and-set.
#include <algorithm>

#include "attestation/common.hpp"
#include "signet/core/ceremony.hpp"
#include "signet/core/client_data.hpp"
#include "signet/core/errc.hpp"
#include "signet/core/imported_key.hpp"

namespace signet::core {

using boost::system::result;

namespace {

struct auth_state {
  const authentication_response& response;
  const authentication_expectations& expected;
  const stored_credential& credential;
  const public_key* imported;  // the stored key, already imported by the caller, or nullptr
  client_data c;
  authenticator_data auth_data;
  bytes client_data_hash;
  bool used_appid = false;
  bool counter_not_increased = false;
};

// WebAuthn L3 §7.2 step 5: if allowCredentials was non-empty, credential.id is one of them.
result<void> step_5_allowed_credential(auth_state& s) {
  const auto& allow = s.expected.allow_credentials;
  if (!allow.empty() && std::find(allow.begin(), allow.end(), s.response.raw_id) == allow.end())
    return errc::ceremony_credential_not_allowed;
  // The record the caller looked up must be the one the client used (guards step 7's lookup).
  if (!equal_bytes(s.credential.id.view(), s.response.raw_id.view())) return errc::ceremony_credential_mismatch;
  return {};
}

// WebAuthn L3 §7.2 step 6: identify the user. Identified before the ceremony: the credential is
// theirs and a present userHandle is theirs. Not identified: userHandle is required and owns it.
result<void> step_6_identify_user(auth_state& s) {
  const auto& uh = s.response.user_handle;
  if (s.expected.identified_user) {
    if (s.credential.user != *s.expected.identified_user) return errc::ceremony_user_handle_mismatch;
    if (uh && *uh != *s.expected.identified_user) return errc::ceremony_user_handle_mismatch;
  } else {
    if (!uh || *uh != s.credential.user) return errc::ceremony_user_handle_mismatch;
  }
  return {};
}

// WebAuthn L3 §7.2 steps 8-10: cData, authData, sig; decode clientDataJSON into C.
result<void> step_8_10_parse(auth_state& s) {
  auto c = parse_client_data(s.response.client_data_json);
  if (!c) return c.error();
  auto ad = parse_authenticator_data(s.response.authenticator_data);
  if (!ad) return ad.error();
  // An assertion never carries attested credential data.
  if (ad->attested) return errc::auth_data_attested_data_unexpected;
  s.c = std::move(*c);
  s.auth_data = std::move(*ad);
  return {};
}

// WebAuthn L3 §7.2 step 11: C.type is "webauthn.get".
// (Secure Payment Confirmation: "payment.get" when the ceremony is a payment.)
result<void> step_11_type(auth_state& s) {
  return check_client_type(s.c, s.expected.payment ? "payment.get" : "webauthn.get");
}

// WebAuthn L3 §7.2 step 12: C.challenge equals the base64url encoding of options.challenge.
result<void> step_12_challenge(auth_state& s) { return check_client_challenge(s.c, s.expected.challenge); }

// WebAuthn L3 §7.2 step 13: C.origin is an origin the RP expects.
// (SPC: the assertion comes from the merchant's page, so the origin is a merchant origin; the
// transaction, the RP and the merchant are checked on the payment data instead, step 15a.)
result<void> step_13_origin(auth_state& s) {
  if (s.expected.payment) return {};
  return check_client_origin(s.c, s.expected.origins, *s.expected.policy);
}

// WebAuthn L3 §7.2 step 14: C.crossOrigin true only if the RP expects a cross-origin iframe.
// (SPC runs in the merchant's top-level page or its iframe; payment.topOrigin decides, step 15a.)
result<void> step_14_cross_origin(auth_state& s) {
  if (s.expected.payment) return {};
  return check_client_cross_origin(s.c, *s.expected.policy);
}

// WebAuthn L3 §7.2 step 15: C.topOrigin, when present, is a top origin the RP expects.
result<void> step_15_top_origin(auth_state& s) {
  if (s.expected.payment) return {};
  return check_client_top_origin(s.c, *s.expected.policy);
}

// Secure Payment Confirmation, step 15a: the payment data names our RP and the transaction the
// ceremony was started for (amount, currency, payee), from an allowed merchant.
result<void> step_15a_payment(auth_state& s) {
  if (!s.expected.payment) return {};
  return check_client_payment(s.c, s.expected.rp_id, *s.expected.payment);
}

// WebAuthn L3 §7.2 step 16: rpIdHash is SHA-256 of the RP ID — or, when the client reports the
// FIDO appid extension as used (§10.1.1), SHA-256 of the configured AppID.
result<void> step_16_rp_id_hash(auth_state& s) {
  if (equal_bytes(sha256(as_bytes(s.expected.rp_id)), s.auth_data.rp_id_hash)) return {};
  const auto& appid = s.expected.policy->appid;
  if (s.response.appid_extension && appid && equal_bytes(sha256(as_bytes(*appid)), s.auth_data.rp_id_hash)) {
    s.used_appid = true;
    return {};
  }
  return errc::auth_data_rp_id_hash_mismatch;
}

// WebAuthn L3 §7.2 step 17: UP set.
result<void> step_17_user_present(auth_state& s) {
  if (!s.auth_data.user_present()) return errc::auth_data_user_not_present;
  return {};
}

// WebAuthn L3 §7.2 step 18: UV set when user verification is required.
result<void> step_18_user_verified(auth_state& s) {
  if (s.expected.require_user_verification && !s.auth_data.user_verified()) return errc::auth_data_user_not_verified;
  return {};
}

// WebAuthn L3 §7.2 step 19: BS only with BE. Step 20: BE must not change from the record
// (a single-device credential cannot become synced), and the RP's BE policy.
result<void> step_19_20_backup_flags(auth_state& s) {
  if (s.auth_data.backed_up() && !s.auth_data.backup_eligible()) return errc::auth_data_backup_state_without_eligible;
  if (s.credential.backup_eligible && *s.credential.backup_eligible != s.auth_data.backup_eligible())
    return errc::ceremony_credential_mismatch;
  if (s.expected.policy->reject_backup_eligible && s.auth_data.backup_eligible())
    return errc::policy_backup_eligible_rejected;
  return {};
}

// WebAuthn L3 §7.2 step 22: hash = SHA-256(cData).
result<void> step_22_hash(auth_state& s) {
  s.client_data_hash = sha256(s.response.client_data_json);
  return {};
}

// WebAuthn L3 §7.2 step 23: sig verifies over authData ‖ hash with the stored public key.
// A key the caller imported from exactly these stored bytes (parse_cose_key, so the same checks)
// replaces the parse; anything else is parsed here.
result<void> step_23_signature(auth_state& s) {
  bytes data(s.response.authenticator_data);
  data.insert(data.end(), s.client_data_hash.begin(), s.client_data_hash.end());
  if (s.imported && s.imported->get() && equal_bytes(s.imported->cose(), s.credential.public_key_cose))
    return verify_signature(*s.imported, data, s.response.signature);
  auto key = parse_cose_key(s.credential.public_key_cose);
  if (!key) return key.error();
  return verify_signature(*key, data, s.response.signature);
}

// WebAuthn L3 §7.2 step 24: if either counter is non-zero, the new one must be greater than the
// stored one; otherwise the authenticator may be cloned. Refused unless policy allows it, in which
// case it is reported.
result<void> step_24_sign_count(auth_state& s) {
  const std::uint32_t stored = s.credential.sign_count;
  const std::uint32_t now = s.auth_data.sign_count;
  if ((stored != 0 || now != 0) && now <= stored) {
    if (!s.expected.policy->allow_sign_count_not_increased) return errc::ceremony_sign_count_not_increased;
    s.counter_not_increased = true;
  }
  return {};
}

}  // namespace

result<authentication_result> verify_authentication(const authentication_response& response,
                                                    const authentication_expectations& expected) {
  return verify_authentication(response, expected, nullptr);
}

result<authentication_result> verify_authentication(const authentication_response& response,
                                                    const authentication_expectations& expected,
                                                    const public_key* imported) {
  if (!expected.policy || !expected.credential) return errc::ceremony_options_invalid;
  auth_state s{response, expected, *expected.credential, imported, {}, {}, {}, false, false};
  if (auto r = step_5_allowed_credential(s); !r) return r.error();
  if (auto r = step_6_identify_user(s); !r) return r.error();
  if (auto r = step_8_10_parse(s); !r) return r.error();
  if (auto r = step_11_type(s); !r) return r.error();
  if (auto r = step_12_challenge(s); !r) return r.error();
  if (auto r = step_13_origin(s); !r) return r.error();
  if (auto r = step_14_cross_origin(s); !r) return r.error();
  if (auto r = step_15_top_origin(s); !r) return r.error();
  if (auto r = step_15a_payment(s); !r) return r.error();
  if (auto r = step_16_rp_id_hash(s); !r) return r.error();
  if (auto r = step_17_user_present(s); !r) return r.error();
  if (auto r = step_18_user_verified(s); !r) return r.error();
  if (auto r = step_19_20_backup_flags(s); !r) return r.error();
  if (auto r = step_22_hash(s); !r) return r.error();
  if (auto r = step_23_signature(s); !r) return r.error();
  if (auto r = step_24_sign_count(s); !r) return r.error();

  authentication_result out;
  out.id = response.raw_id;
  out.sign_count = s.auth_data.sign_count;
  out.user_verified = s.auth_data.user_verified();
  out.backup_eligible = s.auth_data.backup_eligible();
  out.backed_up = s.auth_data.backed_up();
  out.sign_count_not_increased = s.counter_not_increased;
  out.used_appid = s.used_appid;
  return out;
}

result<authentication_result> finish_authentication(const finish_authentication_options& o) {
  return finish_authentication(o, nullptr);
}

result<authentication_result> finish_authentication(const finish_authentication_options& o, const public_key* imported) {
  if (!o.ceremony || !o.response || !o.credential || !o.policy) return errc::ceremony_options_invalid;
  if (o.now > o.ceremony->expires_at()) return errc::ceremony_expired;
  const std::string expected_challenge = o.ceremony->challenge().to_base64url();
  authentication_expectations e;
  e.challenge = expected_challenge;
  e.origins = o.origins;
  e.rp_id = o.ceremony->rp_id().value();
  e.require_user_verification = o.ceremony->user_verification() == user_verification_requirement::required ||
                                o.policy->require_user_verification;
  e.allow_credentials = o.ceremony->allow_credentials();
  e.identified_user = o.ceremony->user() ? &*o.ceremony->user() : nullptr;
  e.credential = o.credential;
  e.policy = o.policy;
  e.payment = o.payment;
  return verify_authentication(*o.response, e, imported);
}

}  // namespace signet::core
