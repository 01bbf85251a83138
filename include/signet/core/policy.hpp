// Relying-party verification policy. Default-constructed = the strictest setting.
// Loosening fields are allow_*, spec-breaking ones danger_*; each comment gives default and risk.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace signet::core {

struct policy {
  /// Credential algorithms accepted (COSE ids). Empty = every supported_credential_algorithms().
  std::vector<std::int32_t> allowed_algorithms;
  /// Require the UV flag. Default true (strictest); passkey servers set it from the ceremony.
  bool require_user_verification = true;
  /// Default false. true accepts registrations without UP (conditional create only). Risk: no presence.
  bool allow_missing_user_presence = false;
  /// Default false. Accept clientDataJSON.crossOrigin == true (iframes). Risk: clickjacking.
  bool allow_cross_origin = false;
  /// When cross-origin is allowed, the accepted topOrigin values (empty = any).
  std::vector<std::string> expected_top_origins;
  /// Default false. Accept subdomains of an expected origin. Risk: a compromised subdomain.
  bool allow_subdomain_origins = false;
  /// Default false. Ignore the port when matching origins. Risk: other services on the host.
  bool allow_any_port = false;
  /// FIDO AppID (U2F appid extension); rpIdHash may be SHA-256 of it when the client says so.
  std::optional<std::string> appid;
  /// Default false. Accept RS1 (SHA-1) attestation signatures. Risk: SHA-1 collisions.
  bool allow_sha1_attestation = false;
  /// Default false. Refuse backup-eligible (synced) credentials when true.
  bool reject_backup_eligible = false;
  /// Default true. android-safetynet: require ctsProfileMatch.
  bool safetynet_require_cts = true;
  /// Default false. android-safetynet: skip the timestampMs freshness check. Risk: replayed statements.
  bool danger_safetynet_skip_timestamp = false;
  /// Default false. Skip certificate validity periods. Risk: expired/revoked attestation keys.
  bool danger_ignore_certificate_validity = false;
  /// Default false. Accept an assertion whose signCount did not increase (one side non-zero); the
  /// result then reports sign_count_not_increased. Risk: a cloned authenticator goes unnoticed.
  bool allow_sign_count_not_increased = false;
  /// Default false. Require certificate revocation checking for attestation chains. Core has no CRL
  /// or OCSP input yet, so when true every statement with a certificate chain is refused
  /// (errc::attestation_revocation_unchecked): fail closed rather than pretend to have checked.
  bool require_revocation_check = false;
  /// Default false. Refuse attestation that is not anchored in the trust source.
  bool require_trusted_attestation = false;
};

}  // namespace signet::core
