// "tpm" attestation statement format (WebAuthn L3 §8.3).
//
// attStmt = { ver: "2.0", alg: int, x5c: [aikCert, *caCert], sig: bytes, certInfo: bytes, pubArea: bytes }
// Reports attestation type AttCA; trusted when validate_chain() anchored the AIK chain.
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <memory>
#include <string>

#include "attestation/common.hpp"
#include "attestation/formats.hpp"
#include "attestation/tpm/tpm_structs.hpp"
#include "signet/core/errc.hpp"
#include "signet/core/policy.hpp"

namespace signet::core {

namespace {

using boost::system::result;

struct bn_deleter {
  void operator()(BIGNUM* p) const noexcept { BN_free(p); }
};
using bn_ptr = std::unique_ptr<BIGNUM, bn_deleter>;
struct general_names_deleter {
  void operator()(GENERAL_NAMES* p) const noexcept { GENERAL_NAMES_free(p); }
};
struct eku_deleter {
  void operator()(EXTENDED_KEY_USAGE* p) const noexcept { EXTENDED_KEY_USAGE_free(p); }
};

// TCG EK Credential Profile 2.0 §3.2.9 subject alternative name attributes, and tcg-kp-AIKCertificate.
constexpr std::string_view oid_tpm_manufacturer = "2.23.133.2.1";
constexpr std::string_view oid_tpm_model = "2.23.133.2.2";
constexpr std::string_view oid_tpm_version = "2.23.133.2.3";
constexpr std::string_view oid_tcg_kp_aik_certificate = "2.23.133.8.3";

std::string dotted_oid(const ASN1_OBJECT* obj) {
  std::array<char, 128> buf{};
  const int n = OBJ_obj2txt(buf.data(), static_cast<int>(buf.size()), obj, 1);
  if (n <= 0 || static_cast<std::size_t>(n) >= buf.size()) return {};
  return std::string(buf.data(), static_cast<std::size_t>(n));
}

struct tpm_statement {
  std::int32_t alg = 0;
  certificate_chain chain;
  byte_view sig;
  byte_view cert_info_raw;
  byte_view pub_area_raw;
};

// WebAuthn L3 §8.3 verification step 1: attStmt is valid CBOR conforming to the syntax above;
// extract the contained fields. ver must be "2.0".
result<tpm_statement> parse_statement(const cbor::map& st) {
  const cbor::value* ver = cbor::find(st, "ver");
  const cbor::value* alg = cbor::find(st, "alg");
  const cbor::value* x5c = cbor::find(st, "x5c");
  const cbor::value* sig = cbor::find(st, "sig");
  const cbor::value* cert_info = cbor::find(st, "certInfo");
  const cbor::value* pub_area = cbor::find(st, "pubArea");
  if (!ver || !alg || !sig || !cert_info || !pub_area || !ver->as_text() || !alg->as_int() || !sig->as_bytes() ||
      !cert_info->as_bytes() || !pub_area->as_bytes())
    return errc::attestation_statement_malformed;
  // ECDAA (ecdaaKeyId) is gone from WebAuthn Level 3; a TPM statement without x5c cannot be verified.
  if (!x5c || cbor::find(st, "ecdaaKeyId")) return errc::attestation_statement_malformed;
  if (st.size() != 6) return errc::attestation_statement_malformed;  // no members beyond the syntax
  if (*ver->as_text() != "2.0") return tpm::err_version;
  const std::int64_t a = *alg->as_int();
  if (a < INT32_MIN || a > INT32_MAX) return errc::attestation_statement_malformed;
  auto chain = parse_x5c(*x5c);
  if (!chain) return chain.error();
  tpm_statement out;
  out.alg = static_cast<std::int32_t>(a);
  out.chain = std::move(*chain);
  out.sig = *sig->as_bytes();
  out.cert_info_raw = *cert_info->as_bytes();
  out.pub_area_raw = *pub_area->as_bytes();
  return out;
}

bool bn_equals_bytes(const BIGNUM* expected, byte_view be) {
  bn_ptr v(BN_bin2bn(be.data(), static_cast<int>(be.size()), nullptr));
  return v && BN_cmp(v.get(), expected) == 0;
}

bn_ptr key_bn_param(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) return nullptr;
  return bn_ptr(bn);
}

// WebAuthn L3 §8.3 verification step 2: the public key specified by the parameters and unique
// fields of pubArea is identical to the credentialPublicKey in attestedCredentialData.
// Values are compared as unsigned integers: a TPM2B may carry a leading zero byte that COSE does not
// (Yubico's test TPM writes a 33-byte y coordinate in "tpm-valid-es256"); the key is the same.
result<void> check_pub_area_matches_credential(const tpm::pub_area& pa, const public_key& cred) {
  EVP_PKEY* key = cred.get();
  if (pa.type == tpm::alg_rsa) {
    if (!EVP_PKEY_is_a(key, "RSA")) return tpm::err_pub_area_key_mismatch;
    bn_ptr n = key_bn_param(key, OSSL_PKEY_PARAM_RSA_N);
    bn_ptr e = key_bn_param(key, OSSL_PKEY_PARAM_RSA_E);
    if (!n || !e) return tpm::err_pub_area_key_mismatch;
    if (!bn_equals_bytes(n.get(), pa.rsa_modulus)) return tpm::err_pub_area_key_mismatch;
    const std::uint32_t exp = pa.rsa_exponent == 0 ? tpm::rsa_default_exponent : pa.rsa_exponent;
    if (!BN_is_word(e.get(), exp)) return tpm::err_pub_area_key_mismatch;
    return {};
  }
  // parse_pub_area admits only RSA and ECC.
  if (!EVP_PKEY_is_a(key, "EC")) return tpm::err_pub_area_key_mismatch;
  std::array<char, 64> group{};
  std::size_t group_len = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(), &group_len) != 1)
    return tpm::err_pub_area_key_mismatch;
  const int nid = OBJ_sn2nid(group.data());
  const int expected_nid = pa.curve_id == tpm::ecc_nist_p256   ? NID_X9_62_prime256v1
                           : pa.curve_id == tpm::ecc_nist_p384 ? NID_secp384r1
                           : pa.curve_id == tpm::ecc_nist_p521 ? NID_secp521r1
                                                               : NID_undef;
  if (expected_nid == NID_undef || nid != expected_nid) return tpm::err_pub_area_key_mismatch;
  bn_ptr x = key_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X);
  bn_ptr y = key_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y);
  if (!x || !y) return tpm::err_pub_area_key_mismatch;
  if (!bn_equals_bytes(x.get(), pa.ecc_x) || !bn_equals_bytes(y.get(), pa.ecc_y)) return tpm::err_pub_area_key_mismatch;
  return {};
}

// WebAuthn L3 §8.3 verification step 4, first bullet: magic is TPM_GENERATED_VALUE.
result<void> check_cert_info_magic(const tpm::cert_info& ci) {
  if (ci.magic != tpm::generated_value) return tpm::err_cert_info_magic;
  return {};
}

// WebAuthn L3 §8.3 verification step 4, second bullet: type is TPM_ST_ATTEST_CERTIFY.
result<void> check_cert_info_type(const tpm::cert_info& ci) {
  if (ci.type != tpm::st_attest_certify) return tpm::err_cert_info_type;
  return {};
}

// WebAuthn L3 §8.3 verification steps 3 and 4, third bullet: extraData is the hash of
// attToBeSigned (authenticatorData ‖ clientDataHash) with the hash algorithm employed in "alg".
result<void> check_cert_info_extra_data(const tpm::cert_info& ci, std::int32_t alg, const attestation_input& in) {
  const EVP_MD* md = digest_for_cose_alg(alg);
  if (!md) return errc::cose_alg_unsupported;
  bytes to_be_signed(in.auth_data_raw.begin(), in.auth_data_raw.end());
  to_be_signed.insert(to_be_signed.end(), in.client_data_hash.begin(), in.client_data_hash.end());
  if (!equal_bytes(ci.extra_data, digest(md, to_be_signed))) return tpm::err_cert_info_extra_data;
  return {};
}

// WebAuthn L3 §8.3 verification step 4, fourth bullet: attested.name is a valid Name for pubArea
// (TPM 2.0 Part 1 §16: nameAlg as a big-endian UINT16 ‖ H_nameAlg(pubArea)), computed with pubArea's
// nameAlg. The remaining TPMS_ATTEST fields (qualifiedSigner, clockInfo, firmwareVersion,
// qualifiedName) are ignored, as the step says.
result<void> check_cert_info_name(const tpm::cert_info& ci, const tpm::pub_area& pa, byte_view pub_area_raw) {
  const EVP_MD* md = tpm::digest_for_tpm_alg(pa.name_alg);
  if (!md) return tpm::err_cert_info_name;
  bytes name{static_cast<byte>(pa.name_alg >> 8), static_cast<byte>(pa.name_alg & 0xff)};
  const bytes h = digest(md, pub_area_raw);
  name.insert(name.end(), h.begin(), h.end());
  if (!equal_bytes(ci.attested_name, name)) return tpm::err_cert_info_name;
  return {};
}

// WebAuthn L3 §8.3.1: the SAN extension is set as in TCG EK Credential Profile §3.2.9: a
// directoryName carrying tpmManufacturer, tpmModel and tpmVersion. Windows TPMs put the three
// attributes in one multi-valued RDN instead of three RDNs (SimpleWebAuthn vector
// "non-spec-compliant tcgAtTpm SAN structure"); both encodings name the same attributes, so every
// entry of every directoryName is examined.
bool has_tpm_san(X509* cert) {
  int crit = 0;
  std::unique_ptr<GENERAL_NAMES, general_names_deleter> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, &crit, nullptr)));
  if (!names) return false;
  bool manufacturer = false, model = false, version = false;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
    if (gn->type != GEN_DIRNAME) continue;
    X509_NAME* dn = gn->d.directoryName;
    for (int j = 0; j < X509_NAME_entry_count(dn); ++j) {
      const std::string oid = dotted_oid(X509_NAME_ENTRY_get_object(X509_NAME_get_entry(dn, j)));
      manufacturer = manufacturer || oid == oid_tpm_manufacturer;
      model = model || oid == oid_tpm_model;
      version = version || oid == oid_tpm_version;
    }
  }
  return manufacturer && model && version;
}

bool has_aik_eku(X509* cert) {
  int crit = 0;
  std::unique_ptr<EXTENDED_KEY_USAGE, eku_deleter> eku(
      static_cast<EXTENDED_KEY_USAGE*>(X509_get_ext_d2i(cert, NID_ext_key_usage, &crit, nullptr)));
  if (!eku) return false;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i)
    if (dotted_oid(sk_ASN1_OBJECT_value(eku.get(), i)) == oid_tcg_kp_aik_certificate) return true;
  return false;
}

// WebAuthn L3 §8.3 verification step 6 / §8.3.1: aikCert requirements — version 3, empty subject,
// TPM SAN, EKU tcg-kp-AIKCertificate, basicConstraints CA false. (AIA and CRL DP are optional.)
// The TPM manufacturer id is not compared with the TCG vendor registry: that list is not part of
// the spec and trust in the manufacturer comes from the trust source's anchors.
result<void> check_aik_certificate(X509* aik) {
  if (certificate_version(aik) != 3) return errc::attestation_certificate_requirements;
  if (X509_NAME_entry_count(X509_get_subject_name(aik)) != 0) return errc::attestation_certificate_requirements;
  if (!has_tpm_san(aik)) return errc::attestation_certificate_requirements;
  if (!has_aik_eku(aik)) return errc::attestation_certificate_requirements;
  if (certificate_is_ca(aik)) return errc::attestation_certificate_requirements;
  return {};
}

}  // namespace

boost::system::result<attestation_result> verify_tpm(const attestation_input& in) {
  if (!in.auth_data.attested) return errc::auth_data_attested_data_missing;
  // Step 1: syntax.
  auto st = parse_statement(in.att_stmt);
  if (!st) return st.error();
  auto pa = tpm::parse_pub_area(st->pub_area_raw);
  if (!pa) return pa.error();
  auto ci = tpm::parse_cert_info(st->cert_info_raw);
  if (!ci) return ci.error();

  // Step 2: pubArea describes the credential public key.
  if (auto r = check_pub_area_matches_credential(*pa, in.credential_key); !r) return r.error();

  // Steps 3-4: certInfo is valid.
  if (auto r = check_cert_info_magic(*ci); !r) return r.error();
  if (auto r = check_cert_info_type(*ci); !r) return r.error();
  if (auto r = check_cert_info_extra_data(*ci, st->alg, in); !r) return r.error();
  if (auto r = check_cert_info_name(*ci, *pa, st->pub_area_raw); !r) return r.error();

  // Step 5: sig is a valid signature over certInfo with the AIK certificate's key and "alg"
  // (RS1 only when policy.allow_sha1_attestation, enforced by verify_with_certificate).
  X509* aik = st->chain.certs.front().get();
  if (auto r = verify_with_certificate(aik, st->alg, st->cert_info_raw, st->sig, in.policy); !r) return r.error();

  // Step 6: aikCert meets §8.3.1, and every certificate is within its validity period at `now`.
  if (auto r = check_aik_certificate(aik); !r) return r.error();
  if (auto r = check_certificate_validity(st->chain, in.now, in.policy); !r) return r.error();

  // Step 7: id-fido-gen-ce-aaguid, when present, matches authenticatorData's aaguid.
  if (auto r = check_aaguid_extension(aik, in.auth_data.attested->aaguid); !r) return r.error();

  // Step 8: AttCA with trust path x5c; anchored when the trust source knows the chain's root
  // (validate_chain enforces policy.require_trusted_attestation).
  auto anchored = validate_chain(st->chain, in);
  if (!anchored) return anchored.error();

  attestation_result out;
  out.type = attestation_type::attca;
  out.x5c = std::move(st->chain.der);
  out.trusted = *anchored;
  return out;
}

}  // namespace signet::core
