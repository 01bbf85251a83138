// Shared X.509 / hashing helpers for the attestation statement verifiers (private to signet_core).
// Every function is pure (no I/O, no clock: `now` comes from attestation_input), thread-safe, never
// throws on input, and returns its failure as an errc through boost::system::result.
#pragma once

#include <boost/system/result.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/attestation.hpp"
#include "signet/core/bytes.hpp"
#include "signet/core/cbor.hpp"
#include "signet/core/errc.hpp"
#include "signet/core/policy.hpp"

typedef struct evp_md_st EVP_MD;

namespace signet::core {

struct x509_deleter {
  void operator()(X509* p) const noexcept;
};
using x509_ptr = std::unique_ptr<X509, x509_deleter>;

/// Parses one DER certificate; the whole input must be consumed.
/// errc::attestation_certificate_invalid on any parse failure or trailing bytes.
boost::system::result<x509_ptr> parse_der_certificate(byte_view der);

/// A parsed "x5c" array: certificates leaf first, plus the DER bytes as sent.
struct certificate_chain {
  std::vector<x509_ptr> certs;  // never empty on success
  std::vector<bytes> der;       // same order
};

/// Reads attStmt["x5c"]: a non-empty CBOR array of byte strings, each one DER certificate.
/// errc::attestation_statement_malformed when x5c is not an array of byte strings or is empty,
/// errc::attestation_certificate_invalid when a certificate does not parse.
boost::system::result<certificate_chain> parse_x5c(const cbor::value& x5c);

/// Verifies `sig` over `data` with the public key of `cert` and COSE algorithm `alg`
/// (ES*: DER ECDSA; RS*/PS*: RSA; EdDSA; RS1 only when policy.allow_sha1_attestation, else
/// errc::policy_sha1_not_allowed). errc::attestation_signature_invalid when it does not verify,
/// errc::cose_alg_unsupported for an algorithm we cannot check, errc::attestation_alg_mismatch
/// when `alg` does not fit the certificate's key type.
boost::system::result<void> verify_with_certificate(X509* cert, std::int32_t alg, byte_view data, byte_view sig,
                                                    const policy& pol);

/// Checks notBefore <= now <= notAfter for every certificate, unless
/// policy.danger_ignore_certificate_validity. errc::attestation_certificate_expired otherwise.
boost::system::result<void> check_certificate_validity(const certificate_chain& chain,
                                                       std::chrono::system_clock::time_point now,
                                                       const policy& pol);

/// Validates `chain` (leaf first) against the anchors that in.trust returns for (in.fmt, aaguid),
/// with an OpenSSL X509_STORE at time in.now (X509_V_FLAG_NO_CHECK_TIME when
/// policy.danger_ignore_certificate_validity). `extra_anchors` are added to the store too (used when
/// a format ships its own well-known root); they count as trust anchors.
///   - errc::attestation_revocation_unchecked when policy.require_revocation_check (no CRL source yet);
///   - returns true when the chain is anchored;
///   - returns false when there are no anchors at all (in.trust == nullptr or it returns none and no
///     extra anchors) and policy.require_trusted_attestation is false: the chain is not validated;
///   - errc::attestation_trust_required when there are no anchors but policy requires trust;
///   - errc::attestation_certificate_expired when path building failed on a validity period;
///   - errc::attestation_chain_untrusted for any other path-validation failure.
/// Anchors that also appear in the chain are accepted (a root sent in x5c is harmless).
boost::system::result<bool> validate_chain(const certificate_chain& chain, const attestation_input& in,
                                           const std::vector<X509*>& extra_anchors = {});

/// The value (contents of the extnValue OCTET STRING) of the extension with dotted OID `oid`, or
/// nullopt when absent. Never fails on a well-formed certificate.
std::optional<bytes> certificate_extension(X509* cert, std::string_view oid);

/// id-fido-gen-ce-aaguid (1.3.6.1.4.1.45724.1.1.4): when present, its value must be an OCTET STRING
/// of 16 bytes equal to `expected`, and the extension must not be critical (WebAuthn L3 §8.2.1).
/// errc::attestation_aaguid_mismatch when present and different / malformed / critical.
boost::system::result<void> check_aaguid_extension(X509* cert, const aaguid& expected);

/// Subject attribute (e.g. NID_organizationalUnitName) as UTF-8, nullopt when absent.
std::optional<std::string> subject_entry(X509* cert, int nid);

/// True when the certificate has basicConstraints CA:TRUE.
bool certificate_is_ca(X509* cert) noexcept;
/// X.509 version number as written in the certificate (3 for a v3 certificate).
long certificate_version(X509* cert) noexcept;

/// The certificate's public key equals `key` (EVP_PKEY_eq).
bool certificate_key_equals(X509* cert, EVP_PKEY* key) noexcept;

/// Message digests. sha256 never fails. digest_for_cose_alg: the hash an algorithm signs with
/// (ES256/RS256/PS256 -> SHA-256, ..., RS1 -> SHA-1), nullptr for EdDSA or unknown algorithms.
bytes sha256(byte_view data);
bytes digest(const EVP_MD* md, byte_view data);
const EVP_MD* digest_for_cose_alg(std::int32_t alg) noexcept;

/// Byte comparison for values that may be secret-derived (hashes, nonces): CRYPTO_memcmp, and false
/// when the sizes differ.
bool equal_bytes(byte_view a, byte_view b) noexcept;

/// Seconds since the epoch for X509_VERIFY_PARAM_set_time / X509_cmp_time.
std::int64_t to_unix_seconds(std::chrono::system_clock::time_point t) noexcept;

}  // namespace signet::core
