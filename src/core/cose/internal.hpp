// Private to src/core/cose: per-family key builders and verifiers.
#pragma once

#include <openssl/evp.h>

#include <boost/system/result.hpp>
#include <cstdint>
#include <memory>

#include "signet/core/cbor.hpp"
#include "signet/core/cose.hpp"
#include "signet/core/errc.hpp"

namespace signet::core::cose_detail {

// COSE key parameters (RFC 9052 §7.1, RFC 9053 §7).
inline constexpr std::int64_t kty_label = 1;
inline constexpr std::int64_t alg_label = 3;
inline constexpr std::int64_t kty_okp = 1;
inline constexpr std::int64_t kty_ec2 = 2;
inline constexpr std::int64_t kty_rsa = 3;
inline constexpr std::int64_t kty_akp = 7;  // ML-DSA ("AKP", draft-ietf-cose-dilithium)

struct pkey_ctx_deleter {
  void operator()(EVP_PKEY_CTX* p) const noexcept { EVP_PKEY_CTX_free(p); }
};
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_deleter>;
struct md_ctx_deleter {
  void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_deleter>;

/// Builds an EVP_PKEY of `type` ("EC", "RSA", "ED25519", "ED448") from OSSL_PARAMs.
/// EVP_PKEY_fromdata of `type`; `selection` is what params hold (a public key by default, or only a
/// curve's parameters).
boost::system::result<evp_pkey_ptr> pkey_from_params(const char* type, const OSSL_PARAM* params,
                                                     int selection = EVP_PKEY_PUBLIC_KEY);

/// Runs EVP_PKEY_public_check (point on curve / RSA sanity). cose_key_invalid_point etc. on failure.
bool public_check(EVP_PKEY* key);

/// Fetches a byte-string parameter of a COSE key, nullptr when absent or not bytes.
const bytes* get_bytes(const cbor::map& m, std::int64_t label) noexcept;

boost::system::result<evp_pkey_ptr> ec_key_from_cose(const cbor::map& m, std::int32_t alg);
/// The checks of ec_key_from_cose (the same errors) without building the EVP_PKEY: the point is
/// decoded on the curve's shared group and checked there.
boost::system::result<void> ec_check_from_cose(const cbor::map& m, std::int32_t alg);
boost::system::result<evp_pkey_ptr> rsa_key_from_cose(const cbor::map& m, std::int32_t alg);
boost::system::result<evp_pkey_ptr> okp_key_from_cose(const cbor::map& m, std::int32_t alg);

boost::system::result<void> ec_verify(EVP_PKEY* key, std::int32_t alg, byte_view data, byte_view sig);
boost::system::result<void> rsa_verify(EVP_PKEY* key, std::int32_t alg, byte_view data, byte_view sig);
boost::system::result<void> eddsa_verify(EVP_PKEY* key, std::int32_t alg, byte_view data, byte_view sig);

bool is_ec_alg(std::int32_t alg) noexcept;
bool is_rsa_alg(std::int32_t alg) noexcept;
bool is_eddsa_alg(std::int32_t alg) noexcept;

}  // namespace signet::core::cose_detail
