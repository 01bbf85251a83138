// "android-key" attestation statement format (WebAuthn L3 §8.4).
//
// attStmt = { alg: int, sig: bytes, x5c: [credCert, *caCert] }
// credCert carries the Android Keystore KeyDescription extension (OID 1.3.6.1.4.1.11129.2.1.17):
//   KeyDescription ::= SEQUENCE {
//     attestationVersion INTEGER, attestationSecurityLevel ENUMERATED,
//     keymasterVersion INTEGER, keymasterSecurityLevel ENUMERATED,
//     attestationChallenge OCTET STRING, uniqueId OCTET STRING,
//     softwareEnforced AuthorizationList, teeEnforced AuthorizationList }
//   AuthorizationList ::= SEQUENCE { purpose [1] EXPLICIT SET OF INTEGER OPTIONAL, ...,
//     allApplications [600] EXPLICIT NULL OPTIONAL, ..., origin [702] EXPLICIT INTEGER OPTIONAL, ... }
// Reports attestation type Basic; trusted when validate_chain() anchored x5c.
#include <cstdint>
#include <optional>
#include <vector>

#include "attestation/common.hpp"
#include "attestation/formats.hpp"
#include "bytes/reader.hpp"
#include "signet/core/errc.hpp"
#include "signet/core/policy.hpp"

namespace signet::core {

namespace {

using boost::system::result;

// Fine-grained names for the android-key failures; errc has one android-key code today
// (errc::attestation_android_key_invalid). Each alias names one check so that the finer codes
// requested from the core owner become a one-line change here.
constexpr errc err_key_mismatch = errc::attestation_android_key_invalid;         // step 3
constexpr errc err_extension_missing = errc::attestation_android_key_invalid;    // no KeyDescription
constexpr errc err_extension_malformed = errc::attestation_android_key_invalid;  // bad KeyDescription DER
constexpr errc err_challenge_mismatch = errc::attestation_android_key_invalid;   // step 4
constexpr errc err_all_applications = errc::attestation_android_key_invalid;     // step 5, allApplications
constexpr errc err_origin = errc::attestation_android_key_invalid;               // step 5, origin
constexpr errc err_purpose = errc::attestation_android_key_invalid;              // step 5, purpose

constexpr std::string_view oid_key_description = "1.3.6.1.4.1.11129.2.1.17";
// Keymaster tag numbers (keymaster_defs.h: KM_TAG_PURPOSE, KM_TAG_ALL_APPLICATIONS, KM_TAG_ORIGIN)
// and the values WebAuthn requires.
constexpr std::uint32_t tag_purpose = 1;
constexpr std::uint32_t tag_all_applications = 600;
constexpr std::uint32_t tag_origin = 702;
constexpr std::int64_t km_origin_generated = 0;
constexpr std::int64_t km_purpose_sign = 2;
constexpr std::int64_t km_purpose_verify = 3;

// ---- A minimal bounds-checked DER reader (definite lengths only) --------------------------------

constexpr unsigned der_universal = 0;
constexpr unsigned der_context = 2;
constexpr std::uint32_t der_integer = 2;
constexpr std::uint32_t der_octet_string = 4;
constexpr std::uint32_t der_null = 5;
constexpr std::uint32_t der_sequence = 16;
constexpr std::uint32_t der_set = 17;

struct der_tlv {
  unsigned cls = 0;  // 0 universal, 1 application, 2 context-specific, 3 private
  bool constructed = false;
  std::uint32_t tag = 0;
  byte_view content;
};

class der_reader {
 public:
  explicit der_reader(byte_view in) noexcept : r_(in) {}
  bool at_end() const noexcept { return r_.empty(); }

  /// Reads the next TLV through the core byte_reader; false on truncation, indefinite length or
  /// an oversized tag/length. On failure the reader is left where it was.
  bool next(der_tlv& out) noexcept {
    byte_reader r = r_;
    auto id = r.u8();
    if (!id) return false;
    der_tlv t;
    t.cls = static_cast<unsigned>(*id >> 6);
    t.constructed = (*id & 0x20) != 0;
    t.tag = *id & 0x1fu;
    if (t.tag == 0x1f) {  // high tag number: base-128, at most 4 bytes (keymaster tags are < 2^28)
      t.tag = 0;
      for (int i = 0;; ++i) {
        auto b = r.u8();
        if (i == 4 || !b) return false;
        t.tag = (t.tag << 7) | (*b & 0x7fu);
        if ((*b & 0x80) == 0) break;
      }
    }
    auto first = r.u8();
    if (!first) return false;
    std::size_t len = *first;
    if (len & 0x80) {
      const std::size_t n = len & 0x7f;
      if (n == 0 || n > 4) return false;  // 0x80 = indefinite length (not DER)
      len = 0;
      for (std::size_t i = 0; i < n; ++i) {
        auto b = r.u8();
        if (!b) return false;
        len = (len << 8) | *b;
      }
    }
    auto content = r.take(len);
    if (!content) return false;
    t.content = *content;
    r_ = r;
    out = t;
    return true;
  }

  /// Reads the next TLV and requires it to be (cls, tag).
  bool expect(unsigned cls, std::uint32_t tag, der_tlv& out) noexcept {
    return next(out) && out.cls == cls && out.tag == tag;
  }

 private:
  byte_reader r_;
};

// INTEGER / ENUMERATED contents as int64 (two's complement, at most 8 bytes).
std::optional<std::int64_t> der_int(byte_view c) noexcept {
  if (c.empty() || c.size() > 8) return std::nullopt;
  std::uint64_t v = (c[0] & 0x80) ? ~std::uint64_t{0} : 0;
  for (byte b : c) v = (v << 8) | b;
  return static_cast<std::int64_t>(v);
}

// ---- KeyDescription ---------------------------------------------------------------------------

struct authorization_list {
  bool all_applications = false;
  std::vector<std::int64_t> origin;   // 0 or 1 value
  std::vector<std::int64_t> purpose;  // the SET OF INTEGER, possibly empty
};

struct key_description {
  bytes attestation_challenge;
  authorization_list software_enforced;
  authorization_list tee_enforced;
};

bool parse_authorization_list(byte_view content, authorization_list& out) {
  der_reader r(content);
  while (!r.at_end()) {
    der_tlv field;
    if (!r.next(field) || field.cls != der_context || !field.constructed) return false;
    der_reader inner(field.content);
    der_tlv v;
    if (field.tag == tag_purpose) {
      if (!inner.expect(der_universal, der_set, v) || !inner.at_end()) return false;
      der_reader set(v.content);
      while (!set.at_end()) {
        der_tlv item;
        if (!set.expect(der_universal, der_integer, item)) return false;
        auto n = der_int(item.content);
        if (!n) return false;
        out.purpose.push_back(*n);
      }
    } else if (field.tag == tag_all_applications) {
      if (!inner.expect(der_universal, der_null, v) || !inner.at_end()) return false;
      out.all_applications = true;
    } else if (field.tag == tag_origin) {
      if (!inner.expect(der_universal, der_integer, v) || !inner.at_end()) return false;
      auto n = der_int(v.content);
      if (!n) return false;
      out.origin.push_back(*n);
    }
    // Other keymaster tags are not WebAuthn's concern; their framing was checked by next().
  }
  return true;
}

result<key_description> parse_key_description(byte_view der) {
  der_reader outer(der);
  der_tlv seq;
  if (!outer.expect(der_universal, der_sequence, seq) || !outer.at_end()) return err_extension_malformed;
  der_reader r(seq.content);
  der_tlv t;
  // attestationVersion, attestationSecurityLevel, keymasterVersion, keymasterSecurityLevel: no
  // WebAuthn step reads them, so only their framing is checked (some test generators, e.g.
  // fido2-net-lib's, write NULL where the schema says ENUMERATED).
  for (int i = 0; i < 4; ++i)
    if (!r.next(t)) return err_extension_malformed;
  key_description kd;
  if (!r.expect(der_universal, der_octet_string, t)) return err_extension_malformed;  // attestationChallenge
  kd.attestation_challenge.assign(t.content.begin(), t.content.end());
  if (!r.expect(der_universal, der_octet_string, t)) return err_extension_malformed;  // uniqueId
  if (!r.expect(der_universal, der_sequence, t) || !parse_authorization_list(t.content, kd.software_enforced))
    return err_extension_malformed;
  if (!r.expect(der_universal, der_sequence, t) || !parse_authorization_list(t.content, kd.tee_enforced))
    return err_extension_malformed;
  // Later KeyDescription versions may append members; they are not WebAuthn's concern.
  return kd;
}

// ---- Verification steps -----------------------------------------------------------------------

struct android_key_statement {
  std::int32_t alg = 0;
  byte_view sig;
  certificate_chain chain;
};

// WebAuthn L3 §8.4 verification step 1: attStmt is valid CBOR conforming to the syntax above.
result<android_key_statement> parse_statement(const cbor::map& st) {
  const cbor::value* alg = cbor::find(st, "alg");
  const cbor::value* sig = cbor::find(st, "sig");
  const cbor::value* x5c = cbor::find(st, "x5c");
  if (!alg || !sig || !x5c || !alg->as_int() || !sig->as_bytes() || st.size() != 3)
    return errc::attestation_statement_malformed;
  const std::int64_t a = *alg->as_int();
  if (a < INT32_MIN || a > INT32_MAX) return errc::attestation_statement_malformed;
  auto chain = parse_x5c(*x5c);
  if (!chain) return chain.error();
  android_key_statement out;
  out.alg = static_cast<std::int32_t>(a);
  out.sig = *sig->as_bytes();
  out.chain = std::move(*chain);
  return out;
}

// WebAuthn L3 §8.4 verification step 2: sig is a valid signature over authenticatorData ‖
// clientDataHash using the public key in the first certificate in x5c with the algorithm in alg.
result<void> check_signature(const android_key_statement& st, const attestation_input& in) {
  bytes signed_data(in.auth_data_raw.begin(), in.auth_data_raw.end());
  signed_data.insert(signed_data.end(), in.client_data_hash.begin(), in.client_data_hash.end());
  return verify_with_certificate(st.chain.certs.front().get(), st.alg, signed_data, st.sig, in.policy);
}

// WebAuthn L3 §8.4 verification step 3: the public key in the first certificate in x5c matches the
// credentialPublicKey in the attestedCredentialData in authenticatorData.
result<void> check_key_match(X509* cred_cert, const attestation_input& in) {
  if (!certificate_key_equals(cred_cert, in.credential_key.get())) return err_key_mismatch;
  return {};
}

// WebAuthn L3 §8.4 verification step 4: attestationChallenge in the attestation certificate
// extension data is identical to clientDataHash.
result<void> check_challenge(const key_description& kd, const attestation_input& in) {
  if (!equal_bytes(kd.attestation_challenge, in.client_data_hash)) return err_challenge_mismatch;
  return {};
}

// WebAuthn L3 §8.4 verification step 5, first bullet: AuthorizationList.allApplications is not
// present on either authorization list (softwareEnforced nor teeEnforced), since credentials must be
// scoped to the RP ID.
result<void> check_all_applications_absent(const key_description& kd) {
  if (kd.software_enforced.all_applications || kd.tee_enforced.all_applications) return err_all_applications;
  return {};
}

// WebAuthn L3 §8.4 verification step 5, second bullet, on the union of teeEnforced and
// softwareEnforced (we do not require TEE-only keys; a trust source anchoring only hardware roots
// is how an RP restricts to hardware): origin is KM_ORIGIN_GENERATED. Every origin value present in
// the union must be GENERATED, and at least one must be present.
result<void> check_origin(const key_description& kd) {
  std::vector<std::int64_t> all = kd.software_enforced.origin;
  all.insert(all.end(), kd.tee_enforced.origin.begin(), kd.tee_enforced.origin.end());
  if (all.empty()) return err_origin;
  for (std::int64_t o : all)
    if (o != km_origin_generated) return err_origin;
  return {};
}

// WebAuthn L3 §8.4 verification step 5, third bullet, on the same union: purpose is
// KM_PURPOSE_SIGN. SIGN must be present; the only other purpose tolerated is KM_PURPOSE_VERIFY,
// which Android Keystore adds for keys generated with PURPOSE_SIGN | PURPOSE_VERIFY (the usual
// KeyGenParameterSpec for signing keys) and which grants no further use of the private key. A key
// that may also decrypt, derive or wrap is refused.
result<void> check_purpose(const key_description& kd) {
  bool sign = false;
  for (const authorization_list* list : {&kd.software_enforced, &kd.tee_enforced}) {
    for (std::int64_t p : list->purpose) {
      if (p == km_purpose_sign) {
        sign = true;
      } else if (p != km_purpose_verify) {
        return err_purpose;
      }
    }
  }
  if (!sign) return err_purpose;
  return {};
}

}  // namespace

boost::system::result<attestation_result> verify_android_key(const attestation_input& in) {
  // Step 1: syntax.
  auto st = parse_statement(in.att_stmt);
  if (!st) return st.error();
  X509* cred_cert = st->chain.certs.front().get();

  // Steps 2-3: signature with credCert, and credCert holds the credential key.
  if (auto r = check_signature(*st, in); !r) return r.error();
  if (auto r = check_key_match(cred_cert, in); !r) return r.error();

  // Steps 4-5: the Keystore KeyDescription extension.
  const auto ext = certificate_extension(cred_cert, oid_key_description);
  if (!ext) return err_extension_missing;
  auto kd = parse_key_description(*ext);
  if (!kd) return kd.error();
  if (auto r = check_challenge(*kd, in); !r) return r.error();
  if (auto r = check_all_applications_absent(*kd); !r) return r.error();
  if (auto r = check_origin(*kd); !r) return r.error();
  if (auto r = check_purpose(*kd); !r) return r.error();

  // Certificate validity at `now`, then path validation against the injected anchors.
  if (auto r = check_certificate_validity(st->chain, in.now, in.policy); !r) return r.error();
  auto anchored = validate_chain(st->chain, in);
  if (!anchored) return anchored.error();

  // Step 6: Basic attestation with trust path x5c.
  attestation_result out;
  out.type = attestation_type::basic;
  out.x5c = std::move(st->chain.der);
  out.trusted = *anchored;
  return out;
}

}  // namespace signet::core
