// "android-safetynet" attestation statement format (WebAuthn L3 §8.5).
//
// attStmt = { ver: text, response: bytes }   response = UTF-8 JWS compact serialization
// (base64url(header) "." base64url(payload) "." base64url(signature)); header.x5c holds the
// signing chain as standard base64 DER, leaf first; payload holds nonce, timestampMs,
// ctsProfileMatch and basicIntegrity (SafetyNet Attestation API documentation).
// Reports attestation type Basic; trusted when validate_chain() anchored the JWS chain.
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/x509v3.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "attestation/common.hpp"
#include "attestation/formats.hpp"
#include "signet/core/cose.hpp"
#include "signet/core/errc.hpp"
#include "signet/core/policy.hpp"

namespace signet::core {

namespace {

using boost::system::result;

// Fine-grained names for the SafetyNet failures; errc has one SafetyNet code today
// (errc::attestation_android_safetynet_invalid). Each alias names one check so that the finer
// codes requested from the core owner become a one-line change here.
constexpr errc err_jws_malformed = errc::attestation_statement_malformed;          // JWS framing/JSON
constexpr errc err_hostname = errc::attestation_android_safetynet_invalid;         // leaf not attest.android.com
constexpr errc err_nonce = errc::attestation_android_safetynet_invalid;            // nonce mismatch
constexpr errc err_cts_profile = errc::attestation_android_safetynet_invalid;      // ctsProfileMatch false
constexpr errc err_basic_integrity = errc::attestation_android_safetynet_invalid;  // basicIntegrity false
constexpr errc err_timestamp = errc::attestation_android_safetynet_invalid;        // timestampMs not fresh

constexpr std::string_view safetynet_hostname = "attest.android.com";
// SafetyNet responses are fetched by the client just before the WebAuthn response is built; a
// statement older than this is treated as replayed (SimpleWebAuthn uses one minute as well).
constexpr std::chrono::milliseconds max_statement_age{60'000};
// Tolerated lead of Google's clock over ours; anything further in the future is refused.
constexpr std::chrono::milliseconds max_future_skew{5'000};
// Upper bound on the JWS size we are willing to parse (a real one is ~5 KiB with three certificates).
constexpr std::size_t max_jws_size = std::size_t{64} * 1024;

struct bn_deleter {
  void operator()(BIGNUM* p) const noexcept { BN_free(p); }
};
struct ecdsa_sig_deleter {
  void operator()(ECDSA_SIG* p) const noexcept { ECDSA_SIG_free(p); }
};

struct jws {
  std::string signing_input;  // base64url(header) "." base64url(payload), the bytes signed
  bytes signature;            // as carried in the JWS (ECDSA: r ‖ s)
  std::int32_t alg = 0;       // COSE equivalent of header.alg
  certificate_chain chain;    // header.x5c
  boost::json::object payload;
};

struct safetynet_statement {
  std::string ver;
  jws response;
};

// JWS "alg" (RFC 7518 §3.1) -> COSE algorithm.
std::int32_t cose_alg_for_jws(std::string_view alg) noexcept {
  if (alg == "RS256") return static_cast<std::int32_t>(cose_alg::rs256);
  if (alg == "RS384") return static_cast<std::int32_t>(cose_alg::rs384);
  if (alg == "RS512") return static_cast<std::int32_t>(cose_alg::rs512);
  if (alg == "PS256") return static_cast<std::int32_t>(cose_alg::ps256);
  if (alg == "PS384") return static_cast<std::int32_t>(cose_alg::ps384);
  if (alg == "PS512") return static_cast<std::int32_t>(cose_alg::ps512);
  if (alg == "ES256") return static_cast<std::int32_t>(cose_alg::es256);
  if (alg == "ES384") return static_cast<std::int32_t>(cose_alg::es384);
  if (alg == "ES512") return static_cast<std::int32_t>(cose_alg::es512);
  return 0;
}

bool is_ecdsa(std::int32_t alg) noexcept {
  return alg == static_cast<std::int32_t>(cose_alg::es256) || alg == static_cast<std::int32_t>(cose_alg::es384) ||
         alg == static_cast<std::int32_t>(cose_alg::es512);
}

// JWS ECDSA signatures are r ‖ s (RFC 7518 §3.4); verify_signature takes DER (X9.62).
result<bytes> jws_ecdsa_to_der(byte_view raw) {
  if (raw.empty() || raw.size() % 2 != 0 || raw.size() > std::size_t{2} * 66)
    return errc::attestation_signature_invalid;
  const std::size_t half = raw.size() / 2;
  std::unique_ptr<BIGNUM, bn_deleter> r(BN_bin2bn(raw.data(), static_cast<int>(half), nullptr));
  std::unique_ptr<BIGNUM, bn_deleter> s(BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr));
  std::unique_ptr<ECDSA_SIG, ecdsa_sig_deleter> sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return errc::attestation_signature_invalid;
  (void)r.release();  // owned by sig now
  (void)s.release();
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return errc::attestation_signature_invalid;
  bytes der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &p) != len) return errc::attestation_signature_invalid;
  return der;
}

std::optional<boost::json::object> parse_json_object(byte_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(as_chars(text), ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

// JWS compact serialization (RFC 7515 §7.1): three base64url parts; the header names alg and x5c.
result<jws> parse_jws(std::string_view compact) {
  if (compact.size() > max_jws_size) return err_jws_malformed;
  const std::size_t d1 = compact.find('.');
  if (d1 == std::string_view::npos) return err_jws_malformed;
  const std::size_t d2 = compact.find('.', d1 + 1);
  if (d2 == std::string_view::npos || compact.find('.', d2 + 1) != std::string_view::npos) return err_jws_malformed;
  auto header_raw = base64url_decode(compact.substr(0, d1));
  auto payload_raw = base64url_decode(compact.substr(d1 + 1, d2 - d1 - 1));
  auto sig = base64url_decode(compact.substr(d2 + 1));
  if (!header_raw || !payload_raw || !sig || sig->empty()) return err_jws_malformed;
  auto header = parse_json_object(*header_raw);
  auto payload = parse_json_object(*payload_raw);
  if (!header || !payload) return err_jws_malformed;

  jws out;
  const boost::json::value* alg = header->if_contains("alg");
  if (!alg || !alg->is_string()) return err_jws_malformed;
  out.alg = cose_alg_for_jws(alg->as_string());
  if (out.alg == 0) return errc::cose_alg_unsupported;  // includes "none"
  const boost::json::value* x5c = header->if_contains("x5c");
  if (!x5c || !x5c->is_array() || x5c->as_array().empty()) return err_jws_malformed;
  for (const auto& item : x5c->as_array()) {
    if (!item.is_string()) return err_jws_malformed;
    auto der = base64_decode(item.as_string());  // RFC 7515 §4.1.6: standard base64, not base64url
    if (!der) return err_jws_malformed;
    auto cert = parse_der_certificate(*der);
    if (!cert) return cert.error();
    out.chain.certs.push_back(std::move(*cert));
    out.chain.der.push_back(std::move(*der));
  }
  out.signing_input = std::string(compact.substr(0, d2));
  out.signature = std::move(*sig);
  out.payload = std::move(*payload);
  return out;
}

// WebAuthn L3 §8.5 verification step 1: attStmt is valid CBOR conforming to the syntax above
// (ver: non-empty text, response: bytes holding a JWS).
result<safetynet_statement> parse_statement(const cbor::map& st) {
  const cbor::value* ver = cbor::find(st, "ver");
  const cbor::value* response = cbor::find(st, "response");
  if (!ver || !response || !ver->as_text() || ver->as_text()->empty() || !response->as_bytes() || st.size() != 2)
    return errc::attestation_statement_malformed;
  auto parsed = parse_jws(as_chars(*response->as_bytes()));
  if (!parsed) return parsed.error();
  safetynet_statement out;
  out.ver = *ver->as_text();
  out.response = std::move(*parsed);
  return out;
}

// WebAuthn L3 §8.5 verification steps 2 and 4 (SafetyNet documentation, "verify the compatibility
// check response"): the JWS signature verifies with the leaf certificate of header.x5c ...
result<void> check_jws_signature(const jws& j, const policy& pol) {
  X509* leaf = j.chain.certs.front().get();
  if (is_ecdsa(j.alg)) {
    auto der = jws_ecdsa_to_der(j.signature);
    if (!der) return der.error();
    return verify_with_certificate(leaf, j.alg, as_bytes(j.signing_input), *der, pol);
  }
  return verify_with_certificate(leaf, j.alg, as_bytes(j.signing_input), j.signature, pol);
}

// ... and that leaf was issued to the hostname attest.android.com (exact match, no wildcards; the
// subject CN is consulted only when the certificate has no DNS subjectAltName, which is how
// X509_check_host works and how Yubico's test certificate names it).
result<void> check_hostname(const jws& j) {
  X509* leaf = j.chain.certs.front().get();
  if (X509_check_host(leaf, safetynet_hostname.data(), safetynet_hostname.size(), X509_CHECK_FLAG_NO_WILDCARDS,
                      nullptr) != 1)
    return err_hostname;
  return {};
}

// WebAuthn L3 §8.5 verification step 3: the nonce attribute in the payload is identical to the
// Base64 encoding of SHA-256(authenticatorData ‖ clientDataHash).
result<void> check_nonce(const jws& j, const attestation_input& in) {
  const boost::json::value* nonce = j.payload.if_contains("nonce");
  if (!nonce || !nonce->is_string()) return err_nonce;
  bytes data(in.auth_data_raw.begin(), in.auth_data_raw.end());
  data.insert(data.end(), in.client_data_hash.begin(), in.client_data_hash.end());
  const std::string expected = base64_encode(sha256(data));
  if (!equal_bytes(as_bytes(expected), as_bytes(nonce->as_string()))) return err_nonce;
  return {};
}

// SafetyNet documentation ("verdict"): ctsProfileMatch true implies basicIntegrity true (a
// CTS-compatible device passed the basic checks). With policy.safetynet_require_cts the response
// must say ctsProfileMatch: true; without it, basicIntegrity: true suffices (the RP accepts
// uncertified but uncompromised devices). A response that says basicIntegrity: false is refused
// either way.
result<void> check_integrity_verdict(const jws& j, const policy& pol) {
  const auto flag = [&](std::string_view name) -> std::optional<bool> {
    const boost::json::value* v = j.payload.if_contains(name);
    if (!v || !v->is_bool()) return std::nullopt;
    return v->as_bool();
  };
  const std::optional<bool> cts = flag("ctsProfileMatch");
  const std::optional<bool> basic = flag("basicIntegrity");
  if (basic == false) return err_basic_integrity;
  if (pol.safetynet_require_cts) {
    if (cts != true) return err_cts_profile;
  } else if (basic != true && cts != true) {
    return err_basic_integrity;
  }
  return {};
}

// SafetyNet documentation: timestampMs (milliseconds since the epoch when Google's server made the
// response) must be recent: at most max_statement_age before `now` and at most max_future_skew after
// it (two servers' clocks, ours and Google's), unless policy.danger_safetynet_skip_timestamp.
result<void> check_timestamp(const jws& j, const attestation_input& in) {
  if (in.policy.danger_safetynet_skip_timestamp) return {};
  const boost::json::value* ts = j.payload.if_contains("timestampMs");
  if (!ts) return err_timestamp;
  std::int64_t ms = 0;
  if (ts->is_int64()) {
    ms = ts->as_int64();
  } else if (ts->is_uint64() && ts->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    ms = static_cast<std::int64_t>(ts->as_uint64());
  } else {
    return err_timestamp;
  }
  const std::int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(in.now.time_since_epoch()).count();
  if (ms > now_ms + max_future_skew.count()) return err_timestamp;
  if (now_ms - ms > max_statement_age.count()) return err_timestamp;
  return {};
}

}  // namespace

boost::system::result<attestation_result> verify_android_safetynet(const attestation_input& in) {
  // Step 1: syntax (and the JWS framing that step 2 needs).
  auto st = parse_statement(in.att_stmt);
  if (!st) return st.error();
  const jws& j = st->response;

  // Steps 2 and 4: a valid SafetyNet response that came from the SafetyNet service: JWS signature,
  // leaf hostname, validity periods and the certificate path to the injected anchors.
  if (auto r = check_jws_signature(j, in.policy); !r) return r.error();
  if (auto r = check_hostname(j); !r) return r.error();
  if (auto r = check_certificate_validity(j.chain, in.now, in.policy); !r) return r.error();
  auto anchored = validate_chain(j.chain, in);
  if (!anchored) return anchored.error();

  // Step 3: the nonce binds the response to this registration.
  if (auto r = check_nonce(j, in); !r) return r.error();
  // Step 2 (payload): integrity verdict and freshness.
  if (auto r = check_integrity_verdict(j, in.policy); !r) return r.error();
  if (auto r = check_timestamp(j, in); !r) return r.error();

  // Step 5: Basic attestation with trust path x5c.
  attestation_result out;
  out.type = attestation_type::basic;
  out.x5c = j.chain.der;
  out.trusted = *anchored;
  return out;
}

}  // namespace signet::core
