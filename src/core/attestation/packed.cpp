// "packed" attestation (WebAuthn L3 §8.2): self attestation or an x5c chain (basic / attCA).
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "attestation/common.hpp"
#include "attestation/formats.hpp"

namespace signet::core {

using boost::system::result;

namespace {

// §8.2.1 Packed Attestation Statement Certificate Requirements.
result<void> check_packed_certificate(X509* cert, const aaguid& id) {
  // Version MUST be 3.
  if (certificate_version(cert) != 3) return errc::attestation_certificate_requirements;
  // Subject: C (ISO 3166 code), O (vendor), OU = "Authenticator Attestation", CN.
  const auto c = subject_entry(cert, NID_countryName);
  const auto o = subject_entry(cert, NID_organizationName);
  const auto ou = subject_entry(cert, NID_organizationalUnitName);
  const auto cn = subject_entry(cert, NID_commonName);
  if (!c || c->size() != 2 || !o || o->empty() || !ou || *ou != "Authenticator Attestation" || !cn)
    return errc::attestation_certificate_requirements;
  // Basic Constraints CA MUST be false.
  if (certificate_is_ca(cert)) return errc::attestation_certificate_requirements;
  // id-fido-gen-ce-aaguid, when present, MUST match authData's AAGUID.
  return check_aaguid_extension(cert, id);
}

}  // namespace

result<attestation_result> verify_packed(const attestation_input& in) {
  if (!in.auth_data.attested) return errc::auth_data_attested_data_missing;
  // §8.2 step 1: attStmt is {alg, sig, x5c?}; decode and extract.
  const cbor::value* alg_v = cbor::find(in.att_stmt, "alg");
  const cbor::value* sig_v = cbor::find(in.att_stmt, "sig");
  const cbor::value* x5c_v = cbor::find(in.att_stmt, "x5c");
  if (!alg_v || !alg_v->as_int() || !sig_v || !sig_v->as_bytes()) return errc::attestation_statement_malformed;
  if (cbor::find(in.att_stmt, "ecdaaKeyId")) return errc::attestation_format_unsupported;  // ECDAA removed in L2
  if (in.att_stmt.size() != (x5c_v ? 3u : 2u)) return errc::attestation_statement_malformed;
  const std::int64_t alg64 = *alg_v->as_int();
  if (alg64 < INT32_MIN || alg64 > INT32_MAX) return errc::cose_alg_unsupported;
  const auto alg = static_cast<std::int32_t>(alg64);
  const bytes& sig = *sig_v->as_bytes();

  bytes signed_data(in.auth_data_raw.begin(), in.auth_data_raw.end());
  signed_data.insert(signed_data.end(), in.client_data_hash.begin(), in.client_data_hash.end());

  if (x5c_v) {
    // §8.2 step 2: verify sig with attestnCert's key and alg over authenticatorData ‖ clientDataHash.
    auto chain = parse_x5c(*x5c_v);
    if (!chain) return chain.error();
    X509* leaf = chain->certs.front().get();
    if (auto r = verify_with_certificate(leaf, alg, signed_data, sig, in.policy); !r) return r.error();
    // §8.2.1 requirements, including the id-fido-gen-ce-aaguid match.
    if (auto r = check_packed_certificate(leaf, in.auth_data.attested->aaguid); !r) return r.error();
    // Certificate validity at `now`, then path validation against the injected anchors.
    if (auto r = check_certificate_validity(*chain, in.now, in.policy); !r) return r.error();
    auto trusted = validate_chain(*chain, in);
    if (!trusted) return trusted.error();
    // §8.2 step 2: the type is Basic or AttCA; telling them apart needs metadata we do not have,
    // so we report Basic (the conservative reading of an x5c statement).
    return attestation_result{attestation_type::basic, std::move(chain->der), *trusted};
  }

  // §8.2 step 3: self attestation. alg must match the credential key's alg; verify with that key.
  if (alg != in.credential_key.alg()) return errc::attestation_alg_mismatch;
  if (alg == static_cast<std::int32_t>(cose_alg::rs1) && !in.policy.allow_sha1_attestation)
    return errc::policy_sha1_not_allowed;
  auto r = verify_signature(in.credential_key.get(), alg, signed_data, sig);
  if (!r) {
    if (r.error() == errc::signature_invalid || r.error() == errc::signature_malformed)
      return errc::attestation_signature_invalid;
    return r.error();
  }
  return attestation_result{attestation_type::self, {}, false};
}

}  // namespace signet::core
