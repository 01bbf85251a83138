// TPMT_PUBLIC parsing for the "tpm" attestation format (WebAuthn L3 §8.3, "pubArea"), plus the
// bounds-checked big-endian cursor shared with cert_info.cpp.
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
bool read_symmetric(reader& r, std::uint16_t& alg) noexcept {
  if (!r.u16(alg)) return false;
  if (alg == alg_null) return true;
  std::uint16_t key_bits = 0;
  std::uint16_t mode = 0;
  return r.u16(key_bits) && r.u16(mode);
}

// TPMT_RSA_SCHEME / TPMT_ECC_SCHEME (Part 2 §11.2.4.7, §11.2.5.6): scheme, then its details.
// Signing and encryption schemes carry a hashAlg; RSAES carries nothing; ECDAA adds a count.
bool read_scheme(reader& r, std::uint16_t& scheme) noexcept {
  if (!r.u16(scheme)) return false;
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
      return r.u16(hash_alg);
    case alg_ecdaa:
      return r.u16(hash_alg) && r.u16(count);
    default:
      return false;  // a scheme we cannot frame
  }
}

// TPMT_KDF_SCHEME (Part 2 §11.2.3.3): scheme, then hashAlg unless TPM_ALG_NULL.
bool read_kdf(reader& r, std::uint16_t& kdf) noexcept {
  if (!r.u16(kdf)) return false;
  std::uint16_t hash_alg = 0;
  switch (kdf) {
    case alg_null:
      return true;
    case alg_mgf1:
    case alg_kdf1_sp800_56a:
    case alg_kdf2:
    case alg_kdf1_sp800_108:
      return r.u16(hash_alg);
    default:
      return false;
  }
}

}  // namespace

bool reader::take(std::size_t n, byte_view& out) noexcept {
  if (in_.size() - pos_ < n) return false;
  out = in_.subspan(pos_, n);
  pos_ += n;
  return true;
}

bool reader::u8(std::uint8_t& out) noexcept {
  byte_view b;
  if (!take(1, b)) return false;
  out = b[0];
  return true;
}

bool reader::u16(std::uint16_t& out) noexcept {
  byte_view b;
  if (!take(2, b)) return false;
  out = static_cast<std::uint16_t>((unsigned{b[0]} << 8) | unsigned{b[1]});
  return true;
}

bool reader::u32(std::uint32_t& out) noexcept {
  byte_view b;
  if (!take(4, b)) return false;
  std::uint32_t v = 0;
  for (byte x : b) v = (v << 8) | x;
  out = v;
  return true;
}

bool reader::u64(std::uint64_t& out) noexcept {
  byte_view b;
  if (!take(8, b)) return false;
  std::uint64_t v = 0;
  for (byte x : b) v = (v << 8) | x;
  out = v;
  return true;
}

bool reader::sized(bytes& out) {
  std::uint16_t n = 0;
  byte_view b;
  const std::size_t saved = pos_;
  if (!u16(n) || !take(n, b)) {
    pos_ = saved;
    return false;
  }
  out.assign(b.begin(), b.end());
  return true;
}

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

boost::system::result<pub_area> parse_pub_area(byte_view raw) {
  reader r(raw);
  pub_area p;
  // TPMT_PUBLIC: type, nameAlg, objectAttributes, authPolicy, parameters, unique.
  if (!r.u16(p.type) || !r.u16(p.name_alg) || !r.u32(p.object_attributes) || !r.sized(p.auth_policy))
    return err_pub_area_malformed;
  if (p.type == alg_rsa) {
    // TPMS_RSA_PARMS: symmetric, scheme, keyBits, exponent; unique is TPM2B_PUBLIC_KEY_RSA.
    if (!read_symmetric(r, p.symmetric) || !read_scheme(r, p.scheme) || !r.u16(p.rsa_key_bits) ||
        !r.u32(p.rsa_exponent) || !r.sized(p.rsa_modulus))
      return err_pub_area_malformed;
  } else if (p.type == alg_ecc) {
    // TPMS_ECC_PARMS: symmetric, scheme, curveID, kdf; unique is TPMS_ECC_POINT {x, y}.
    if (!read_symmetric(r, p.symmetric) || !read_scheme(r, p.scheme) || !r.u16(p.curve_id) ||
        !read_kdf(r, p.kdf) || !r.sized(p.ecc_x) || !r.sized(p.ecc_y))
      return err_pub_area_malformed;
  } else {
    return err_pub_area_malformed;  // KEYEDHASH / SYMCIPHER objects cannot be WebAuthn credentials
  }
  if (!r.at_end()) return err_pub_area_malformed;
  return p;
}

}  // namespace signet::core::tpm
