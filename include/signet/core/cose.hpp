// COSE public keys (RFC 9052/9053) as OpenSSL 3 EVP_PKEY, and signature verification.
#pragma once

#include <boost/system/result.hpp>
#include <cstdint>
#include <memory>
#include <span>

#include "signet/core/bytes.hpp"
#include "signet/core/cbor.hpp"

typedef struct evp_pkey_st EVP_PKEY;

namespace signet::core {

/// COSE algorithm identifiers we know about.
enum class cose_alg : std::int32_t {
  es256 = -7,
  es384 = -35,
  es512 = -36,
  eddsa = -8,      // Ed25519 or Ed448, by the key's crv
  ed25519 = -19,   // fully specified (RFC 9864)
  ed448 = -53,     // fully specified (RFC 9864)
  ps256 = -37,
  ps384 = -38,
  ps512 = -39,
  rs256 = -257,
  rs384 = -258,
  rs512 = -259,
  rs1 = -65535,    // attestation signatures only, and only where policy allows
};

/// Credential algorithms this build verifies, in the order registration options offer them.
/// Never lists one that verify_signature() cannot check.
std::span<const std::int32_t> supported_credential_algorithms() noexcept;

struct evp_pkey_deleter {
  void operator()(EVP_PKEY* p) const noexcept;
};
using evp_pkey_ptr = std::unique_ptr<EVP_PKEY, evp_pkey_deleter>;

/// A validated credential public key. Immutable; safe to share between threads once built.
class public_key {
 public:
  public_key(evp_pkey_ptr key, std::int32_t alg, bytes cose) noexcept;
  /// Null only for a key that was checked, not imported (a "none" registration, registration.cpp).
  EVP_PKEY* get() const noexcept { return key_.get(); }
  std::int32_t alg() const noexcept { return alg_; }
  /// The COSE_Key bytes exactly as the authenticator sent them (what we store).
  const bytes& cose() const noexcept { return cose_; }

 private:
  std::shared_ptr<EVP_PKEY> key_;
  std::int32_t alg_;
  bytes cose_;
};

/// Parses a COSE_Key (kty EC2/OKP/RSA), requires `alg`, checks it against kty/crv, validates the
/// point or modulus, and builds the EVP_PKEY with EVP_PKEY_fromdata. Trailing bytes are an error.
boost::system::result<public_key> parse_cose_key(byte_view cose);
boost::system::result<public_key> cose_key_from_cbor(const cbor::map& m, byte_view raw);
/// Every check parse_cose_key makes, with the same error for the same bytes, without building the
/// EVP_PKEY when the key is EC2 (its point is decoded and checked on the curve's shared group); for
/// a caller that verifies no signature with the key (a "none" attestation). Returns its alg.
boost::system::result<std::int32_t> check_cose_key(byte_view cose);

/// Verifies `sig` over `data` with the key's own algorithm (ECDSA signatures DER-encoded).
/// errc::signature_invalid when it does not verify, errc::cose_alg_unsupported for an alg we cannot check.
boost::system::result<void> verify_signature(const public_key& key, byte_view data, byte_view sig);
/// Same with an explicit algorithm (attestation signatures: alg from attStmt, key from a certificate).
boost::system::result<void> verify_signature(EVP_PKEY* key, std::int32_t alg, byte_view data, byte_view sig);

}  // namespace signet::core
