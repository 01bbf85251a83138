// begin_* / finish_*: options validation, expiry, serialisation, and a full round trip.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "signet/core/ceremony.hpp"
#include "soft_authenticator.hpp"
#include "test_util.hpp"

using namespace signet;
using core::errc;
using test::code_of;

namespace {

const auto k_now = std::chrono::system_clock::from_time_t(1780000000);

core::begin_registration_options reg_options() {
  core::begin_registration_options o;
  o.rp_id = core::rp_id("example.com");
  o.rp_name = "Example";
  o.user = core::user_entity{core::user_handle(core::bytes(16, 0x42)), "alice", "Alice"};
  o.challenge = core::challenge(core::bytes(32, 0x17));
  o.now = k_now;
  return o;
}

}  // namespace

TEST(ceremony, begin_registration_validates_options) {
  struct row {
    const char* name;
    std::function<void(core::begin_registration_options&)> change;
    errc expected;
  };
  const row rows[] = {
      {"valid", [](auto&) {}, errc::ok},
      {"challenge_15_bytes", [](auto& o) { o.challenge = core::challenge(core::bytes(15, 1)); }, errc::ceremony_options_invalid},
      {"empty_user_id", [](auto& o) { o.user.id = core::user_handle(); }, errc::ceremony_options_invalid},
      {"user_id_65_bytes", [](auto& o) { o.user.id = core::user_handle(core::bytes(65, 1)); }, errc::ceremony_options_invalid},
      {"empty_rp_id", [](auto& o) { o.rp_id = core::rp_id(); }, errc::ceremony_options_invalid},
      {"ml_dsa_offered", [](auto& o) { o.algorithms = {-48}; }, errc::ceremony_options_invalid},
      {"rs1_offered", [](auto& o) { o.algorithms = {-65535}; }, errc::ceremony_options_invalid},
  };
  for (const auto& r : rows) {
    auto o = reg_options();
    r.change(o);
    EXPECT_EQ(code_of(core::begin_registration(o)), r.expected) << r.name;
  }
}

TEST(ceremony, creation_options_json) {
  auto c = core::begin_registration(reg_options());
  ASSERT_TRUE(c);
  auto v = boost::json::parse(c->options_json()).as_object();
  EXPECT_EQ(v.at("challenge").as_string(), core::base64url_encode(core::bytes(32, 0x17)));
  EXPECT_EQ(v.at("rp").as_object().at("id").as_string(), "example.com");
  EXPECT_EQ(v.at("pubKeyCredParams").as_array().size(), core::supported_credential_algorithms().size());
  EXPECT_EQ(c->expires_at(), k_now + std::chrono::minutes(5));
}

TEST(ceremony, registration_round_trip_through_serialisation) {
  auto c = core::begin_registration(reg_options());
  ASSERT_TRUE(c);
  auto restored = core::registration_ceremony::restore(c->serialize());
  ASSERT_TRUE(restored) << test::name(code_of(restored));
  EXPECT_EQ(restored->challenge(), c->challenge());
  EXPECT_EQ(restored->user().id, c->user().id);
  EXPECT_EQ(restored->expires_at(), c->expires_at());
  EXPECT_EQ(restored->algorithms(), c->algorithms());
  EXPECT_EQ(code_of(core::registration_ceremony::restore("{}")), errc::ceremony_options_invalid);
  EXPECT_EQ(code_of(core::registration_ceremony::restore("not json")), errc::ceremony_options_invalid);
  // An authentication ceremony is not a registration ceremony.
  core::begin_authentication_options ao;
  ao.rp_id = core::rp_id("example.com");
  ao.challenge = core::challenge(core::bytes(16, 1));
  ao.now = k_now;
  auto auth = core::begin_authentication(ao);
  ASSERT_TRUE(auth);
  EXPECT_EQ(code_of(core::registration_ceremony::restore(auth->serialize())), errc::ceremony_options_invalid);
}

TEST(ceremony, finish_registration_then_authentication) {
  auto c = core::begin_registration(reg_options());
  ASSERT_TRUE(c);
  test::soft_authenticator a;
  test::registration_knobs k;
  k.challenge = c->challenge().to_base64url();
  k.mode = test::attestation_mode::packed_self;
  auto minted = a.make_registration(k);
  auto resp = core::parse_registration_response_json(minted.json);
  ASSERT_TRUE(resp);
  const std::vector<std::string> origins{"https://example.com"};
  core::policy pol;
  core::finish_registration_options fo;
  fo.ceremony = &*c;
  fo.response = &*resp;
  fo.origins = origins;
  fo.policy = &pol;
  fo.now = k_now + std::chrono::minutes(1);
  auto reg = core::finish_registration(fo);
  ASSERT_TRUE(reg) << test::name(code_of(reg));

  fo.now = k_now + std::chrono::minutes(6);
  EXPECT_EQ(code_of(core::finish_registration(fo)), errc::ceremony_expired);

  core::begin_authentication_options ao;
  ao.rp_id = core::rp_id("example.com");
  ao.challenge = core::challenge(core::bytes(20, 9));
  ao.now = k_now;
  ao.user = reg_options().user.id;
  ao.allow_credentials = {reg->id};
  auto auth = core::begin_authentication(ao);
  ASSERT_TRUE(auth);
  auto restored = core::authentication_ceremony::restore(auth->serialize());
  ASSERT_TRUE(restored) << test::name(code_of(restored));
  EXPECT_EQ(restored->allow_credentials(), auth->allow_credentials());
  EXPECT_EQ(restored->user(), auth->user());

  core::stored_credential cred{reg->id, reg->public_key_cose, reg->sign_count, reg_options().user.id, reg->backup_eligible};
  test::assertion_knobs ak;
  ak.challenge = restored->challenge().to_base64url();
  auto assertion = a.make_assertion(ak);
  auto aresp = core::parse_authentication_response_json(assertion.json);
  ASSERT_TRUE(aresp);
  core::finish_authentication_options fa;
  fa.ceremony = &*restored;
  fa.response = &*aresp;
  fa.credential = &cred;
  fa.origins = origins;
  fa.policy = &pol;
  fa.now = k_now + std::chrono::minutes(2);
  auto ok = core::finish_authentication(fa);
  ASSERT_TRUE(ok) << test::name(code_of(ok));
  EXPECT_EQ(ok->sign_count, 1u);
  fa.now = k_now + std::chrono::hours(1);
  EXPECT_EQ(code_of(core::finish_authentication(fa)), errc::ceremony_expired);
}

TEST(ceremony, conditional_create_allows_missing_user_presence_only_when_begun_so) {
  test::soft_authenticator a;
  const std::vector<std::string> origins{"https://example.com"};
  core::policy pol;
  for (bool conditional : {false, true}) {
    auto o = reg_options();
    o.conditional = conditional;
    auto c = core::begin_registration(o);
    ASSERT_TRUE(c);
    auto restored = core::registration_ceremony::restore(c->serialize());
    ASSERT_TRUE(restored);
    EXPECT_EQ(restored->conditional(), conditional);
    test::registration_knobs k;
    k.challenge = c->challenge().to_base64url();
    k.flags = core::flags::uv | core::flags::at;  // UP clear
    auto minted = a.make_registration(k);
    core::finish_registration_options fo;
    fo.ceremony = &*restored;
    fo.response = &minted.response;
    fo.origins = origins;
    fo.policy = &pol;
    fo.now = k_now;
    EXPECT_EQ(code_of(core::finish_registration(fo)), conditional ? errc::ok : errc::auth_data_user_not_present);
  }
}
