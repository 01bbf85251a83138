// C1 options building (contract §6.1, §10.1), access checks of §3.4 and the Server API service.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>

#include <sqlite3.h>

#include "fixture.hpp"
#include "signet/core/cose.hpp"
#include "signet/service/access.hpp"
#include "signet/service/passkeys.hpp"
#include "signet/service/server_api.hpp"
#include "signet/store/challenge_address.hpp"

namespace signet::service {
namespace {

using testing::fixed_clock;

struct harness {
  testing::sqlite_fixture db;
  fixed_clock clock;
  testing::counter_random rng;
  tenant_directory tenants{db.db->ports().tenants, clock};
  access_control access{tenants, db.ports(), clock};
  token_issuer tokens{"https://auth.example.com/v1", clock, rng};
  passkey_service passkeys{db.ports(), tokens, clock, rng};
  server_api_service server{db.ports(), access, tokens, clock, rng};
  store::tenant tenant = testing::make_tenant("tenant-a", "sk_a");

  harness() {
    db.db->create_tenant(tenant);
    db.db->create_tenant(testing::make_tenant("tenant-b", "sk_b", "other.example"));
  }

  std::string track(const std::string& user, const track_request& req = {}) {
    auto r = server.track(tenant, user, "signUp", req);
    EXPECT_TRUE(r);
    return r->token;
  }
  bearer_context ctx(const std::string& token) {
    auto c = access.bearer("Bearer " + token);
    EXPECT_TRUE(c) << (c ? "" : c.error().description);
    return *c;
  }
};

/// The `addressed` flag of a challenge row in the harness's SQLite file (migration 003).
int addressed_flag(harness& h, const std::string& id) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2((h.db.dir.path() / "signet.db").string().c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT addressed FROM challenges WHERE id = ?1", -1, &st, nullptr), SQLITE_OK);
  sqlite3_bind_text(st, 1, id.c_str(), -1, SQLITE_TRANSIENT);
  const int flag = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return flag;
}

// C1, C3 and C5 mint challenge ids and bytes that carry the challenge's expiry in their first 48
// bits (store/challenge_address.hpp) and are random after it; the ids are version-4 UUIDs. The
// SQLite store then finds them by that expiry: no entry in its id and bytes indexes.
TEST(challenge_minting, ids_and_bytes_carry_the_expiry_and_are_random_after_it) {
  harness h;
  namespace addr = store::challenge_address;
  const auto expiry = addr::expiry_ms(h.clock.now() + std::chrono::seconds(h.tenant.challenge_ttl_seconds));
  const std::regex v4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  auto ctx = h.ctx(h.track("user-1"));
  auto a = h.passkeys.registration_options(ctx, {});
  auto b = h.passkeys.registration_options(ctx, {});
  ASSERT_TRUE(a && b);
  client_principal who{h.tenants.by_id("tenant-a"), ctx};
  auto c = h.passkeys.authentication_options(who, {});
  ASSERT_TRUE(c);
  auto d = h.passkeys.action_challenge(client_principal{h.tenants.by_id("tenant-a"), std::nullopt}, {}, {});
  ASSERT_TRUE(d);
  for (const std::string& id : {a->challenge_id, b->challenge_id, c->challenge_id, *d}) {
    EXPECT_TRUE(std::regex_match(id, v4)) << id;
    EXPECT_EQ(addr::of_id(id), expiry) << id;
    EXPECT_EQ(addressed_flag(h, id), 1) << id;
  }
  for (const auto& ch : {a->challenge, b->challenge, c->challenge}) {
    EXPECT_EQ(ch.size(), 32u);
    EXPECT_EQ(addr::of_value(ch.value()), expiry);
  }
  // After the prefix: fresh bytes for every challenge and id.
  EXPECT_NE(a->challenge_id.substr(13), b->challenge_id.substr(13));
  const auto tail = [](const core::challenge& c) {
    return std::vector<core::byte>(c.value().begin() + 6, c.value().end());
  };
  EXPECT_NE(tail(a->challenge), tail(b->challenge));
  EXPECT_NE(tail(a->challenge), tail(c->challenge));
  // Found by id and by bytes, once.
  const auto now = h.clock.now();
  EXPECT_TRUE(h.db.db->take_challenge_by_value("tenant-a", "passkey-registration", a->challenge.value(), now));
  EXPECT_FALSE(h.db.db->take_challenge("tenant-a", a->challenge_id, h.clock.now()));
  EXPECT_TRUE(h.db.db->take_challenge("tenant-a", b->challenge_id, h.clock.now()));
}

TEST(registration_options, defaults_for_a_new_user) {
  harness h;
  auto o = h.passkeys.registration_options(h.ctx(h.track("user-1")), {});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->rp_id, "example.com");
  EXPECT_EQ(o->rp_name, "Test RP");
  EXPECT_EQ(o->challenge.size(), 32u);
  EXPECT_EQ(o->user_id.size(), 32u);
  EXPECT_EQ(o->user_name, "user-1");  // nothing stored: falls back to the user id
  EXPECT_EQ(o->user_display_name, "user-1");
  EXPECT_EQ(o->timeout_ms, 300000u);
  EXPECT_EQ(o->attestation, "none");
  EXPECT_TRUE(o->exclude_credentials.empty());
  EXPECT_EQ(o->resident_key, "required");
  EXPECT_TRUE(o->require_resident_key);
  EXPECT_EQ(o->user_verification, "preferred");
  EXPECT_FALSE(o->authenticator_attachment);
  EXPECT_TRUE(o->cred_props);
  EXPECT_FALSE(o->payment);
  // Only algorithms the verifier supports, and the two the contract requires.
  const auto supported = core::supported_credential_algorithms();
  EXPECT_EQ(o->algorithms, std::vector<std::int32_t>(supported.begin(), supported.end()));
  EXPECT_NE(std::find(o->algorithms.begin(), o->algorithms.end(), -7), o->algorithms.end());
  EXPECT_NE(std::find(o->algorithms.begin(), o->algorithms.end(), -257), o->algorithms.end());
}

TEST(registration_options, user_handle_is_stable_and_challenges_are_fresh) {
  harness h;
  const auto tok = h.track("user-1");
  auto a = h.passkeys.registration_options(h.ctx(tok), {});
  auto b = h.passkeys.registration_options(h.ctx(tok), {});
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->user_id, b->user_id);
  EXPECT_NE(a->challenge, b->challenge);
  EXPECT_NE(a->challenge_id, b->challenge_id);
  auto other = h.passkeys.registration_options(h.ctx(h.track("user-2")), {});
  EXPECT_NE(other->user_id, a->user_id);
}

TEST(registration_options, username_inference_order) {
  harness h;
  track_request phone;
  phone.phone_number = "+64270000000";
  EXPECT_EQ(h.passkeys.registration_options(h.ctx(h.track("u-phone", phone)), {})->user_name, "+64270000000");
  track_request email = phone;
  email.email = "jane@example.com";
  EXPECT_EQ(h.passkeys.registration_options(h.ctx(h.track("u-email", email)), {})->user_name, "jane@example.com");
  track_request named = email;
  named.username = "jane";
  auto o = h.passkeys.registration_options(h.ctx(h.track("u-name", named)), {});
  EXPECT_EQ(o->user_name, "jane");
  EXPECT_EQ(o->user_display_name, "jane");
  // The request wins over everything stored; displayName defaults to the stored one, else the username.
  registration_options_request req;
  req.username = "explicit";
  o = h.passkeys.registration_options(h.ctx(h.track("u-name", named)), req);
  EXPECT_EQ(o->user_name, "explicit");
  EXPECT_EQ(o->user_display_name, "explicit");
  store::user_patch p;
  p.display_name = std::optional<std::string>("Jane Smith");
  h.server.update_user(h.tenant, "u-name", p);
  o = h.passkeys.registration_options(h.ctx(h.track("u-name", named)), req);
  EXPECT_EQ(o->user_display_name, "Jane Smith");
  req.display_name = "Given";
  EXPECT_EQ(h.passkeys.registration_options(h.ctx(h.track("u-name", named)), req)->user_display_name, "Given");
}

TEST(registration_options, attachment_is_echoed) {
  harness h;
  registration_options_request req;
  req.authenticator_attachment = "cross-platform";
  EXPECT_EQ(h.passkeys.registration_options(h.ctx(h.track("u")), req)->authenticator_attachment, "cross-platform");
}

TEST(registration_options, spc_forces_platform_uv_and_payment) {
  harness h;
  registration_options_request req;
  req.secure_payment_confirmation = true;
  req.authenticator_attachment = "cross-platform";
  req.instrument_display_name = "Visa ••1234";
  auto o = h.passkeys.registration_options(h.ctx(h.track("u")), req);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->authenticator_attachment, "platform");
  EXPECT_EQ(o->user_verification, "required");
  EXPECT_EQ(o->resident_key, "required");
  EXPECT_TRUE(o->payment);
  EXPECT_TRUE(o->cred_props);
  // The challenge keeps the SPC flag and the instrument label, bound to tenant, user and action.
  auto ch = h.db.db->take_challenge("tenant-a", o->challenge_id, h.clock.now());
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->type, "passkey-registration");
  EXPECT_EQ(ch->user_id, "u");
  EXPECT_EQ(ch->action_code, "signUp");
  EXPECT_EQ(ch->value, o->challenge.value());
  EXPECT_EQ(ch->expires_at, h.clock.now() + std::chrono::minutes(10));
  auto snap = boost::json::parse(ch->options_json).as_object();
  EXPECT_EQ(snap.at("spc").as_bool(), true);
  EXPECT_EQ(snap.at("idn").as_string(), "Visa ••1234");
  // Single use.
  EXPECT_FALSE(h.db.db->take_challenge("tenant-a", o->challenge_id, h.clock.now()));
}

TEST(access, bearer_checks_in_contract_order) {
  harness h;
  const auto tok = h.track("u");
  EXPECT_EQ(h.access.bearer("").error().code, errc::unauthorized);
  EXPECT_EQ(h.access.bearer("Basic abc").error().code, errc::unauthorized);
  EXPECT_EQ(h.access.bearer("Bearer not-a-token").error().code, errc::invalid_token);
  // A token for tenant-a re-signed with tenant-b's key is refused.
  auto parsed = parse_token(tok);
  EXPECT_EQ(h.access.bearer("Bearer " + sign_token(parsed->claims, "sk_b")).error().code, errc::invalid_token);
  // A token naming tenant-b but signed with tenant-a's key is refused too.
  auto claims = parsed->claims;
  claims.tenant_id = "tenant-b";
  EXPECT_EQ(h.access.bearer("Bearer " + sign_token(claims, "sk_a")).error().code, errc::invalid_token);
  // Unknown tenant.
  claims.tenant_id = "tenant-zzz";
  EXPECT_EQ(h.access.bearer("Bearer " + sign_token(claims, "sk_a")).error().code, errc::invalid_token);
  // Expiry: 600 s + 5 s of skew.
  h.clock.advance(std::chrono::seconds(604));
  EXPECT_TRUE(h.access.bearer("Bearer " + tok));
  h.clock.advance(std::chrono::seconds(2));
  EXPECT_EQ(h.access.bearer("Bearer " + tok).error().code, errc::expired_token);
}

// The Bearer check computes a token's HMAC once per tenant snapshot: the same token string is
// refused as soon as the directory reloads a tenant whose keys no longer sign it.
TEST(access, a_token_verified_before_is_refused_once_its_key_is_removed) {
  harness h;
  const auto tok = h.track("u");
  EXPECT_TRUE(h.access.bearer("Bearer " + tok));
  EXPECT_TRUE(h.access.bearer("Bearer " + tok));  // verified before, under the same snapshot
  // Rotate: a new key, the old one removed (the CLI's tables; no port writes keys yet).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((h.db.dir.path() / "signet.db").string().c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(db,
                         "INSERT INTO tenant_keys (tenant_id, position, key_hash, secret, created_at) "
                         "SELECT tenant_id, position + 1, key_hash || x'01', 'sk_new', created_at "
                         "FROM tenant_keys WHERE tenant_id = 'tenant-a';"
                         "DELETE FROM tenant_keys WHERE tenant_id = 'tenant-a' AND secret <> 'sk_new';",
                         nullptr, nullptr, &err),
            SQLITE_OK)
      << (err ? err : "");
  sqlite3_close(db);
  h.clock.advance(std::chrono::seconds(31));  // past the directory's 30 s: the tenant is read again
  auto after = h.access.bearer("Bearer " + tok);
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error().code, errc::invalid_token);
  // A token signed with the new key passes.
  auto claims = parse_token(tok)->claims;
  EXPECT_TRUE(h.access.bearer("Bearer " + sign_token(claims, "sk_new")));
}

TEST(access, deleted_user_gives_not_found_and_blocked_action_unauthorized) {
  harness h;
  const auto tok = h.track("u");
  auto c = h.ctx(tok);
  ASSERT_TRUE(h.db.db->update_action_state("tenant-a", "u", "signUp", c.action.idempotency_key, "BLOCK",
                                           h.clock.now()));
  EXPECT_EQ(h.access.bearer("Bearer " + tok).error().code, errc::unauthorized);
  h.server.delete_user(h.tenant, "u");
  EXPECT_EQ(h.access.bearer("Bearer " + tok).error().code, errc::not_found);
}

TEST(access, basic_tenant_and_secret_key) {
  harness h;
  EXPECT_EQ((*h.access.basic_tenant("Basic " + core::base64_encode(core::as_bytes("tenant-a"))))->id, "tenant-a");
  EXPECT_EQ(h.access.basic_tenant("Basic " + core::base64_encode(core::as_bytes("nope:"))).error().code,
            errc::unauthorized);
  EXPECT_EQ((*h.access.server("Basic " + core::base64_encode(core::as_bytes("sk_a:"))))->id, "tenant-a");
  EXPECT_EQ((*h.access.server("Basic " + core::base64_encode(core::as_bytes("sk_b:"))))->id, "tenant-b");
  EXPECT_EQ(h.access.server("Basic " + core::base64_encode(core::as_bytes("sk_c:"))).error().code,
            errc::unauthorized);
  EXPECT_EQ(h.access.server("Bearer sk_a").error().code, errc::unauthorized);
}

TEST(enrolment_gate, needs_add_scope_only_once_enrolled) {
  harness h;
  EXPECT_TRUE(h.passkeys.check_enrolment_gate(h.ctx(h.track("u"))));
}

TEST(server_api, track_state_scope_and_idempotency) {
  harness h;
  track_request req;
  req.scope = "add:authenticators bogus";
  EXPECT_EQ(h.server.track(h.tenant, "u", "signUp", req).error().code, errc::invalid_request);
  EXPECT_EQ(h.server.track(h.tenant, "u", "bad code!", {}).error().code, errc::invalid_request);
  EXPECT_EQ(h.server.track(h.tenant, std::string(257, 'x'), "a", {}).error().code, errc::invalid_request);
  req.scope = "add:authenticators";
  req.idempotency_key = "idem-1";
  auto a = h.server.track(h.tenant, "u", "signUp", req);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->state, "ALLOW");  // not enrolled: never challenged
  EXPECT_EQ(a->idempotency_key, "idem-1");
  EXPECT_FALSE(a->is_enrolled);
  auto claims = parse_token(a->token)->claims;
  EXPECT_EQ(claims.exp, claims.iat + 600);
  EXPECT_TRUE(claims.has_scope("read:authenticators"));
  EXPECT_TRUE(claims.has_scope("add:authenticators"));
  EXPECT_EQ(claims.iss, "https://auth.example.com/v1");
  // Same idempotency key: the same action, a fresh token.
  h.db.db->update_action_state("tenant-a", "u", "signUp", "idem-1", "CHALLENGE_SUCCEEDED", h.clock.now());
  h.clock.advance(std::chrono::seconds(1));
  auto b = h.server.track(h.tenant, "u", "signUp", req);
  EXPECT_EQ(b->state, "CHALLENGE_SUCCEEDED");
  EXPECT_NE(b->token, a->token);
}

TEST(server_api, validate_reports_current_state_and_checks_binding) {
  harness h;
  const auto tok = h.track("u");
  validate_request v{tok, std::nullopt, std::nullopt};
  auto r = h.server.validate(h.tenant, v);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->is_valid);
  EXPECT_EQ(r->state, "ALLOW");
  EXPECT_EQ(r->action_code, "signUp");
  auto c = h.ctx(tok);
  h.db.db->update_action_state("tenant-a", "u", "signUp", c.action.idempotency_key, "CHALLENGE_SUCCEEDED",
                               h.clock.now());
  EXPECT_TRUE(h.server.validate(h.tenant, v)->is_valid);
  EXPECT_TRUE(h.server.validate(h.tenant, v)->is_valid);  // repeatable (Q18)
  v.user_id = "someone-else";
  EXPECT_EQ(h.server.validate(h.tenant, v).error().code, errc::invalid_request);
  v.user_id.reset();
  v.action = "otherAction";
  EXPECT_EQ(h.server.validate(h.tenant, v).error().code, errc::invalid_request);
  // Another tenant's secret key cannot validate tenant-a's token.
  auto tb = testing::make_tenant("tenant-b", "sk_b", "other.example");
  EXPECT_EQ(h.server.validate(tb, {tok, std::nullopt, std::nullopt}).error().code, errc::invalid_token);
  h.clock.advance(std::chrono::minutes(11));
  EXPECT_EQ(h.server.validate(h.tenant, {tok, std::nullopt, std::nullopt}).error().code, errc::expired_token);
}

}  // namespace
}  // namespace signet::service
