// "apple" (Apple Anonymous) attestation statement format (WebAuthn L3 §8.8).
//
// attStmt = { x5c: [credCert, *caCert] }
// credCert carries the nonce extension 1.2.840.113635.100.8.2, whose value is
//   SEQUENCE { [1] EXPLICIT OCTET STRING (SIZE(32)) }   -- SHA-256(authenticatorData ‖ clientDataHash)
// Reports attestation type AnonCA; trusted when validate_chain() anchored x5c.
#include <optional>

#include "attestation/common.hpp"
#include "attestation/formats.hpp"
#include "bytes/reader.hpp"
#include "signet/core/errc.hpp"
#include "signet/core/policy.hpp"

namespace signet::core {

namespace {

using boost::system::result;

// Fine-grained names for the apple failures; errc has one apple code today
// (errc::attestation_apple_invalid). Each alias names one check so that the finer codes requested
// from the core owner become a one-line change here.
constexpr errc err_nonce_missing = errc::attestation_apple_invalid;   // no nonce extension / malformed
constexpr errc err_nonce_mismatch = errc::attestation_apple_invalid;  // step 4
constexpr errc err_key_mismatch = errc::attestation_apple_invalid;    // step 5

constexpr std::string_view oid_apple_nonce = "1.2.840.113635.100.8.2";
constexpr std::size_t nonce_size = 32;

// Reads one DER TLV with the expected identifier octet (low tag numbers only, definite length of
// at most 4 length octets) and returns its contents.
std::optional<byte_view> der_expect(byte_reader& r, byte identifier) {
  auto id = r.u8();
  auto first = r.u8();
  if (!id || !first || *id != identifier) return std::nullopt;
  std::size_t len = *first;
  if (len & 0x80) {
    const std::size_t n = len & 0x7f;
    if (n == 0 || n > 4) return std::nullopt;  // 0x80 = indefinite length (not DER)
    len = 0;
    for (std::size_t i = 0; i < n; ++i) {
      auto b = r.u8();
      if (!b) return std::nullopt;
      len = (len << 8) | *b;
    }
  }
  return r.take(len);
}

// The nonce extension value: SEQUENCE { [1] EXPLICIT OCTET STRING }, nothing else.
std::optional<byte_view> parse_nonce_extension(byte_view der) {
  byte_reader outer(der);
  auto seq = der_expect(outer, 0x30);  // SEQUENCE
  if (!seq || !outer.empty()) return std::nullopt;
  byte_reader in_seq(*seq);
  auto tagged = der_expect(in_seq, 0xA1);  // [1] constructed, context-specific
  if (!tagged || !in_seq.empty()) return std::nullopt;
  byte_reader in_tag(*tagged);
  auto nonce = der_expect(in_tag, 0x04);  // OCTET STRING
  if (!nonce || !in_tag.empty()) return std::nullopt;
  return nonce;
}

// WebAuthn L3 §8.8 verification step 1: attStmt is valid CBOR conforming to the syntax above.
// Workaround: the first Apple implementations (iOS 14 / macOS 11 betas, 2020; SimpleWebAuthn vector
// "verify-apple-attestation") also sent "alg": -7. No step uses it (the statement carries no
// signature), so an integer "alg" is tolerated and ignored; any other extra member is refused.
result<certificate_chain> parse_statement(const cbor::map& st) {
  const cbor::value* x5c = cbor::find(st, "x5c");
  const cbor::value* alg = cbor::find(st, "alg");
  if (!x5c || (alg && !alg->as_int())) return errc::attestation_statement_malformed;
  if (st.size() != (alg ? 2u : 1u)) return errc::attestation_statement_malformed;
  return parse_x5c(*x5c);
}

// WebAuthn L3 §8.8 verification steps 2-4: nonce = SHA-256(authenticatorData ‖ clientDataHash)
// equals the value of the extension with OID 1.2.840.113635.100.8.2 in credCert.
result<void> check_nonce(X509* cred_cert, const attestation_input& in) {
  const auto ext = certificate_extension(cred_cert, oid_apple_nonce);
  if (!ext) return err_nonce_missing;
  const auto nonce = parse_nonce_extension(*ext);
  if (!nonce || nonce->size() != nonce_size) return err_nonce_missing;
  bytes to_hash(in.auth_data_raw.begin(), in.auth_data_raw.end());
  to_hash.insert(to_hash.end(), in.client_data_hash.begin(), in.client_data_hash.end());
  if (!equal_bytes(*nonce, sha256(to_hash))) return err_nonce_mismatch;
  return {};
}

// WebAuthn L3 §8.8 verification step 5: the credential public key equals the Subject Public Key of
// credCert.
result<void> check_key_match(X509* cred_cert, const attestation_input& in) {
  if (!certificate_key_equals(cred_cert, in.credential_key.get())) return err_key_mismatch;
  return {};
}

}  // namespace

boost::system::result<attestation_result> verify_apple(const attestation_input& in) {
  // Step 1: syntax.
  auto chain = parse_statement(in.att_stmt);
  if (!chain) return chain.error();
  X509* cred_cert = chain->certs.front().get();

  // Steps 2-5: the nonce binds credCert to this registration, and credCert holds the credential key.
  if (auto r = check_nonce(cred_cert, in); !r) return r.error();
  if (auto r = check_key_match(cred_cert, in); !r) return r.error();

  // Certificate validity at `now`, then path validation against the injected anchors (the Apple
  // WebAuthn Root CA when the RP configures it).
  if (auto r = check_certificate_validity(*chain, in.now, in.policy); !r) return r.error();
  auto anchored = validate_chain(*chain, in);
  if (!anchored) return anchored.error();

  // Step 6: Anonymization CA with trust path x5c.
  attestation_result out;
  out.type = attestation_type::anonca;
  out.x5c = std::move(chain->der);
  out.trusted = *anchored;
  return out;
}

}  // namespace signet::core
