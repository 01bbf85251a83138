// Authentication (WebAuthn L3 §7.2) against the soft authenticator: a valid assertion, then one
// broken thing at a time with its exact error code.
#include <gtest/gtest.h>

#include <functional>

#include "signet/core/ceremony.hpp"
#include "signet/core/imported_key.hpp"
#include "soft_authenticator.hpp"
#include "test_util.hpp"

using namespace signet;
using core::errc;
using test::code_of;

namespace {

const std::string k_challenge = core::base64url_encode(core::as_bytes("signet assertion challenge"));
const std::vector<std::string> k_origins{"https://example.com"};
const core::bytes k_user{0x75, 0x73, 0x65, 0x72};

struct setup {
  test::assertion_knobs knobs;
  core::policy policy;
  core::stored_credential credential;
  std::optional<core::user_handle> identified_user;
  std::vector<core::credential_id> allow;
  std::function<void(core::authentication_response&)> mutate;
};

test::soft_authenticator& authenticator(std::int32_t alg = -7) {
  static std::map<std::int32_t, test::soft_authenticator> all;
  auto it = all.find(alg);
  if (it == all.end()) {
    it = all.emplace(alg, test::soft_authenticator(alg)).first;
    test::registration_knobs k;
    k.challenge = k_challenge;
    it->second.make_registration(k);  // fixes the credential id
  }
  return it->second;
}

setup valid(std::int32_t alg = -7) {
  setup s;
  s.knobs.challenge = k_challenge;
  s.knobs.sign_count = 5;
  s.knobs.user_handle = k_user;
  auto& a = authenticator(alg);
  s.credential.id = core::credential_id(a.credential_id());
  s.credential.public_key_cose = a.cose_public_key();
  s.credential.sign_count = 4;
  s.credential.user = core::user_handle(k_user);
  s.credential.backup_eligible = false;
  return s;
}

boost::system::result<core::authentication_result> run(setup& s, std::int32_t alg = -7) {
  auto minted = authenticator(alg).make_assertion(s.knobs);
  auto parsed = core::parse_authentication_response_json(minted.json);
  if (!parsed) return parsed.error();
  if (s.mutate) s.mutate(*parsed);
  core::authentication_expectations e;
  e.challenge = k_challenge;
  e.origins = k_origins;
  e.rp_id = "example.com";
  e.require_user_verification = true;
  e.allow_credentials = s.allow;
  e.identified_user = s.identified_user ? &*s.identified_user : nullptr;
  e.credential = &s.credential;
  e.policy = &s.policy;
  auto plain = core::verify_authentication(*parsed, e);
  // The same verification with the stored key imported beforehand (the service's key cache) gives
  // exactly the same verdict, in every test that goes through here.
  if (auto imported = core::parse_cose_key(s.credential.public_key_cose)) {
    auto with_key = core::verify_authentication(*parsed, e, &*imported);
    EXPECT_EQ(code_of(with_key), code_of(plain));
    if (with_key && plain) {
      EXPECT_EQ(with_key->sign_count, plain->sign_count);
      EXPECT_EQ(with_key->user_verified, plain->user_verified);
      EXPECT_EQ(with_key->backed_up, plain->backed_up);
    }
  }
  return plain;
}

}  // namespace

TEST(authentication, valid_assertion_every_algorithm) {
  for (std::int32_t alg : {-7, -35, -36, -8, -53, -257, -258, -259, -37, -38, -39}) {
    auto s = valid(alg);
    auto r = run(s, alg);
    ASSERT_TRUE(r) << alg << ": " << test::name(code_of(r));
    EXPECT_EQ(r->sign_count, 5u);
    EXPECT_TRUE(r->user_verified);
    EXPECT_FALSE(r->sign_count_not_increased);
  }
}

TEST(authentication, reports_backup_flags) {
  auto s = valid();
  s.knobs.flags = core::flags::up | core::flags::uv | core::flags::be | core::flags::bs;
  s.credential.backup_eligible = true;
  auto r = run(s);
  ASSERT_TRUE(r) << test::name(code_of(r));
  EXPECT_TRUE(r->backup_eligible);
  EXPECT_TRUE(r->backed_up);
}

TEST(authentication, zero_counters_are_not_compared) {
  auto s = valid();
  s.knobs.sign_count = 0;
  s.credential.sign_count = 0;
  auto r = run(s);
  ASSERT_TRUE(r) << test::name(code_of(r));
  EXPECT_FALSE(r->sign_count_not_increased);
}

TEST(authentication, counter_regression_reported_when_policy_allows) {
  auto s = valid();
  s.knobs.sign_count = 3;
  s.policy.allow_sign_count_not_increased = true;
  auto r = run(s);
  ASSERT_TRUE(r) << test::name(code_of(r));
  EXPECT_TRUE(r->sign_count_not_increased);
  EXPECT_EQ(r->sign_count, 3u);
}

TEST(authentication, identified_user_without_user_handle) {
  auto s = valid();
  s.knobs.user_handle.reset();
  s.identified_user = core::user_handle(k_user);
  EXPECT_TRUE(run(s));
}

TEST(authentication, appid_extension_accepts_the_appid_hash) {
  auto s = valid();
  s.knobs.rp_id = "https://example.com/appid.json";
  s.policy.appid = "https://example.com/appid.json";
  s.mutate = [](core::authentication_response& r) { r.appid_extension = true; };
  auto r = run(s);
  ASSERT_TRUE(r) << test::name(code_of(r));
  EXPECT_TRUE(r->used_appid);
}

struct auth_negative_case {
  const char* name;
  std::function<void(setup&)> breaker;
  errc expected;
};

class authentication_negative : public ::testing::TestWithParam<auth_negative_case> {};

TEST_P(authentication_negative, breaks_with_exact_code) {
  auto s = valid();
  GetParam().breaker(s);
  auto r = run(s);
  EXPECT_EQ(code_of(r), GetParam().expected) << GetParam().name << ": got " << test::name(code_of(r));
}

INSTANTIATE_TEST_SUITE_P(
    table, authentication_negative,
    ::testing::Values(
        auth_negative_case{"origin", [](setup& s) { s.knobs.origin = "https://evil.example"; }, errc::client_data_origin_mismatch},
        auth_negative_case{"challenge", [](setup& s) { s.knobs.challenge = "b3RoZXI"; }, errc::client_data_challenge_mismatch},
        auth_negative_case{"type", [](setup& s) { s.knobs.type = "webauthn.create"; }, errc::client_data_type_mismatch},
        auth_negative_case{"rp_id_hash", [](setup& s) { s.knobs.rp_id = "evil.example"; }, errc::auth_data_rp_id_hash_mismatch},
        auth_negative_case{"appid_without_client_flag",
                      [](setup& s) {
                        s.knobs.rp_id = "https://example.com/appid.json";
                        s.policy.appid = "https://example.com/appid.json";
                      },
                      errc::auth_data_rp_id_hash_mismatch},
        auth_negative_case{"user_not_present", [](setup& s) { s.knobs.flags = core::flags::uv; }, errc::auth_data_user_not_present},
        auth_negative_case{"user_not_verified", [](setup& s) { s.knobs.flags = core::flags::up; }, errc::auth_data_user_not_verified},
        auth_negative_case{"signature", [](setup& s) { s.knobs.corrupt_signature = true; }, errc::signature_invalid},
        auth_negative_case{"signature_by_other_key",
                      [](setup& s) { s.credential.public_key_cose = test::key_pair::generate(-7).cose_public_key(); },
                      errc::signature_invalid},
        auth_negative_case{"counter_equal", [](setup& s) { s.knobs.sign_count = 4; }, errc::ceremony_sign_count_not_increased},
        auth_negative_case{"counter_lower", [](setup& s) { s.knobs.sign_count = 1; }, errc::ceremony_sign_count_not_increased},
        auth_negative_case{"counter_zero_after_nonzero", [](setup& s) { s.knobs.sign_count = 0; },
                      errc::ceremony_sign_count_not_increased},
        auth_negative_case{"credential_not_in_allow_list",
                      [](setup& s) { s.allow = {core::credential_id(core::bytes{1, 2, 3})}; },
                      errc::ceremony_credential_not_allowed},
        auth_negative_case{"stored_record_for_other_credential",
                      [](setup& s) { s.credential.id = core::credential_id(core::bytes{9, 9}); },
                      errc::ceremony_credential_mismatch},
        auth_negative_case{"user_handle_of_other_user", [](setup& s) { s.knobs.user_handle = core::bytes{1}; },
                      errc::ceremony_user_handle_mismatch},
        auth_negative_case{"discoverable_without_user_handle", [](setup& s) { s.knobs.user_handle.reset(); },
                      errc::ceremony_user_handle_mismatch},
        auth_negative_case{"identified_user_does_not_own_credential",
                      [](setup& s) { s.identified_user = core::user_handle(core::bytes{7}); },
                      errc::ceremony_user_handle_mismatch},
        auth_negative_case{"backup_eligibility_changed",
                      [](setup& s) { s.knobs.flags = core::flags::up | core::flags::uv | core::flags::be; },
                      errc::ceremony_credential_mismatch},
        auth_negative_case{"backup_eligible_rejected",
                      [](setup& s) {
                        s.knobs.flags = core::flags::up | core::flags::uv | core::flags::be;
                        s.credential.backup_eligible.reset();
                        s.policy.reject_backup_eligible = true;
                      },
                      errc::policy_backup_eligible_rejected},
        auth_negative_case{"auth_data_trailing_byte",
                      [](setup& s) { s.mutate = [](core::authentication_response& r) { r.authenticator_data.push_back(0); }; },
                      errc::auth_data_trailing_bytes},
        auth_negative_case{"auth_data_truncated",
                      [](setup& s) { s.mutate = [](core::authentication_response& r) { r.authenticator_data.resize(36); }; },
                      errc::auth_data_too_short},
        auth_negative_case{"stored_key_rs1",
                      [](setup& s) { s.credential.public_key_cose = test::key_pair::generate(-65535).cose_public_key(); },
                      errc::cose_alg_not_allowed}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

// Secure Payment Confirmation (contract §10.2): a "payment.get" assertion for the expected transaction.
namespace {

const std::string k_payment =
    R"({"rpId":"example.com","topOrigin":"https://shop.example","payeeOrigin":"https://shop.example",)"
    R"("total":{"value":"42.00","currency":"USD"},"instrument":{"displayName":"Visa 1234","icon":"x"}})";

boost::system::result<core::authentication_result> run_payment(setup& s, const core::payment_expectations& p) {
  auto minted = authenticator().make_assertion(s.knobs);
  auto parsed = core::parse_authentication_response_json(minted.json);
  if (!parsed) return parsed.error();
  core::authentication_expectations e;
  e.challenge = k_challenge;
  e.origins = k_origins;
  e.rp_id = "example.com";
  e.require_user_verification = true;
  e.credential = &s.credential;
  e.policy = &s.policy;
  e.payment = &p;
  return core::verify_authentication(*parsed, e);
}

setup payment_setup() {
  setup s = valid();
  s.knobs.type = "payment.get";
  s.knobs.origin = "https://shop.example";  // a merchant origin, outside the RP's origins
  s.knobs.payment_json = k_payment;
  return s;
}

}  // namespace

TEST(authentication_spc, payment_assertion_for_the_transaction_verifies) {
  auto s = payment_setup();
  core::payment_expectations p{"42.00", "USD", std::nullopt, std::string_view("https://shop.example"), {}};
  EXPECT_TRUE(run_payment(s, p));
  const std::vector<std::string> merchants{"https://shop.example"};
  p.top_origins = merchants;
  EXPECT_TRUE(run_payment(s, p));
}

TEST(authentication_spc, each_difference_is_refused) {
  struct variant {
    const char* name;
    std::function<void(setup&, core::payment_expectations&)> change;
    errc code;
  };
  static const std::vector<std::string> other_merchants{"https://other.example"};
  const std::vector<variant> cases = {
      {"webauthn.get type", [](setup& s, auto&) { s.knobs.type = "webauthn.get"; }, errc::client_data_type_mismatch},
      {"amount", [](setup&, auto& p) { p.amount = "42.01"; }, errc::client_data_payment_mismatch},
      {"currency", [](setup&, auto& p) { p.currency = "EUR"; }, errc::client_data_payment_mismatch},
      {"payee origin", [](setup&, auto& p) { p.payee_origin = "https://evil.example"; }, errc::client_data_payment_mismatch},
      {"payee name", [](setup&, auto& p) { p.payee_name = "Shop"; }, errc::client_data_payment_mismatch},
      {"merchant list", [](setup&, auto& p) { p.top_origins = other_merchants; }, errc::client_data_payment_mismatch},
      {"rpId", [](setup& s, auto&) { s.knobs.payment_json = std::string(k_payment).replace(9, 11, "evil.example"); },
       errc::client_data_payment_mismatch},
      {"no payment member", [](setup& s, auto&) { s.knobs.payment_json.reset(); }, errc::client_data_malformed},
      {"no user verification", [](setup& s, auto&) { s.knobs.flags = core::flags::up; }, errc::auth_data_user_not_verified},
  };
  for (const auto& c : cases) {
    auto s = payment_setup();
    core::payment_expectations p{"42.00", "USD", std::nullopt, std::string_view("https://shop.example"), {}};
    c.change(s, p);
    EXPECT_EQ(code_of(run_payment(s, p)), c.code) << c.name;
  }
}

TEST(authentication_spc, payment_get_without_expectations_is_refused) {
  auto s = payment_setup();
  EXPECT_EQ(code_of(run(s)), errc::client_data_type_mismatch);
}

TEST(authentication_imported_key, used_only_when_imported_from_the_stored_bytes) {
  // The stored record holds key B; the caller offers key A (which did sign the assertion). Core
  // must ignore A and verify with B, so the assertion is refused exactly as without it.
  auto s = valid();
  auto minted = authenticator().make_assertion(s.knobs);
  auto parsed = core::parse_authentication_response_json(minted.json);
  ASSERT_TRUE(parsed);
  auto key_a = core::parse_cose_key(s.credential.public_key_cose);
  ASSERT_TRUE(key_a);
  test::soft_authenticator other(-7);
  s.credential.public_key_cose = other.cose_public_key();
  core::authentication_expectations e;
  e.challenge = k_challenge;
  e.origins = k_origins;
  e.rp_id = "example.com";
  e.credential = &s.credential;
  e.policy = &s.policy;
  EXPECT_EQ(code_of(core::verify_authentication(*parsed, e)), errc::signature_invalid);
  EXPECT_EQ(code_of(core::verify_authentication(*parsed, e, &*key_a)), errc::signature_invalid);
  // A stored key that does not parse keeps its parse error whatever key is offered.
  s.credential.public_key_cose = core::bytes{0xa0};
  const auto malformed = code_of(core::verify_authentication(*parsed, e));
  EXPECT_NE(malformed, errc::ok);
  EXPECT_EQ(code_of(core::verify_authentication(*parsed, e, &*key_a)), malformed);
  // And with the matching key, it verifies.
  s.credential.public_key_cose = key_a->cose();
  EXPECT_TRUE(core::verify_authentication(*parsed, e, &*key_a));
}
