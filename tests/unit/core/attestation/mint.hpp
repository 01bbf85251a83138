// Test-only minting of keys, certificates, DER fragments and signatures (OpenSSL 3 EVP/X509), so the
// format tests can build statements that are validly signed and break exactly one thing.
#pragma once

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "attestation/common.hpp"
#include "signet/core/bytes.hpp"
#include "signet/core/cose.hpp"

namespace signet::test::mint {

using core::byte;
using core::byte_view;
using core::bytes;

using pkey_ptr = std::shared_ptr<EVP_PKEY>;
using cert_ptr = std::shared_ptr<X509>;

inline void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("mint: ") + what);
}

inline pkey_ptr ec_key(const char* curve = "P-256") {
  EVP_PKEY* k = EVP_EC_gen(curve);
  check(k != nullptr, "EVP_EC_gen");
  return pkey_ptr(k, &EVP_PKEY_free);
}

/// The credential public key as core sees it (COSE bytes are not used by the format verifiers).
inline core::public_key credential(const pkey_ptr& key, std::int32_t alg = -7) {
  check(EVP_PKEY_up_ref(key.get()) == 1, "up_ref");
  return core::public_key(core::evp_pkey_ptr(key.get()), alg, {});
}

// ---- DER ----------------------------------------------------------------------------------------

inline bytes der_length(std::size_t n) {
  if (n < 0x80) return {static_cast<byte>(n)};
  bytes len;
  for (std::size_t v = n; v; v >>= 8) len.insert(len.begin(), static_cast<byte>(v & 0xff));
  len.insert(len.begin(), static_cast<byte>(0x80 | len.size()));
  return len;
}
/// TLV with a one-byte identifier.
inline bytes der(byte id, const bytes& content) {
  bytes out{id};
  const bytes len = der_length(content.size());
  out.insert(out.end(), len.begin(), len.end());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}
/// Context-specific constructed [tag] EXPLICIT wrapper, any tag number (high-tag form above 30).
inline bytes der_explicit(std::uint32_t tag, const bytes& inner) {
  bytes out;
  if (tag < 31) {
    out.push_back(static_cast<byte>(0xA0 | tag));
  } else {
    out.push_back(0xBF);
    bytes t;
    for (std::uint32_t v = tag; v; v >>= 7) t.insert(t.begin(), static_cast<byte>(v & 0x7f));
    for (std::size_t i = 0; i + 1 < t.size(); ++i) t[i] |= 0x80;
    out.insert(out.end(), t.begin(), t.end());
  }
  const bytes len = der_length(inner.size());
  out.insert(out.end(), len.begin(), len.end());
  out.insert(out.end(), inner.begin(), inner.end());
  return out;
}
inline bytes der_int(std::int64_t v) {
  bytes c;
  do {
    c.insert(c.begin(), static_cast<byte>(v & 0xff));
    v >>= 8;
  } while (v != 0 && v != -1);
  if ((v == 0 && (c[0] & 0x80)) || (v == -1 && !(c[0] & 0x80))) c.insert(c.begin(), static_cast<byte>(v & 0xff));
  return der(0x02, c);
}
inline bytes der_seq(std::initializer_list<bytes> parts) {
  bytes c;
  for (const auto& p : parts) c.insert(c.end(), p.begin(), p.end());
  return der(0x30, c);
}
inline bytes der_set(std::initializer_list<bytes> parts) {
  bytes c;
  for (const auto& p : parts) c.insert(c.end(), p.begin(), p.end());
  return der(0x31, c);
}
inline bytes der_octets(byte_view v) { return der(0x04, bytes(v.begin(), v.end())); }

// ---- Certificates -------------------------------------------------------------------------------

struct extension {
  std::string oid;
  bytes value;  // contents of extnValue
  bool critical = false;
};

struct cert_spec {
  std::string subject_cn = "Signet test leaf";  // empty: empty subject
  std::string issuer_cn = "Signet test CA";
  std::vector<std::string> dns_names;  // subjectAltName dNSName entries
  std::vector<extension> extensions;
  std::chrono::system_clock::time_point not_before = std::chrono::system_clock::from_time_t(1'600'000'000);
  std::chrono::system_clock::time_point not_after = std::chrono::system_clock::from_time_t(2'000'000'000);
  bool ca = false;
};

inline cert_ptr certificate(const cert_spec& spec, const pkey_ptr& subject_key, const pkey_ptr& issuer_key) {
  cert_ptr c(X509_new(), &X509_free);
  check(c && X509_set_version(c.get(), 2) == 1, "X509_new");
  check(ASN1_INTEGER_set(X509_get_serialNumber(c.get()), 4242) == 1, "serial");
  const auto set_cn = [](X509_NAME* n, const std::string& cn) {
    if (!cn.empty())
      check(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                       -1, 0) == 1,
            "CN");
  };
  X509_NAME* subject = X509_get_subject_name(c.get());
  set_cn(subject, spec.subject_cn);
  X509_NAME* issuer = X509_get_issuer_name(c.get());
  set_cn(issuer, spec.issuer_cn);
  check(ASN1_TIME_set(X509_getm_notBefore(c.get()), std::chrono::system_clock::to_time_t(spec.not_before)) != nullptr,
        "notBefore");
  check(ASN1_TIME_set(X509_getm_notAfter(c.get()), std::chrono::system_clock::to_time_t(spec.not_after)) != nullptr,
        "notAfter");
  check(X509_set_pubkey(c.get(), subject_key.get()) == 1, "pubkey");

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, c.get(), c.get(), nullptr, nullptr, 0);
  const auto add_conf = [&](int nid, const std::string& value) {
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    check(e != nullptr, "X509V3_EXT_conf_nid");
    check(X509_add_ext(c.get(), e, -1) == 1, "add_ext");
    X509_EXTENSION_free(e);
  };
  add_conf(NID_basic_constraints, spec.ca ? "critical,CA:TRUE" : "CA:FALSE");
  if (!spec.dns_names.empty()) {
    std::string san;
    for (const auto& d : spec.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
    add_conf(NID_subject_alt_name, san);
  }
  for (const auto& ext : spec.extensions) {
    ASN1_OBJECT* obj = OBJ_txt2obj(ext.oid.c_str(), 1);
    ASN1_OCTET_STRING* os = ASN1_OCTET_STRING_new();
    check(obj && os && ASN1_OCTET_STRING_set(os, ext.value.data(), static_cast<int>(ext.value.size())) == 1, "ext");
    X509_EXTENSION* e = X509_EXTENSION_create_by_OBJ(nullptr, obj, ext.critical ? 1 : 0, os);
    check(e != nullptr && X509_add_ext(c.get(), e, -1) == 1, "custom ext");
    X509_EXTENSION_free(e);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
  }
  check(X509_sign(c.get(), issuer_key.get(), EVP_sha256()) > 0, "X509_sign");
  return c;
}

inline bytes to_der(const cert_ptr& c) {
  const int n = i2d_X509(c.get(), nullptr);
  check(n > 0, "i2d_X509");
  bytes out(static_cast<std::size_t>(n));
  unsigned char* p = out.data();
  check(i2d_X509(c.get(), &p) == n, "i2d_X509");
  return out;
}

/// DER ECDSA / RSA PKCS#1 v1.5 signature with SHA-256.
inline bytes sign(const pkey_ptr& key, byte_view data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  check(ctx && EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1, "DigestSignInit");
  std::size_t len = 0;
  check(EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) == 1, "DigestSign size");
  bytes sig(len);
  check(EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) == 1, "DigestSign");
  sig.resize(len);
  return sig;
}

inline bytes concat(byte_view a, byte_view b) {
  bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

/// Minimal authenticator data for synthetic statements: the verifiers only sign/hash the raw bytes
/// and read attested->aaguid from the parsed struct.
struct fake_auth_data {
  bytes raw = bytes(37 + 16, 0x5a);
  core::authenticator_data parsed;
  fake_auth_data() { parsed.attested.emplace(); }
};

}  // namespace signet::test::mint
