// TPMT_PUBLIC parsing for the "tpm" attestation format (WebAuthn L3 §8.3, "pubArea"), and the TPM hash
// algorithm table.
#include <openssl/evp.h>

#include "attestation/tpm/tpm_structs.hpp"

namespace signet::core::tpm {

namespace {

// Scheme identifiers that may appear in TPMT_RSA_SCHEME / TPMT_ECC_SCHEME / TPMT_KDF_SCHEME
// (TPM 2.0 Part 2 §6.3). Only their framing matters to us: how many detail bytes follow.
constexpr std::uint16_t alg_mgf1 = 0x0007;
constexpr std::uint16_t alg_rsassa = 0x0014;
constexpr std::uint16_t alg_rsaes = 0x0015;
constexpr std::uint16_t alg_rsapss = 0x0016;
constexpr std::uint16_t alg_oaep = 0x0017;
constexpr std::uint16_t alg_ecdsa = 0x0018;
constexpr std::uint16_t alg_ecdh = 0x0019;
constexpr std::uint16_t alg_ecdaa = 0x001A;
constexpr std::uint16_t alg_sm2 = 0x001B;
constexpr std::uint16_t alg_ecschnorr = 0x001C;
constexpr std::uint16_t alg_kdf1_sp800_56a = 0x0020;
constexpr std::uint16_t alg_kdf2 = 0x0021;
constexpr std::uint16_t alg_kdf1_sp800_108 = 0x0022;

// TPMT_SYM_DEF_OBJECT (Part 2 §11.1.7): algorithm, then keyBits and mode unless TPM_ALG_NULL.
bool read_symmetric(byte_reader& r, std::uint16_t& alg) noexcept {
  if (!read(r, alg)) return false;
  if (alg == alg_null) return true;
  std::uint16_t key_bits = 0;
  std::uint16_t mode = 0;
  return read(r, key_bits) && read(r, mode);
}

// TPMT_RSA_SCHEME / TPMT_ECC_SCHEME (Part 2 §11.2.4.7, §11.2.5.6): scheme, then its details.
// Signing and encryption schemes carry a hashAlg; RSAES carries nothing; ECDAA adds a count.
bool read_scheme(byte_reader& r, std::uint16_t& scheme) noexcept {
  if (!read(r, scheme)) return false;
  std::uint16_t hash_alg = 0;
  std::uint16_t count = 0;
  switch (scheme) {
    case alg_null:
    case alg_rsaes:
      return true;
    case alg_rsassa:
    case alg_rsapss:
    case alg_oaep:
    case alg_ecdsa:
    case alg_ecdh:
    case alg_sm2:
    case alg_ecschnorr:
      return read(r, hash_alg);
    case alg_ecdaa:
      return read(r, hash_alg) && read(r, count);
    default:
      return false;  // a scheme we cannot frame
  }
}

// TPMT_KDF_SCHEME (Part 2 §11.2.3.3): scheme, then hashAlg unless TPM_ALG_NULL.
bool read_kdf(byte_reader& r, std::uint16_t& kdf) noexcept {
  if (!read(r, kdf)) return false;
  std::uint16_t hash_alg = 0;
  switch (kdf) {
    case alg_null:
      return true;
    case alg_mgf1:
    case alg_kdf1_sp800_56a:
    case alg_kdf2:
    case alg_kdf1_sp800_108:
      return read(r, hash_alg);
    default:
      return false;
  }
}

}  // namespace

const EVP_MD* digest_for_tpm_alg(std::uint16_t alg) noexcept {
  switch (alg) {
    case alg_sha1:
      return EVP_sha1();
    case alg_sha256:
      return EVP_sha256();
    case alg_sha384:
      return EVP_sha384();
    case alg_sha512:
      return EVP_sha512();
    default:
      return nullptr;
  }
}

namespace {

// How TPMT_RSA_SCHEME / TPMT_ECC_SCHEME are framed.
enum class scheme_framing {
  spec,         // scheme identifier followed by its details (TPM 2.0 Part 2)
  bare_scheme,  // scheme identifier only (see parse_pub_area)
};

boost::system::result<pub_area> parse_with(byte_view raw, scheme_framing framing) {
  byte_reader r(raw);
  pub_area p;
  const auto scheme = [&](std::uint16_t& out) {
    return framing == scheme_framing::spec ? read_scheme(r, out) : read(r, out);
  };
  // TPMT_PUBLIC: type, nameAlg, objectAttributes, authPolicy, parameters, unique.
  if (!read(r, p.type) || !read(r, p.name_alg) || !read(r, p.object_attributes) || !read_sized(r, p.auth_policy))
    return err_pub_area_malformed;
  if (p.type == alg_rsa) {
    // TPMS_RSA_PARMS: symmetric, scheme, keyBits, exponent; unique is TPM2B_PUBLIC_KEY_RSA.
    if (!read_symmetric(r, p.symmetric) || !scheme(p.scheme) || !read(r, p.rsa_key_bits) || !read(r, p.rsa_exponent) ||
        !read_sized(r, p.rsa_modulus))
      return err_pub_area_malformed;
  } else if (p.type == alg_ecc) {
    // TPMS_ECC_PARMS: symmetric, scheme, curveID, kdf; unique is TPMS_ECC_POINT {x, y}.
    if (!read_symmetric(r, p.symmetric) || !scheme(p.scheme) || !read(r, p.curve_id) || !read_kdf(r, p.kdf) ||
        !read_sized(r, p.ecc_x) || !read_sized(r, p.ecc_y))
      return err_pub_area_malformed;
  } else {
    return err_pub_area_malformed;  // KEYEDHASH / SYMCIPHER objects cannot be WebAuthn credentials
  }
  if (!r.empty()) return err_pub_area_malformed;
  if (framing == scheme_framing::bare_scheme && p.scheme == alg_null) return err_pub_area_malformed;
  return p;
}

}  // namespace

boost::system::result<pub_area> parse_pub_area(byte_view raw) {
  if (auto p = parse_with(raw, scheme_framing::spec)) return p;
  // Workaround: Yubico java-webauthn-server's test TPM (the "tpm-valid-rs256/384/512" vectors)
  // writes TPM_ALG_RSASSA as the scheme without the hashAlg that TPMS_SIG_SCHEME_RSASSA requires
  // (SimpleWebAuthn reads the scheme as two bytes and so accepts it). A spec-conformant pubArea always
  // takes the path above; this framing is tried only for one the spec framing cannot read, must then
  // consume the structure exactly, and certInfo's Name still covers the raw pubArea bytes.
  return parse_with(raw, scheme_framing::bare_scheme);
}

}  // namespace signet::core::tpm
