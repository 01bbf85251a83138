// "apple" (Apple Anonymous) format (WebAuthn L3 §8.8). Real-device vectors for the nonce, key,
// validity and trust checks; minted credCerts for the nonce extension's encoding.
#include "mint.hpp"
#include "vector_support.hpp"

namespace signet::test {
namespace {

// iOS 14 (2020), Apple WebAuthn Root CA configured, verifyAt inside the leaf; statement has "alg".
constexpr const char* k_ios = "swa-reg-apple-verify-apple-attestation";
// iOS (2021), no roots; statement is exactly {x5c}.
constexpr const char* k_ios_2021 = "yubico-reg-apple-attestation-ios";

errc code(const boost::system::result<attestation_result>& r) {
  EXPECT_FALSE(r.has_value()) << "verified, expected a failure";
  if (r.has_value()) return errc::ok;
  return static_cast<errc>(r.error().value());
}

class apple_vectors : public ::testing::Test {
 protected:
  void SetUp() override { SIGNET_REQUIRE_VECTORS(); }
};

TEST_F(apple_vectors, valid_is_anonca_and_anchored) {
  vector_case c = load_vector(k_ios);
  auto r = verify_apple(c.input());
  ASSERT_TRUE(r) << describe(r);
  EXPECT_EQ(r->type, attestation_type::anonca);
  EXPECT_TRUE(r->trusted);
}

// §8.8 steps 2-4.
TEST_F(apple_vectors, nonce_mismatch) {
  vector_case c = load_vector(k_ios);
  c.client_data_hash[7] ^= 0x01;
  EXPECT_EQ(code(verify_apple(c.input())), errc::attestation_apple_invalid);
}

// §8.8 step 5.
TEST_F(apple_vectors, credential_key_not_the_certificate_key) {
  vector_case c = load_vector(k_ios);
  c.key = load_vector(k_ios_2021).key;
  EXPECT_EQ(code(verify_apple(c.input())), errc::attestation_apple_invalid);
}

TEST_F(apple_vectors, expired_leaf) {
  vector_case c = load_vector(k_ios);
  c.now = parse_iso8601("2020-09-15T00:00:00Z");  // the leaf expired 2020-09-14T02:59:17Z
  EXPECT_EQ(code(verify_apple(c.input())), errc::attestation_certificate_expired);
}

TEST_F(apple_vectors, unrelated_root_is_untrusted) {
  vector_case c = load_vector(k_ios);
  c.trust.roots =
      load_vector("swa-reg-android-key-verify-android-keystore-response-from-a-pixel-8a-in-january-2025").trust.roots;
  EXPECT_EQ(code(verify_apple(c.input())), errc::attestation_chain_untrusted);
}

TEST_F(apple_vectors, trust_required_without_roots) {
  vector_case c = load_vector(k_ios_2021);
  ASSERT_TRUE(verify_apple(c.input()));
  c.pol.require_trusted_attestation = true;
  EXPECT_EQ(code(verify_apple(c.input())), errc::attestation_trust_required);
}

TEST_F(apple_vectors, statement_members) {
  vector_case c = load_vector(k_ios);
  c.set_stmt("alg", cbor::value{std::string("ES256")});  // tolerated only as an integer
  EXPECT_EQ(code(verify_apple(c.input())), errc::attestation_statement_malformed);
  c = load_vector(k_ios_2021);
  c.obj.att_stmt.emplace_back(cbor::value{std::string("sig")}, cbor::value{bytes{1}});
  EXPECT_EQ(code(verify_apple(c.input())), errc::attestation_statement_malformed);
}

// ---- Minted credCerts ---------------------------------------------------------------------------

constexpr const char* oid_apple_nonce = "1.2.840.113635.100.8.2";

struct minted {
  mint::pkey_ptr key = mint::ec_key();
  mint::fake_auth_data ad;
  bytes client_data_hash = bytes(32, 0xa9);
  std::optional<public_key> cred;
  cbor::map stmt;
  core::policy pol;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::from_time_t(1'700'000'000);

  bytes nonce() const { return sha256(mint::concat(ad.raw, client_data_hash)); }
  static bytes encode(byte_view nonce) { return mint::der_seq({mint::der_explicit(1, mint::der_octets(nonce))}); }

  /// ext_value: the extension's value; nullopt = the correct encoding of the correct nonce.
  explicit minted(std::optional<std::optional<bytes>> ext_value = std::nullopt) {
    mint::cert_spec spec;
    const std::optional<bytes> value = ext_value ? *ext_value : std::optional<bytes>(encode(nonce()));
    if (value) spec.extensions.push_back({oid_apple_nonce, *value, false});
    auto cert = mint::certificate(spec, key, mint::ec_key());
    stmt.emplace_back(cbor::value{std::string("x5c")}, cbor::value{cbor::array{cbor::value{mint::to_der(cert)}}});
    cred.emplace(mint::credential(key));
  }
  attestation_input input() const {
    return attestation_input{"apple", stmt, ad.raw, ad.parsed, client_data_hash, *cred, nullptr, now, pol};
  }
};

TEST(apple_minted, valid) {
  minted m;
  auto r = verify_apple(m.input());
  ASSERT_TRUE(r) << describe(r);
  EXPECT_EQ(r->type, attestation_type::anonca);
  EXPECT_FALSE(r->trusted);
}

TEST(apple_minted, nonce_extension_missing) {
  minted m(std::optional<bytes>{});
  EXPECT_EQ(code(verify_apple(m.input())), errc::attestation_apple_invalid);
}

TEST(apple_minted, nonce_of_other_data) {
  minted m(minted::encode(bytes(32, 0x11)));
  EXPECT_EQ(code(verify_apple(m.input())), errc::attestation_apple_invalid);
}

TEST(apple_minted, nonce_encoding_variants) {
  minted probe;  // same auth data / client data hash as below, so the nonce is the same
  const bytes n = probe.nonce();
  // OCTET STRING not wrapped in [1]
  minted untagged(mint::der_seq({mint::der_octets(n)}));
  EXPECT_EQ(code(verify_apple(untagged.input())), errc::attestation_apple_invalid);
  // [2] instead of [1]
  minted wrong_tag(mint::der_seq({mint::der_explicit(2, mint::der_octets(n))}));
  EXPECT_EQ(code(verify_apple(wrong_tag.input())), errc::attestation_apple_invalid);
  // trailing element after the nonce
  minted trailing(mint::der_seq({mint::der_explicit(1, mint::der_octets(n)), mint::der_int(1)}));
  EXPECT_EQ(code(verify_apple(trailing.input())), errc::attestation_apple_invalid);
  // 31-byte nonce
  minted short_nonce(minted::encode(byte_view(n).first(31)));
  EXPECT_EQ(code(verify_apple(short_nonce.input())), errc::attestation_apple_invalid);
}

TEST(apple_minted, credential_key_differs) {
  minted m;
  m.cred.emplace(mint::credential(mint::ec_key()));
  EXPECT_EQ(code(verify_apple(m.input())), errc::attestation_apple_invalid);
}

}  // namespace
}  // namespace signet::test
