// TPM 2.0 structures used by the "tpm" attestation statement format (WebAuthn L3 §8.3), private to
// signet_core. Layouts follow TPM 2.0 Library Part 2 ("Structures"): every integer is big-endian and
// every TPM2B_* is a 16-bit size followed by that many bytes.
//
// Contract: parse_pub_area / parse_cert_info read the whole input through one bounds-checked cursor,
// reject trailing bytes, never throw on input and return no partial object on failure. Thread-safe
// (pure functions).
#pragma once

#include <boost/system/result.hpp>
#include <cstddef>
#include <cstdint>

#include "bytes/reader.hpp"
#include "signet/core/bytes.hpp"
#include "signet/core/errc.hpp"

typedef struct evp_md_st EVP_MD;

namespace signet::core::tpm {

// TPM_ALG_ID values (TPM 2.0 Part 2 §6.3).
inline constexpr std::uint16_t alg_rsa = 0x0001;
inline constexpr std::uint16_t alg_sha1 = 0x0004;
inline constexpr std::uint16_t alg_sha256 = 0x000B;
inline constexpr std::uint16_t alg_sha384 = 0x000C;
inline constexpr std::uint16_t alg_sha512 = 0x000D;
inline constexpr std::uint16_t alg_null = 0x0010;
inline constexpr std::uint16_t alg_ecc = 0x0023;

// TPM_ECC_CURVE values (Part 2 §6.4).
inline constexpr std::uint16_t ecc_nist_p256 = 0x0003;
inline constexpr std::uint16_t ecc_nist_p384 = 0x0004;
inline constexpr std::uint16_t ecc_nist_p521 = 0x0005;

// TPM_GENERATED_VALUE (Part 2 §6.2) and TPM_ST_ATTEST_CERTIFY (Part 2 §6.9).
inline constexpr std::uint32_t generated_value = 0xff544347;
inline constexpr std::uint16_t st_attest_certify = 0x8017;

// An RSA exponent of 0 in TPMS_RSA_PARMS means the default exponent 2^16 + 1 (Part 2 §12.2.3.5).
inline constexpr std::uint32_t rsa_default_exponent = 65537;

// Fine-grained names for the TPM failures. errc has a single TPM code today
// (errc::attestation_tpm_invalid); each alias names one check so that the finer codes requested
// from the core owner become a one-line change here.
inline constexpr errc err_version = errc::attestation_tpm_invalid;                // attStmt.ver != "2.0"
inline constexpr errc err_pub_area_malformed = errc::attestation_tpm_invalid;     // TPMT_PUBLIC parse
inline constexpr errc err_pub_area_key_mismatch = errc::attestation_tpm_invalid;  // parameters/unique
inline constexpr errc err_cert_info_malformed = errc::attestation_tpm_invalid;    // TPMS_ATTEST parse
inline constexpr errc err_cert_info_magic = errc::attestation_tpm_invalid;        // magic
inline constexpr errc err_cert_info_type = errc::attestation_tpm_invalid;         // type
inline constexpr errc err_cert_info_extra_data = errc::attestation_tpm_invalid;   // extraData
inline constexpr errc err_cert_info_name = errc::attestation_tpm_invalid;         // attested.name

/// TPMT_PUBLIC (Part 2 §12.2.4), restricted to the RSA and ECC key types WebAuthn uses.
struct pub_area {
  std::uint16_t type = 0;
  std::uint16_t name_alg = 0;
  std::uint32_t object_attributes = 0;
  bytes auth_policy;
  // TPMU_PUBLIC_PARMS
  std::uint16_t symmetric = alg_null;  // TPMT_SYM_DEF_OBJECT.algorithm
  std::uint16_t scheme = alg_null;     // TPMT_RSA_SCHEME / TPMT_ECC_SCHEME .scheme
  std::uint16_t rsa_key_bits = 0;      // RSA only
  std::uint32_t rsa_exponent = 0;      // RSA only, as written (0 = default)
  std::uint16_t curve_id = 0;          // ECC only
  std::uint16_t kdf = alg_null;        // ECC only
  // TPMU_PUBLIC_ID
  bytes rsa_modulus;  // RSA: TPM2B_PUBLIC_KEY_RSA
  bytes ecc_x;        // ECC: TPMS_ECC_POINT.x
  bytes ecc_y;        // ECC: TPMS_ECC_POINT.y
};

/// TPMS_ATTEST (Part 2 §10.12.12) whose `attested` member is TPMS_CERTIFY_INFO (§10.12.3).
/// The type is checked by the verifier, not by the parser; a certInfo of another type fails to parse
/// as TPMS_CERTIFY_INFO or fails the type check.
struct cert_info {
  std::uint32_t magic = 0;
  std::uint16_t type = 0;
  bytes qualified_signer;  // TPM2B_NAME
  bytes extra_data;        // TPM2B_DATA
  // TPMS_CLOCK_INFO (ignored by WebAuthn, parsed for framing)
  std::uint64_t clock = 0;
  std::uint32_t reset_count = 0;
  std::uint32_t restart_count = 0;
  std::uint8_t safe = 0;
  std::uint64_t firmware_version = 0;
  // TPMS_CERTIFY_INFO
  bytes attested_name;            // TPM2B_NAME
  bytes attested_qualified_name;  // TPM2B_NAME
};

/// Parses TPMT_PUBLIC. err_pub_area_malformed on truncation, an unsupported type (not RSA/ECC),
/// a symmetric/scheme/kdf detail we cannot frame, or trailing bytes.
boost::system::result<pub_area> parse_pub_area(byte_view raw);

/// Parses TPMS_ATTEST with TPMS_CERTIFY_INFO. err_cert_info_malformed on truncation or trailing bytes.
boost::system::result<cert_info> parse_cert_info(byte_view raw);

/// The digest for a TPM_ALG_ID hash algorithm (SHA-1/256/384/512), nullptr for any other value.
const EVP_MD* digest_for_tpm_alg(std::uint16_t alg) noexcept;

/// Reads through the core's bounds-checked byte_reader (craft.md "Parsing"): each helper stores the
/// big-endian value and returns true, or returns false leaving `out` untouched on truncation.
inline bool read(byte_reader& r, std::uint8_t& out) noexcept {
  auto v = r.u8();
  if (v) out = *v;
  return v.has_value();
}
inline bool read(byte_reader& r, std::uint16_t& out) noexcept {
  auto v = r.u16be();
  if (v) out = *v;
  return v.has_value();
}
inline bool read(byte_reader& r, std::uint32_t& out) noexcept {
  auto v = r.u32be();
  if (v) out = *v;
  return v.has_value();
}
inline bool read(byte_reader& r, std::uint64_t& out) noexcept {
  auto v = r.u64be();
  if (v) out = *v;
  return v.has_value();
}
/// TPM2B_*: a 16-bit size then that many bytes.
inline bool read_sized(byte_reader& r, bytes& out) {
  auto n = r.u16be();
  if (!n) return false;
  auto b = r.take(*n);
  if (!b) return false;
  out.assign(b->begin(), b->end());
  return true;
}

}  // namespace signet::core::tpm
