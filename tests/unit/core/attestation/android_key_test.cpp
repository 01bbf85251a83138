// "android-key" format (WebAuthn L3 §8.4). Real-device vectors for the signature, key, validity and
// trust checks; minted statements (a validly signed credCert whose KeyDescription we control) for the
// extension checks, each breaking one thing.
#include "mint.hpp"
#include "vector_support.hpp"

namespace signet::test {
namespace {

// Pixel 8a, January 2025: verifyAt inside the short-lived leaf, Google hardware root configured.
constexpr const char* k_pixel = "swa-reg-android-key-verify-android-keystore-response-from-a-pixel-8a-in-january-2025";
// FIDO conformance (2020): no attestationRoots.
constexpr const char* k_conformance =
    "swa-reg-android-key-verify-android-keystore-response-from-fido-conformance-in-2020";

errc code(const boost::system::result<attestation_result>& r) {
  EXPECT_FALSE(r.has_value()) << "verified, expected a failure";
  if (r.has_value()) return errc::ok;
  return static_cast<errc>(r.error().value());
}

class android_key_vectors : public ::testing::Test {
 protected:
  void SetUp() override { SIGNET_REQUIRE_VECTORS(); }
};

TEST_F(android_key_vectors, pixel_is_basic_and_anchored) {
  vector_case c = load_vector(k_pixel);
  auto r = verify_android_key(c.input());
  ASSERT_TRUE(r) << describe(r);
  EXPECT_EQ(r->type, attestation_type::basic);
  EXPECT_TRUE(r->trusted);
}

// §8.4 step 2.
TEST_F(android_key_vectors, signature_byte_flipped) {
  vector_case c = load_vector(k_pixel);
  c.stmt_bytes("sig")[12] ^= 0x01;
  EXPECT_EQ(code(verify_android_key(c.input())), errc::attestation_signature_invalid);
}

TEST_F(android_key_vectors, client_data_hash_changed_breaks_the_signature) {
  vector_case c = load_vector(k_pixel);
  c.client_data_hash[3] ^= 0x01;
  EXPECT_EQ(code(verify_android_key(c.input())), errc::attestation_signature_invalid);
}

// §8.4 step 3.
TEST_F(android_key_vectors, credential_key_not_the_certificate_key) {
  vector_case c = load_vector(k_pixel);
  vector_case other = load_vector(k_conformance);
  c.key = other.key;
  EXPECT_EQ(code(verify_android_key(c.input())), errc::attestation_android_key_invalid);
}

TEST_F(android_key_vectors, expired_leaf) {
  vector_case c = load_vector(k_pixel);
  c.now = parse_iso8601("2025-02-03T00:00:00Z");  // the leaf expired 2025-02-02T10:35:27Z
  EXPECT_EQ(code(verify_android_key(c.input())), errc::attestation_certificate_expired);
}

TEST_F(android_key_vectors, unrelated_root_is_untrusted) {
  vector_case c = load_vector(k_pixel);
  c.trust.roots = load_vector("swa-reg-apple-verify-apple-attestation").trust.roots;
  EXPECT_EQ(code(verify_android_key(c.input())), errc::attestation_chain_untrusted);
}

TEST_F(android_key_vectors, trust_required_without_roots) {
  vector_case c = load_vector(k_conformance);
  ASSERT_TRUE(verify_android_key(c.input()));
  c.pol.require_trusted_attestation = true;
  EXPECT_EQ(code(verify_android_key(c.input())), errc::attestation_trust_required);
}

TEST_F(android_key_vectors, extra_statement_member) {
  vector_case c = load_vector(k_pixel);
  c.obj.att_stmt.emplace_back(cbor::value{std::string("ver")}, cbor::value{std::string("1")});
  EXPECT_EQ(code(verify_android_key(c.input())), errc::attestation_statement_malformed);
}

// ---- Minted statements --------------------------------------------------------------------------

constexpr const char* oid_key_description = "1.3.6.1.4.1.11129.2.1.17";

struct auth_list {
  std::vector<std::int64_t> purpose{2};    // KM_PURPOSE_SIGN
  std::optional<std::int64_t> origin = 0;  // KM_ORIGIN_GENERATED
  bool all_applications = false;
  bool omit_purpose = false;
};

bytes authorization_list(const auth_list& a) {
  bytes c;
  const auto add = [&](const bytes& b) { c.insert(c.end(), b.begin(), b.end()); };
  if (!a.omit_purpose) {
    bytes set;
    for (auto p : a.purpose) {
      bytes i = mint::der_int(p);
      set.insert(set.end(), i.begin(), i.end());
    }
    add(mint::der_explicit(1, mint::der(0x31, set)));
  }
  add(mint::der_explicit(2, mint::der_int(3)));  // algorithm: EC (not checked; framing only)
  if (a.all_applications) add(mint::der_explicit(600, mint::der(0x05, {})));
  if (a.origin) add(mint::der_explicit(702, mint::der_int(*a.origin)));
  return mint::der(0x30, c);
}

bytes key_description(byte_view challenge, const auth_list& sw, const auth_list& tee) {
  return mint::der_seq({mint::der_int(3), mint::der(0x0A, {1}), mint::der_int(4), mint::der(0x0A, {1}),
                        mint::der_octets(challenge), mint::der_octets({}), authorization_list(sw),
                        authorization_list(tee)});
}

// A statement signed by a fresh credCert holding the credential key itself (as Android Keystore does).
struct minted {
  mint::pkey_ptr key = mint::ec_key();
  mint::fake_auth_data ad;
  bytes client_data_hash = bytes(32, 0xc1);
  std::optional<public_key> cred;
  cbor::map stmt;
  core::policy pol;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::from_time_t(1'700'000'000);

  explicit minted(const std::optional<bytes>& ext_value) {
    mint::cert_spec spec;
    if (ext_value) spec.extensions.push_back({oid_key_description, *ext_value, false});
    auto issuer = mint::ec_key();
    auto cert = mint::certificate(spec, key, issuer);
    const bytes sig = mint::sign(key, mint::concat(ad.raw, client_data_hash));
    stmt.emplace_back(cbor::value{std::string("alg")}, cbor::value{std::int64_t{-7}});
    stmt.emplace_back(cbor::value{std::string("sig")}, cbor::value{sig});
    stmt.emplace_back(cbor::value{std::string("x5c")}, cbor::value{cbor::array{cbor::value{mint::to_der(cert)}}});
    cred.emplace(mint::credential(key));
  }
  attestation_input input() const {
    return attestation_input{"android-key", stmt, ad.raw, ad.parsed, client_data_hash, *cred, nullptr, now, pol};
  }
};

minted with(const auth_list& sw, const auth_list& tee, std::optional<bytes> challenge = std::nullopt) {
  const bytes ch = challenge.value_or(bytes(32, 0xc1));
  return minted(key_description(ch, sw, tee));
}

auth_list empty_list() {
  auth_list a;
  a.omit_purpose = true;
  a.origin.reset();
  return a;
}

TEST(android_key_minted, valid_tee_enforced_statement) {
  auto m = with(empty_list(), auth_list{});
  auto r = verify_android_key(m.input());
  ASSERT_TRUE(r) << describe(r);
  EXPECT_EQ(r->type, attestation_type::basic);
  EXPECT_FALSE(r->trusted);
}

TEST(android_key_minted, valid_software_enforced_statement) {
  auto m = with(auth_list{}, empty_list());
  EXPECT_TRUE(verify_android_key(m.input()));
}

// §8.4 step 4.
TEST(android_key_minted, attestation_challenge_differs) {
  auto m = with(empty_list(), auth_list{}, bytes(32, 0xc2));
  EXPECT_EQ(code(verify_android_key(m.input())), errc::attestation_android_key_invalid);
}

// §8.4 step 5: allApplications on either list.
TEST(android_key_minted, all_applications_in_tee_enforced) {
  auth_list tee;
  tee.all_applications = true;
  auto m = with(empty_list(), tee);
  EXPECT_EQ(code(verify_android_key(m.input())), errc::attestation_android_key_invalid);
}

TEST(android_key_minted, all_applications_in_software_enforced) {
  auth_list sw = empty_list();
  sw.all_applications = true;
  auto m = with(sw, auth_list{});
  EXPECT_EQ(code(verify_android_key(m.input())), errc::attestation_android_key_invalid);
}

// §8.4 step 5: origin.
TEST(android_key_minted, origin_imported) {
  auth_list tee;
  tee.origin = 2;  // KM_ORIGIN_IMPORTED
  auto m = with(empty_list(), tee);
  EXPECT_EQ(code(verify_android_key(m.input())), errc::attestation_android_key_invalid);
}

TEST(android_key_minted, origin_absent_from_both_lists) {
  auth_list tee;
  tee.origin.reset();
  auto m = with(empty_list(), tee);
  EXPECT_EQ(code(verify_android_key(m.input())), errc::attestation_android_key_invalid);
}

// §8.4 step 5: purpose.
TEST(android_key_minted, purpose_encrypt_only) {
  auth_list tee;
  tee.purpose = {0};  // KM_PURPOSE_ENCRYPT
  auto m = with(empty_list(), tee);
  EXPECT_EQ(code(verify_android_key(m.input())), errc::attestation_android_key_invalid);
}

TEST(android_key_minted, purpose_sign_and_decrypt) {
  auth_list tee;
  tee.purpose = {2, 1};
  auto m = with(empty_list(), tee);
  EXPECT_EQ(code(verify_android_key(m.input())), errc::attestation_android_key_invalid);
}

TEST(android_key_minted, purpose_sign_and_verify_is_accepted) {
  auth_list tee;
  tee.purpose = {2, 3};
  auto m = with(empty_list(), tee);
  EXPECT_TRUE(verify_android_key(m.input()));
}

TEST(android_key_minted, purpose_verify_only) {
  auth_list tee;
  tee.purpose = {3};
  auto m = with(empty_list(), tee);
  EXPECT_EQ(code(verify_android_key(m.input())), errc::attestation_android_key_invalid);
}

TEST(android_key_minted, security_level_written_as_null_is_tolerated) {
  // fido2-net-lib's test generator writes NULL for attestationSecurityLevel; no step reads it.
  const bytes kd = mint::der_seq({mint::der_int(3), mint::der(0x05, {}), mint::der_int(4), mint::der(0x05, {}),
                                  mint::der_octets(bytes(32, 0xc1)), mint::der_octets({}),
                                  authorization_list(empty_list()), authorization_list(auth_list{})});
  minted m(kd);
  EXPECT_TRUE(verify_android_key(m.input()));
}

TEST(android_key_minted, purpose_absent_from_both_lists) {
  auth_list tee;
  tee.omit_purpose = true;
  auto m = with(empty_list(), tee);
  EXPECT_EQ(code(verify_android_key(m.input())), errc::attestation_android_key_invalid);
}

TEST(android_key_minted, key_description_missing_or_malformed) {
  minted missing(std::nullopt);
  EXPECT_EQ(code(verify_android_key(missing.input())), errc::attestation_android_key_invalid);
  bytes kd = key_description(bytes(32, 0xc1), empty_list(), auth_list{});
  kd.pop_back();  // truncated DER
  minted bad(kd);
  EXPECT_EQ(code(verify_android_key(bad.input())), errc::attestation_android_key_invalid);
}

}  // namespace
}  // namespace signet::test
