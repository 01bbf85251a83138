// EdDSA keys and signatures (RFC 8032): Ed25519 and Ed448 as COSE OKP keys (RFC 9053 §2.2, §7.2).
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "cose/internal.hpp"

namespace signet::core::cose_detail {

using boost::system::result;

result<evp_pkey_ptr> okp_key_from_cose(const cbor::map& m, std::int32_t alg) {
  const cbor::value* crv_v = cbor::find(m, std::int64_t{-1});
  const bytes* x = get_bytes(m, -2);
  if (!crv_v || !crv_v->as_int() || !x) return errc::cose_key_malformed;
  if (cbor::find(m, std::int64_t{-4})) return errc::cose_key_invalid_parameters;  // private key 'd'
  const char* type = nullptr;
  std::size_t len = 0;
  switch (*crv_v->as_int()) {
    case 6: type = "ED25519"; len = 32; break;
    case 7: type = "ED448"; len = 57; break;
    default: return errc::cose_key_type_unsupported;  // X25519/X448 cannot sign
  }
  // The fully specified ids (-19 Ed25519, -53 Ed448) only go with their own curve.
  if ((alg == static_cast<std::int32_t>(cose_alg::ed25519) && len != 32) ||
      (alg == static_cast<std::int32_t>(cose_alg::ed448) && len != 57))
    return errc::cose_key_alg_mismatch;
  if (x->size() != len) return errc::cose_key_invalid_point;
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, const_cast<byte*>(x->data()), x->size()),
      OSSL_PARAM_construct_end()};
  auto key = pkey_from_params(type, params);
  if (!key) return errc::cose_key_invalid_point;
  return key;
}

result<void> eddsa_verify(EVP_PKEY* key, std::int32_t, byte_view data, byte_view sig) {
  const std::size_t want = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? 64 : 114;
  if (sig.size() != want) return errc::signature_malformed;
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  // PureEdDSA: no pre-hash, one-shot verify.
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key, nullptr) != 1)
    return errc::signature_invalid;
  if (EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data(), data.size()) != 1)
    return errc::signature_invalid;
  return {};
}

}  // namespace signet::core::cose_detail
