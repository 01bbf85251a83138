// Attestation statement verification: one verifier per format behind an explicit dispatch table
// (src/core/attestation/dispatch.cpp). All verifiers share one input struct and one signature.
#pragma once

#include <boost/system/result.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "signet/core/authenticator_data.hpp"
#include "signet/core/bytes.hpp"
#include "signet/core/cbor.hpp"
#include "signet/core/cose.hpp"

typedef struct x509_st X509;

namespace signet::core {

struct policy;

enum class attestation_type { none, self, basic, attca, anonca, uncertain };
std::string_view to_string(attestation_type t) noexcept;

/// Source of attestation trust anchors, injected by the caller (core never reads files).
/// Returning an empty list means "no anchors for this format": the chain is then not anchored
/// (the statement signature is still verified) unless policy requires trust.
class trust_source {
 public:
  virtual ~trust_source() = default;
  /// DER or PEM-parsed anchors for `fmt` and the credential's aaguid. Thread-safe.
  virtual std::vector<std::shared_ptr<X509>> anchors(std::string_view fmt, const core::aaguid& aaguid) const = 0;
};

struct attestation_input {
  std::string_view fmt;
  const cbor::map& att_stmt;
  byte_view auth_data_raw;                 // authData bytes as signed
  const authenticator_data& auth_data;     // parsed; attested credential data present
  byte_view client_data_hash;              // SHA-256(clientDataJSON)
  const public_key& credential_key;
  const trust_source* trust;               // nullptr: do not anchor chains
  std::chrono::system_clock::time_point now;  // for certificate validity and time-stamped statements
  const core::policy& policy;
};

struct attestation_result {
  attestation_type type = attestation_type::none;
  std::vector<bytes> x5c;   // DER certificates as sent (leaf first), empty if none
  bool trusted = false;     // the chain was anchored in the trust source
};

using attestation_verifier = boost::system::result<attestation_result> (*)(const attestation_input&);

/// Looks `fmt` up in the table; nullptr for an unknown format.
attestation_verifier find_attestation_verifier(std::string_view fmt) noexcept;

/// A decoded attestation object (WebAuthn L3 §6.5.4): {"fmt": tstr, "attStmt": map, "authData": bstr}.
struct attestation_object {
  std::string fmt;
  cbor::map att_stmt;        // empty for "compound"
  bytes auth_data_raw;
  authenticator_data auth_data;
  /// fmt "compound" (WebAuthn L3 §8.9): the inner {fmt, attStmt} statements, at least two, none of
  /// them compound. Empty for every other format.
  std::vector<std::pair<std::string, cbor::map>> compound;
};

/// Decodes the CBOR attestation object (indefinite-length container tolerated, see cbor.hpp) and
/// parses its authData. Errors: cbor_* for the container, attestation_object_malformed when a member
/// is missing, mistyped or unknown, auth_data_* / cose_* from the authenticator data. No partial result.
boost::system::result<attestation_object> parse_attestation_object(byte_view raw);

}  // namespace signet::core
