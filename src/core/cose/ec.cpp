// ECDSA keys and signatures: ES256 (P-256), ES384 (P-384), ES512 (P-521). RFC 9053 §2.1, §7.1.1.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "cose/internal.hpp"

namespace signet::core::cose_detail {

using boost::system::result;

namespace {

struct curve {
  std::int64_t crv;      // COSE crv
  const char* name;      // OpenSSL group name
  std::size_t coord;     // bytes per coordinate
  std::int32_t alg;      // the one ES alg that goes with it
  const char* digest;
};

constexpr curve k_curves[] = {
    {1, "prime256v1", 32, static_cast<std::int32_t>(cose_alg::es256), "SHA256"},
    {2, "secp384r1", 48, static_cast<std::int32_t>(cose_alg::es384), "SHA384"},
    {3, "secp521r1", 66, static_cast<std::int32_t>(cose_alg::es512), "SHA512"},
};

const curve* curve_for_alg(std::int32_t alg) {
  for (const auto& c : k_curves)
    if (c.alg == alg) return &c;
  return nullptr;
}

}  // namespace

result<evp_pkey_ptr> ec_key_from_cose(const cbor::map& m, std::int32_t alg) {
  const cbor::value* crv_v = cbor::find(m, std::int64_t{-1});
  const bytes* x = get_bytes(m, -2);
  const bytes* y = get_bytes(m, -3);
  if (!crv_v || !crv_v->as_int() || !x) return errc::cose_key_malformed;
  // Compressed points (y as a bool) are legal COSE but no authenticator sends them; refuse them.
  if (!y) return errc::cose_key_malformed;
  const curve* c = nullptr;
  for (const auto& k : k_curves)
    if (k.crv == *crv_v->as_int()) c = &k;
  if (!c) return errc::cose_key_type_unsupported;
  // RFC 9053 §2.1: ES256 with P-256, ES384 with P-384, ES512 with P-521.
  if (c->alg != alg) return errc::cose_key_alg_mismatch;
  if (x->size() != c->coord || y->size() != c->coord) return errc::cose_key_invalid_point;

  bytes point;
  point.reserve(1 + 2 * c->coord);
  point.push_back(0x04);  // SEC1 uncompressed
  point.insert(point.end(), x->begin(), x->end());
  point.insert(point.end(), y->begin(), y->end());
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(c->name), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  auto key = pkey_from_params("EC", params);
  if (!key) return errc::cose_key_invalid_point;  // fromdata decodes the point and rejects off-curve ones
  // Full public-key validation (on curve, not infinity, correct order).
  if (!public_check(key->get())) return errc::cose_key_invalid_point;
  return key;
}

result<void> ec_verify(EVP_PKEY* key, std::int32_t alg, byte_view data, byte_view sig) {
  const curve* c = curve_for_alg(alg);
  if (!c) return errc::cose_alg_unsupported;
  if (sig.empty()) return errc::signature_malformed;
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, c->digest, nullptr, nullptr, key, nullptr) != 1)
    return errc::signature_invalid;
  // WebAuthn ECDSA signatures are ASN.1 DER (RFC 3279 Ecdsa-Sig-Value), which OpenSSL expects.
  if (EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data(), data.size()) != 1)
    return errc::signature_invalid;
  return {};
}

}  // namespace signet::core::cose_detail
