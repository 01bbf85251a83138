// "android-safetynet" format (WebAuthn L3 §8.5). Real-device vectors for the JWS signature, nonce,
// CTS, timestamp, validity and trust checks; minted JWS responses (ES256, our own leaf) for the
// hostname, integrity verdict and framing checks, each breaking one thing.
#include <openssl/bn.h>
#include <openssl/ec.h>

#include <boost/json.hpp>

#include "mint.hpp"
#include "vector_support.hpp"

namespace signet::test {
namespace {

using namespace std::chrono_literals;

// 2019 response, GlobalSign roots configured, verifyAt inside the leaf, timestamp check skipped.
constexpr const char* k_2019 = "swa-reg-safetynet-verify-android-safetynet-attestation";
// 2025 response with ctsProfileMatch false; verifyAt == timestampMs.
constexpr const char* k_no_cts = "swa-reg-skip-cts-check-when-enforcement-option-is-false";
constexpr std::int64_t k_2019_timestamp_ms = 1565424262773;

errc code(const boost::system::result<attestation_result>& r) {
  EXPECT_FALSE(r.has_value()) << "verified, expected a failure";
  if (r.has_value()) return errc::ok;
  return static_cast<errc>(r.error().value());
}

class safetynet_vectors : public ::testing::Test {
 protected:
  void SetUp() override { SIGNET_REQUIRE_VECTORS(); }
};

TEST_F(safetynet_vectors, valid_response_is_basic_and_anchored) {
  vector_case c = load_vector(k_2019);
  auto r = verify_android_safetynet(c.input());
  ASSERT_TRUE(r) << describe(r);
  EXPECT_EQ(r->type, attestation_type::basic);
  EXPECT_TRUE(r->trusted);
  EXPECT_EQ(r->x5c.size(), 2u);
}

// §8.5 step 2: the JWS signature (a character of the signature part changed).
TEST_F(safetynet_vectors, jws_signature_changed) {
  vector_case c = load_vector(k_2019);
  bytes& jws = c.stmt_bytes("response");
  const std::size_t last_dot = std::string_view(as_chars(jws)).rfind('.');
  byte& ch = jws[last_dot + 20];
  ch = ch == 'A' ? 'B' : 'A';
  EXPECT_EQ(code(verify_android_safetynet(c.input())), errc::attestation_signature_invalid);
}

// §8.5 step 3: the nonce binds authData ‖ clientDataHash (the JWS itself still verifies).
TEST_F(safetynet_vectors, nonce_mismatch) {
  vector_case c = load_vector(k_2019);
  c.client_data_hash[0] ^= 0x01;
  EXPECT_EQ(code(verify_android_safetynet(c.input())), errc::attestation_android_safetynet_invalid);
}

TEST_F(safetynet_vectors, cts_profile_required_by_policy) {
  vector_case c = load_vector(k_no_cts);
  ASSERT_TRUE(verify_android_safetynet(c.input()));
  c.pol.safetynet_require_cts = true;
  EXPECT_EQ(code(verify_android_safetynet(c.input())), errc::attestation_android_safetynet_invalid);
}

TEST_F(safetynet_vectors, timestamp_freshness) {
  vector_case c = load_vector(k_2019);
  c.pol.danger_safetynet_skip_timestamp = false;
  const auto ts = std::chrono::system_clock::time_point(std::chrono::milliseconds(k_2019_timestamp_ms));
  c.now = ts + 30s;
  EXPECT_TRUE(verify_android_safetynet(c.input())) << "30 s old";
  c.now = ts + 61s;
  EXPECT_EQ(code(verify_android_safetynet(c.input())), errc::attestation_android_safetynet_invalid);
  c.now = ts - 4s;  // within the tolerated clock skew
  EXPECT_TRUE(verify_android_safetynet(c.input())) << "4 s in the future";
  c.now = ts - 6s;  // from the future
  EXPECT_EQ(code(verify_android_safetynet(c.input())), errc::attestation_android_safetynet_invalid);
}

TEST_F(safetynet_vectors, expired_leaf) {
  vector_case c = load_vector(k_2019);
  c.now = parse_iso8601("2019-10-10T00:00:00Z");  // the leaf expired 2019-10-09T07:19:45Z
  EXPECT_EQ(code(verify_android_safetynet(c.input())), errc::attestation_certificate_expired);
}

TEST_F(safetynet_vectors, unrelated_root_is_untrusted) {
  vector_case c = load_vector(k_2019);
  c.trust.roots = load_vector("swa-reg-apple-verify-apple-attestation").trust.roots;
  EXPECT_EQ(code(verify_android_safetynet(c.input())), errc::attestation_chain_untrusted);
}

TEST_F(safetynet_vectors, empty_ver) {
  vector_case c = load_vector(k_2019);
  c.set_stmt("ver", cbor::value{std::string()});
  EXPECT_EQ(code(verify_android_safetynet(c.input())), errc::attestation_statement_malformed);
}

// ---- Minted responses ---------------------------------------------------------------------------

struct payload_spec {
  std::optional<std::string> nonce;  // default: the correct one
  std::int64_t timestamp_ms = 1'700'000'000'000;
  bool cts = true;
  bool basic_integrity = true;
};

// ES256 JWS: signature r ‖ s (RFC 7518 §3.4), as SafetyNet would send for an EC key.
bytes es256_jws_signature(const mint::pkey_ptr& key, std::string_view signing_input) {
  const bytes der = mint::sign(key, as_bytes(signing_input));
  const unsigned char* p = der.data();
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())),
                                                            &ECDSA_SIG_free);
  mint::check(sig != nullptr, "d2i_ECDSA_SIG");
  bytes out(64);
  mint::check(BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out.data(), 32) == 32, "r");
  mint::check(BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out.data() + 32, 32) == 32, "s");
  return out;
}

struct minted {
  mint::pkey_ptr key = mint::ec_key();
  mint::fake_auth_data ad;
  bytes client_data_hash = bytes(32, 0xd4);
  std::optional<public_key> cred;
  cbor::map stmt;
  core::policy pol;
  std::chrono::system_clock::time_point now =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'000)) + 5s;

  minted(const payload_spec& p, const std::string& hostname = "attest.android.com", std::string alg = "ES256",
         bool good_signature = true) {
    mint::cert_spec spec;
    spec.subject_cn = hostname;
    spec.dns_names = {hostname};
    auto cert = mint::certificate(spec, key, mint::ec_key());
    boost::json::object header{{"alg", alg},
                               {"x5c", boost::json::array{boost::json::string(base64_encode(mint::to_der(cert)))}}};
    const std::string nonce = p.nonce.value_or(base64_encode(sha256(mint::concat(ad.raw, client_data_hash))));
    boost::json::object payload{{"nonce", nonce},
                                {"timestampMs", p.timestamp_ms},
                                {"apkPackageName", "com.google.android.gms"},
                                {"ctsProfileMatch", p.cts},
                                {"basicIntegrity", p.basic_integrity}};
    const std::string signing_input = base64url_encode(as_bytes(boost::json::serialize(header))) + "." +
                                      base64url_encode(as_bytes(boost::json::serialize(payload)));
    bytes sig = es256_jws_signature(key, signing_input);
    if (!good_signature) sig[5] ^= 0x01;
    const std::string compact = signing_input + "." + base64url_encode(sig);
    stmt.emplace_back(cbor::value{std::string("ver")}, cbor::value{std::string("12345678")});
    stmt.emplace_back(cbor::value{std::string("response")}, cbor::value{bytes(compact.begin(), compact.end())});
    cred.emplace(mint::credential(mint::ec_key()));
    pol.safetynet_require_cts = true;
  }
  attestation_input input() const {
    return attestation_input{"android-safetynet", stmt, ad.raw, ad.parsed, client_data_hash, *cred, nullptr, now, pol};
  }
};

TEST(safetynet_minted, valid_es256_response) {
  minted m(payload_spec{});
  auto r = verify_android_safetynet(m.input());
  ASSERT_TRUE(r) << describe(r);
  EXPECT_EQ(r->type, attestation_type::basic);
  EXPECT_FALSE(r->trusted);
}

TEST(safetynet_minted, es256_signature_byte_flipped) {
  minted m(payload_spec{}, "attest.android.com", "ES256", false);
  EXPECT_EQ(code(verify_android_safetynet(m.input())), errc::attestation_signature_invalid);
}

TEST(safetynet_minted, leaf_not_issued_to_attest_android_com) {
  minted m(payload_spec{}, "attest.android.com.evil.example");
  EXPECT_EQ(code(verify_android_safetynet(m.input())), errc::attestation_android_safetynet_invalid);
}

TEST(safetynet_minted, basic_integrity_false) {
  payload_spec p;
  p.basic_integrity = false;
  minted m(p);
  EXPECT_EQ(code(verify_android_safetynet(m.input())), errc::attestation_android_safetynet_invalid);
  m.pol.safetynet_require_cts = false;
  EXPECT_EQ(code(verify_android_safetynet(m.input())), errc::attestation_android_safetynet_invalid);
}

TEST(safetynet_minted, neither_verdict_true_without_cts_requirement) {
  payload_spec p;
  p.basic_integrity = false;
  p.cts = false;
  minted m(p);
  m.pol.safetynet_require_cts = false;
  EXPECT_EQ(code(verify_android_safetynet(m.input())), errc::attestation_android_safetynet_invalid);
}

TEST(safetynet_minted, cts_false_only_matters_when_required) {
  payload_spec p;
  p.cts = false;
  minted m(p);
  EXPECT_EQ(code(verify_android_safetynet(m.input())), errc::attestation_android_safetynet_invalid);
  m.pol.safetynet_require_cts = false;
  EXPECT_TRUE(verify_android_safetynet(m.input()));
}

TEST(safetynet_minted, stale_timestamp_unless_skipped) {
  payload_spec p;
  p.timestamp_ms -= 120'000;
  minted m(p);
  EXPECT_EQ(code(verify_android_safetynet(m.input())), errc::attestation_android_safetynet_invalid);
  m.pol.danger_safetynet_skip_timestamp = true;
  EXPECT_TRUE(verify_android_safetynet(m.input()));
}

TEST(safetynet_minted, wrong_nonce) {
  payload_spec p;
  p.nonce = base64_encode(bytes(32, 0));
  minted m(p);
  EXPECT_EQ(code(verify_android_safetynet(m.input())), errc::attestation_android_safetynet_invalid);
}

TEST(safetynet_minted, alg_none_is_refused) {
  minted m(payload_spec{}, "attest.android.com", "none");
  EXPECT_EQ(code(verify_android_safetynet(m.input())), errc::cose_alg_unsupported);
}

TEST(safetynet_minted, jws_framing) {
  minted m(payload_spec{});
  bytes& jws = std::get<bytes>(m.stmt[1].second.v);
  const bytes good = jws;
  jws.resize(static_cast<std::size_t>(std::string_view(as_chars(good)).rfind('.')));  // two parts only
  EXPECT_EQ(code(verify_android_safetynet(m.input())), errc::attestation_statement_malformed);
  jws = good;
  jws.push_back('.');  // four parts
  EXPECT_EQ(code(verify_android_safetynet(m.input())), errc::attestation_statement_malformed);
  jws = good;
  jws[2] = '!';  // not base64url
  EXPECT_EQ(code(verify_android_safetynet(m.input())), errc::attestation_statement_malformed);
}

}  // namespace
}  // namespace signet::test
