// "fido-u2f" attestation (WebAuthn L3 §8.6).
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "attestation/common.hpp"
#include "attestation/formats.hpp"
#include "cose/internal.hpp"

namespace signet::core {

using boost::system::result;

namespace {

bool is_p256(EVP_PKEY* key) {
  if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
  char name[64] = {};
  std::size_t len = 0;
  if (EVP_PKEY_get_group_name(key, name, sizeof(name), &len) != 1) return false;
  return std::string_view(name, len) == "prime256v1";
}

}  // namespace

result<attestation_result> verify_fido_u2f(const attestation_input& in) {
  if (!in.auth_data.attested) return errc::auth_data_attested_data_missing;
  // §8.6 step 1: attStmt is {x5c: [attestnCert], sig}.
  const cbor::value* x5c_v = cbor::find(in.att_stmt, "x5c");
  const cbor::value* sig_v = cbor::find(in.att_stmt, "sig");
  if (!x5c_v || !sig_v || !sig_v->as_bytes() || in.att_stmt.size() != 2) return errc::attestation_statement_malformed;
  // §8.6 step 2: x5c has exactly one element; its key MUST be EC P-256.
  auto chain = parse_x5c(*x5c_v);
  if (!chain) return chain.error();
  if (chain->certs.size() != 1) return errc::attestation_fido_u2f_invalid;
  X509* cert = chain->certs.front().get();
  if (!is_p256(X509_get0_pubkey(cert))) return errc::attestation_fido_u2f_invalid;

  // §8.6 step 3-4: rpIdHash and credentialId from authData; the credential key must be EC2 P-256,
  // converted to the raw ANSI X9.62 form publicKeyU2F = 0x04 ‖ x ‖ y.
  const auto& acd = *in.auth_data.attested;
  auto cose = cbor::decode_one(acd.public_key_cose);
  if (!cose || !cose->as_map()) return errc::attestation_fido_u2f_invalid;
  const bytes* x = cose_detail::get_bytes(*cose->as_map(), -2);
  const bytes* y = cose_detail::get_bytes(*cose->as_map(), -3);
  if (in.credential_key.alg() != static_cast<std::int32_t>(cose_alg::es256) || !x || !y || x->size() != 32 ||
      y->size() != 32)
    return errc::attestation_fido_u2f_invalid;

  // §8.6 step 5: verificationData = 0x00 ‖ rpIdHash ‖ clientDataHash ‖ credentialId ‖ publicKeyU2F.
  bytes data;
  data.reserve(1 + 32 + 32 + acd.id.size() + 65);
  data.push_back(0x00);
  data.insert(data.end(), in.auth_data.rp_id_hash.begin(), in.auth_data.rp_id_hash.end());
  data.insert(data.end(), in.client_data_hash.begin(), in.client_data_hash.end());
  data.insert(data.end(), acd.id.value().begin(), acd.id.value().end());
  data.push_back(0x04);
  data.insert(data.end(), x->begin(), x->end());
  data.insert(data.end(), y->begin(), y->end());
  // §8.6 step 6: verify sig (ECDSA P-256 / SHA-256) with the certificate key.
  if (auto r = verify_with_certificate(cert, static_cast<std::int32_t>(cose_alg::es256), data,
                                       *sig_v->as_bytes(), in.policy);
      !r)
    return r.error();

  if (auto r = check_certificate_validity(*chain, in.now, in.policy); !r) return r.error();
  auto trusted = validate_chain(*chain, in);
  if (!trusted) return trusted.error();
  // §8.6 step 7-8: Basic or AttCA (indistinguishable without metadata; reported as Basic).
  return attestation_result{attestation_type::basic, std::move(chain->der), *trusted};
}

}  // namespace signet::core
