// Shared X.509 helpers for the attestation verifiers. See common.hpp for each contract.
#include "attestation/common.hpp"

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <string>

#include "cose/internal.hpp"
#include "limits.hpp"
#include "signet/core/cose.hpp"

namespace signet::core {

using boost::system::result;

void x509_deleter::operator()(X509* p) const noexcept { X509_free(p); }

namespace {

struct store_deleter {
  void operator()(X509_STORE* p) const noexcept { X509_STORE_free(p); }
};
struct store_ctx_deleter {
  void operator()(X509_STORE_CTX* p) const noexcept { X509_STORE_CTX_free(p); }
};
struct stack_deleter {
  void operator()(STACK_OF(X509) * p) const noexcept { sk_X509_free(p); }  // does not free the certs
};
struct asn1_object_deleter {
  void operator()(ASN1_OBJECT* p) const noexcept { ASN1_OBJECT_free(p); }
};
struct octet_string_deleter {
  void operator()(ASN1_OCTET_STRING* p) const noexcept { ASN1_OCTET_STRING_free(p); }
};

bool is_validity_error(int err) {
  return err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID ||
         err == X509_V_ERR_CRL_HAS_EXPIRED || err == X509_V_ERR_CRL_NOT_YET_VALID;
}

}  // namespace

result<x509_ptr> parse_der_certificate(byte_view der) {
  if (der.empty() || der.size() > limits::cbor_max_input) return errc::attestation_certificate_invalid;
  const unsigned char* p = der.data();
  x509_ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return errc::attestation_certificate_invalid;
  if (p != der.data() + der.size()) return errc::attestation_certificate_invalid;  // trailing bytes
  return cert;
}

result<certificate_chain> parse_x5c(const cbor::value& x5c) {
  const cbor::array* arr = x5c.as_array();
  if (!arr || arr->empty() || arr->size() > limits::x5c_max_certificates)
    return errc::attestation_statement_malformed;
  certificate_chain out;
  for (const auto& item : *arr) {
    const bytes* der = item.as_bytes();
    if (!der) return errc::attestation_statement_malformed;
    auto cert = parse_der_certificate(*der);
    if (!cert) return cert.error();
    out.certs.push_back(std::move(*cert));
    out.der.push_back(*der);
  }
  return out;
}

result<void> verify_with_certificate(X509* cert, std::int32_t alg, byte_view data, byte_view sig,
                                     const policy& pol) {
  if (alg == static_cast<std::int32_t>(cose_alg::rs1) && !pol.allow_sha1_attestation)
    return errc::policy_sha1_not_allowed;
  EVP_PKEY* key = X509_get0_pubkey(cert);  // owned by cert
  if (!key) return errc::attestation_certificate_invalid;
  auto r = verify_signature(key, alg, data, sig);
  if (!r) {
    if (r.error() == errc::signature_invalid || r.error() == errc::signature_malformed)
      return errc::attestation_signature_invalid;
    if (r.error() == errc::cose_key_alg_mismatch) return errc::attestation_alg_mismatch;
    return r.error();
  }
  return {};
}

std::int64_t to_unix_seconds(std::chrono::system_clock::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

result<void> check_certificate_validity(const certificate_chain& chain, std::chrono::system_clock::time_point now,
                                        const policy& pol) {
  if (pol.danger_ignore_certificate_validity) return {};
  time_t t = static_cast<time_t>(to_unix_seconds(now));
  for (const auto& c : chain.certs) {
    // X509_cmp_time: -1 when the ASN1 time is before t, 1 when after, 0 on error.
    const int nb = X509_cmp_time(X509_get0_notBefore(c.get()), &t);
    const int na = X509_cmp_time(X509_get0_notAfter(c.get()), &t);
    if (nb == 0 || na == 0) return errc::attestation_certificate_invalid;
    if (nb > 0 || na < 0) return errc::attestation_certificate_expired;
  }
  return {};
}

result<bool> validate_chain(const certificate_chain& chain, const attestation_input& in,
                            const std::vector<X509*>& extra_anchors) {
  // No revocation source exists in core yet: a policy that demands revocation checking fails closed.
  if (in.policy.require_revocation_check) return errc::attestation_revocation_unchecked;
  std::vector<std::shared_ptr<X509>> anchors;
  if (in.trust) {
    const aaguid id = in.auth_data.attested ? in.auth_data.attested->aaguid : aaguid{};
    anchors = in.trust->anchors(in.fmt, id);
  }
  if (anchors.empty() && extra_anchors.empty()) {
    if (in.policy.require_trusted_attestation) return errc::attestation_trust_required;
    return false;
  }
  std::unique_ptr<X509_STORE, store_deleter> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, store_ctx_deleter> ctx(X509_STORE_CTX_new());
  std::unique_ptr<STACK_OF(X509), stack_deleter> untrusted(sk_X509_new_null());
  if (!store || !ctx || !untrusted) return errc::attestation_chain_untrusted;
  for (const auto& a : anchors)
    if (a && X509_STORE_add_cert(store.get(), a.get()) != 1) return errc::attestation_chain_untrusted;
  for (X509* a : extra_anchors)
    if (a && X509_STORE_add_cert(store.get(), a) != 1) return errc::attestation_chain_untrusted;
  for (std::size_t i = 1; i < chain.certs.size(); ++i)
    if (!sk_X509_push(untrusted.get(), chain.certs[i].get())) return errc::attestation_chain_untrusted;
  if (X509_STORE_CTX_init(ctx.get(), store.get(), chain.certs.front().get(), untrusted.get()) != 1)
    return errc::attestation_chain_untrusted;
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  // Attestation certificates carry no EKU/purpose we could require; anchors are trusted as given
  // (a root or an intermediate a format ships), so partial chains ending in an anchor are accepted.
  unsigned long flags = X509_V_FLAG_PARTIAL_CHAIN;
  // OpenSSL consults USE_CHECK_TIME (set by X509_VERIFY_PARAM_set_time) before NO_CHECK_TIME, so
  // the injected time is set only when validity is checked at all.
  if (in.policy.danger_ignore_certificate_validity) flags |= X509_V_FLAG_NO_CHECK_TIME;
  X509_VERIFY_PARAM_set_flags(param, flags);
  if (!in.policy.danger_ignore_certificate_validity)
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(to_unix_seconds(in.now)));
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    if (is_validity_error(err)) return errc::attestation_certificate_expired;
    return errc::attestation_chain_untrusted;
  }
  return true;
}

std::optional<bytes> certificate_extension(X509* cert, std::string_view oid) {
  std::unique_ptr<ASN1_OBJECT, asn1_object_deleter> obj(OBJ_txt2obj(std::string(oid).c_str(), 1));
  if (!obj) return std::nullopt;
  const int idx = X509_get_ext_by_OBJ(cert, obj.get(), -1);
  if (idx < 0) return std::nullopt;
  X509_EXTENSION* ext = X509_get_ext(cert, idx);
  const ASN1_OCTET_STRING* data = ext ? X509_EXTENSION_get_data(ext) : nullptr;
  if (!data) return std::nullopt;
  const unsigned char* p = ASN1_STRING_get0_data(data);
  return bytes(p, p + ASN1_STRING_length(data));
}

result<void> check_aaguid_extension(X509* cert, const aaguid& expected) {
  static constexpr std::string_view k_oid = "1.3.6.1.4.1.45724.1.1.4";
  std::unique_ptr<ASN1_OBJECT, asn1_object_deleter> obj(OBJ_txt2obj(k_oid.data(), 1));
  if (!obj) return errc::attestation_certificate_invalid;
  const int idx = X509_get_ext_by_OBJ(cert, obj.get(), -1);
  if (idx < 0) return {};  // absent: nothing to check
  X509_EXTENSION* ext = X509_get_ext(cert, idx);
  // WebAuthn L3 §8.2.1: the extension MUST NOT be marked critical.
  if (!ext || X509_EXTENSION_get_critical(ext)) return errc::attestation_aaguid_mismatch;
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
  // extnValue holds a DER OCTET STRING wrapping the 16 AAGUID bytes.
  const unsigned char* p = ASN1_STRING_get0_data(data);
  const long len = ASN1_STRING_length(data);
  std::unique_ptr<ASN1_OCTET_STRING, octet_string_deleter> inner(d2i_ASN1_OCTET_STRING(nullptr, &p, len));
  if (!inner || p != ASN1_STRING_get0_data(data) + len) return errc::attestation_aaguid_mismatch;
  if (ASN1_STRING_length(inner.get()) != 16) return errc::attestation_aaguid_mismatch;
  if (!equal_bytes(byte_view(ASN1_STRING_get0_data(inner.get()), 16), expected.value))
    return errc::attestation_aaguid_mismatch;
  return {};
}

std::optional<std::string> subject_entry(X509* cert, int nid) {
  X509_NAME* name = X509_get_subject_name(cert);
  if (!name) return std::nullopt;
  const int idx = X509_NAME_get_index_by_NID(name, nid, -1);
  if (idx < 0) return std::nullopt;
  ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  unsigned char* utf8 = nullptr;
  const int len = ASN1_STRING_to_UTF8(&utf8, s);
  if (len < 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(len));
  OPENSSL_free(utf8);
  return out;
}

bool certificate_is_ca(X509* cert) noexcept { return X509_check_ca(cert) != 0 && (X509_get_extension_flags(cert) & EXFLAG_CA); }

long certificate_version(X509* cert) noexcept { return X509_get_version(cert) + 1; }

bool certificate_key_equals(X509* cert, EVP_PKEY* key) noexcept {
  EVP_PKEY* ck = X509_get0_pubkey(cert);
  return ck && key && EVP_PKEY_eq(ck, key) == 1;
}

bytes digest(const EVP_MD* md, byte_view data) {
  bytes out(static_cast<std::size_t>(EVP_MAX_MD_SIZE));
  unsigned int len = 0;
  if (!md || EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1) return {};
  out.resize(len);
  return out;
}

bytes sha256(byte_view data) { return digest(EVP_sha256(), data); }

const EVP_MD* digest_for_cose_alg(std::int32_t alg) noexcept {
  switch (static_cast<cose_alg>(alg)) {
    case cose_alg::es256:
    case cose_alg::rs256:
    case cose_alg::ps256:
      return EVP_sha256();
    case cose_alg::es384:
    case cose_alg::rs384:
    case cose_alg::ps384:
      return EVP_sha384();
    case cose_alg::es512:
    case cose_alg::rs512:
    case cose_alg::ps512:
      return EVP_sha512();
    case cose_alg::rs1:
      return EVP_sha1();
    default:
      return nullptr;
  }
}

bool equal_bytes(byte_view a, byte_view b) noexcept {
  return a.size() == b.size() && (a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0);
}

}  // namespace signet::core
