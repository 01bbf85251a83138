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

TEST(ceremony, stored_text_is_compact_and_keeps_every_verified_field) {
  // Version 2 leaves out what has a default: the display name when it is the name, the algorithms
  // when they are every supported one, conditional when false.
  auto o = reg_options();
  o.user.display_name = o.user.name;
  auto c = core::begin_registration(o);
  ASSERT_TRUE(c);
  const auto text = c->serialize();
  auto v = boost::json::parse(text).as_object();
  EXPECT_EQ(v.at("v").as_int64(), 2);
  EXPECT_FALSE(v.contains("d"));
  EXPECT_FALSE(v.contains("a"));
  EXPECT_FALSE(v.contains("cd"));
  EXPECT_LT(text.size(), 200u) << text;
  auto r = core::registration_ceremony::restore(text);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->user().display_name, "alice");
  EXPECT_EQ(r->user().name, "alice");
  EXPECT_EQ(r->rp_id().value(), "example.com");
  EXPECT_EQ(r->user_verification(), c->user_verification());
  auto supported = core::supported_credential_algorithms();
  EXPECT_EQ(r->algorithms(), std::vector<std::int32_t>(supported.begin(), supported.end()));

  // A narrower algorithm list, a display name of its own and conditional create are kept.
  o = reg_options();
  o.algorithms = {-7};
  o.conditional = true;
  o.user.name = "a\"b\\c\n\x01 \xc3\xa9";
  c = core::begin_registration(o);
  ASSERT_TRUE(c);
  r = core::registration_ceremony::restore(c->serialize());
  ASSERT_TRUE(r) << c->serialize();
  EXPECT_EQ(r->algorithms(), std::vector<std::int32_t>{-7});
  EXPECT_TRUE(r->conditional());
  EXPECT_EQ(r->user().name, o.user.name);
  EXPECT_EQ(r->user().display_name, "Alice");

  // Broken version 2 texts are refused.
  for (const char* bad : {
           R"({"v":2,"k":"r","rp":"example.com","u":"QkJC","n":"a","e":1,"uv":"required"})",             // no challenge
           R"({"v":2,"k":"r","c":"FxcXFxcXFxcXFxcXFxcXFw","rp":"example.com","u":"QkJC","n":"a","e":1,"uv":"maybe"})",
           R"({"v":2,"k":"a","c":"FxcXFxcXFxcXFxcXFxcXFw","rp":"example.com","u":"QkJC","n":"a","e":1,"uv":"required"})",
           R"({"v":2,"k":"r","c":"FxcXFxcXFxcXFxcXFxcXFw","rp":"example.com","u":"QkJC","n":"a","e":1,"uv":"required","a":["x"]})",
           R"({"v":2,"k":"r","c":"FxcXFxcXFxcXFxcXFxcXFw","rp":"example.com","u":"QkJC","n":"a","e":1,"uv":"required","cd":1})",
       })
    EXPECT_EQ(code_of(core::registration_ceremony::restore(bad)), errc::ceremony_options_invalid) << bad;
}

TEST(ceremony, version_1_texts_stored_before_an_upgrade_are_still_read) {
  // What 1a0e9d6 and earlier wrote.
  auto r = core::registration_ceremony::restore(
      R"({"v":1,"kind":"registration","challenge":"FxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxcXFxc","rpId":"example.com",)"
      R"("userId":"QkJCQkJCQkJCQkJCQkJCQg","userName":"alice","userDisplayName":"Alice","expiresAtMs":1780000300000,)"
      R"("uv":"preferred","algs":[-7,-257],"conditional":false})");
  ASSERT_TRUE(r) << test::name(code_of(r));
  EXPECT_EQ(r->challenge(), core::challenge(core::bytes(32, 0x17)));
  EXPECT_EQ(r->user().id, core::user_handle(core::bytes(16, 0x42)));
  EXPECT_EQ(r->user().display_name, "Alice");
  EXPECT_EQ(r->algorithms(), (std::vector<std::int32_t>{-7, -257}));
  EXPECT_EQ(r->expires_at(), k_now + std::chrono::minutes(5));
  EXPECT_FALSE(r->conditional());
  // Version 1 had no defaults: a text without its algorithm list is refused.
  EXPECT_EQ(code_of(core::registration_ceremony::restore(
                R"({"v":1,"kind":"registration","challenge":"FxcXFxcXFxcXFxcXFxcXFw","rpId":"example.com",)"
                R"("userId":"QkJC","userName":"a","userDisplayName":"a","expiresAtMs":1,"uv":"required"})")),
            errc::ceremony_options_invalid);

  auto a = core::authentication_ceremony::restore(
      R"({"v":1,"kind":"authentication","challenge":"FxcXFxcXFxcXFxcXFxcXFw","rpId":"example.com",)"
      R"("expiresAtMs":1780000300000,"uv":"required","allow":[{"type":"public-key","id":"AQID"}],"userId":"QkJC"})");
  ASSERT_TRUE(a) << test::name(code_of(a));
  EXPECT_EQ(a->allow_credentials(), std::vector<core::credential_id>{core::credential_id(core::bytes{1, 2, 3})});
  EXPECT_EQ(a->user(), core::user_handle(core::bytes(3, 0x42)));
  EXPECT_EQ(a->user_verification(), core::user_verification_requirement::required);
  // A version 1 allow list holds descriptors, version 2 the ids themselves; neither takes the other.
  EXPECT_EQ(code_of(core::authentication_ceremony::restore(
                R"({"v":1,"kind":"authentication","challenge":"FxcXFxcXFxcXFxcXFxcXFw","rpId":"example.com",)"
                R"("expiresAtMs":1,"uv":"required","allow":["AQID"]})")),
            errc::ceremony_options_invalid);
  EXPECT_EQ(code_of(core::authentication_ceremony::restore(
                R"({"v":2,"k":"a","c":"FxcXFxcXFxcXFxcXFxcXFw","rp":"example.com","e":1,"uv":"required",)"
                R"("al":[{"type":"public-key","id":"AQID"}]})")),
            errc::ceremony_options_invalid);
}

TEST(ceremony, authentication_text_round_trip) {
  core::begin_authentication_options ao;
  ao.rp_id = core::rp_id("example.com");
  ao.challenge = core::challenge(core::bytes(32, 5));
  ao.now = k_now;
  // Discoverable (no user, no allow list): the shortest text.
  auto auth = core::begin_authentication(ao);
  ASSERT_TRUE(auth);
  auto v = boost::json::parse(auth->serialize()).as_object();
  EXPECT_FALSE(v.contains("u"));
  EXPECT_FALSE(v.contains("al"));
  auto r = core::authentication_ceremony::restore(auth->serialize());
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->user());
  EXPECT_TRUE(r->allow_credentials().empty());
  EXPECT_EQ(r->challenge(), auth->challenge());
  EXPECT_EQ(r->expires_at(), auth->expires_at());
  // Identified: the user and every allowed id come back, in order.
  ao.user = core::user_handle(core::bytes(8, 7));
  ao.allow_credentials = {core::credential_id(core::bytes{9, 9}), core::credential_id(core::bytes(40, 1))};
  ao.user_verification = core::user_verification_requirement::discouraged;
  auth = core::begin_authentication(ao);
  ASSERT_TRUE(auth);
  r = core::authentication_ceremony::restore(auth->serialize());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->user(), ao.user);
  EXPECT_EQ(r->allow_credentials(), ao.allow_credentials);
  EXPECT_EQ(r->user_verification(), core::user_verification_requirement::discouraged);
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
