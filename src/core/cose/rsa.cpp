// RSA keys and signatures: RS256/384/512 (PKCS#1 v1.5, RFC 8812), PS256/384/512 (PSS, RFC 8230),
// RS1 (attestation only; policy-gated by the caller).
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "cose/internal.hpp"

namespace signet::core::cose_detail {

using boost::system::result;

namespace {

struct bn_deleter {
  void operator()(BIGNUM* p) const noexcept { BN_free(p); }
};
using bn_ptr = std::unique_ptr<BIGNUM, bn_deleter>;
struct param_bld_deleter {
  void operator()(OSSL_PARAM_BLD* p) const noexcept { OSSL_PARAM_BLD_free(p); }
};
struct params_deleter {
  void operator()(OSSL_PARAM* p) const noexcept { OSSL_PARAM_free(p); }
};

// Smallest modulus we accept for a credential or attestation key.
constexpr int k_min_modulus_bits = 1024;
constexpr int k_max_modulus_bits = 8192;

const char* digest_for(std::int32_t alg, bool& pss) {
  pss = false;
  switch (static_cast<cose_alg>(alg)) {
    case cose_alg::rs256: return "SHA256";
    case cose_alg::rs384: return "SHA384";
    case cose_alg::rs512: return "SHA512";
    case cose_alg::rs1: return "SHA1";
    case cose_alg::ps256: pss = true; return "SHA256";
    case cose_alg::ps384: pss = true; return "SHA384";
    case cose_alg::ps512: pss = true; return "SHA512";
    default: return nullptr;
  }
}

}  // namespace

result<evp_pkey_ptr> rsa_key_from_cose(const cbor::map& m, std::int32_t) {
  // RFC 8230 §4: n (-1) and e (-2), big-endian unsigned.
  const bytes* n = get_bytes(m, -1);
  const bytes* e = get_bytes(m, -2);
  if (!n || !e || n->empty() || e->empty()) return errc::cose_key_malformed;
  // Private-key members must not be present in a public key.
  if (cbor::find(m, std::int64_t{-3})) return errc::cose_key_invalid_parameters;
  bn_ptr bn_n(BN_bin2bn(n->data(), static_cast<int>(n->size()), nullptr));
  bn_ptr bn_e(BN_bin2bn(e->data(), static_cast<int>(e->size()), nullptr));
  if (!bn_n || !bn_e) return errc::cose_key_invalid_parameters;
  const int bits = BN_num_bits(bn_n.get());
  if (bits < k_min_modulus_bits || bits > k_max_modulus_bits) return errc::cose_key_invalid_parameters;
  // e must be odd and > 1 (RFC 8017 §3.1).
  if (!BN_is_odd(bn_e.get()) || BN_is_one(bn_e.get()) || !BN_is_odd(bn_n.get())) return errc::cose_key_invalid_parameters;
  // e < n (RFC 8017 §3.1: 3 <= e <= n - 1).
  if (BN_cmp(bn_e.get(), bn_n.get()) >= 0) return errc::cose_key_invalid_parameters;
  std::unique_ptr<OSSL_PARAM_BLD, param_bld_deleter> bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()))
    return errc::cose_key_invalid_parameters;
  std::unique_ptr<OSSL_PARAM, params_deleter> params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return errc::cose_key_invalid_parameters;
  auto key = pkey_from_params("RSA", params.get());
  if (!key) return key.error();
  // No EVP_PKEY_public_check here: for RSA it runs Miller-Rabin with random bases on the modulus, so
  // the same key could be accepted one time and refused the next (fuzz_cose_key finding
  // tests/vectors/fuzz/known/cose_key/rsa-nondeterministic-check). The deterministic checks above
  // (size, odd n, odd 1 < e < n) are what RFC 8017 asks of a public key; a bad modulus can only make
  // signatures fail to verify, never verify falsely.
  return key;
}

result<void> rsa_verify(EVP_PKEY* key, std::int32_t alg, byte_view data, byte_view sig) {
  bool pss = false;
  const char* md = digest_for(alg, pss);
  if (!md) return errc::cose_alg_unsupported;
  if (sig.empty()) return errc::signature_malformed;
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), &pctx, md, nullptr, nullptr, key, nullptr) != 1)
    return errc::signature_invalid;
  if (pss) {
    // RFC 8230 §2: MGF1 with the same hash, salt length = hash length.
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, md, nullptr) != 1)
      return errc::signature_invalid;
  } else if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return errc::signature_invalid;
  }
  if (EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data(), data.size()) != 1)
    return errc::signature_invalid;
  return {};
}

}  // namespace signet::core::cose_detail
