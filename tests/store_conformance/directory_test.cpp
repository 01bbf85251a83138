// Conformance: tenants and keys, users, actions (every backend, same expectations).
#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "suite.hpp"

namespace signet::conformance {
namespace {

// ---- schema ----

TEST_P(store_conformance, migrations_applied_and_reopen_keeps_data) {
  // Each backend's latest schema: SQLite has 005 (a deleted user's challenges refused), PostgreSQL 001.
  const int latest = GetParam() == "sqlite" ? 5 : 1;
  EXPECT_EQ(schema_version(), latest);
  ASSERT_TRUE(s().tenants.create_tenant(make_tenant("t1", "sk_1")));
  auto again = open_another();
  EXPECT_EQ(again->schema_version(), latest);
  EXPECT_TRUE(again->ports().tenants.find_tenant("t1"));
}

// ---- tenants ----

TEST_P(store_conformance, tenant_round_trip_and_duplicate_id) {
  auto t = make_tenant("t1", "sk_one");
  t.secret_keys.push_back("sk_two");
  ASSERT_TRUE(s().tenants.create_tenant(t));
  auto dup = make_tenant("t1", "sk_other");
  EXPECT_FALSE(s().tenants.create_tenant(dup));
  auto found = s().tenants.find_tenant("t1");
  ASSERT_TRUE(found);
  expect_same(*found, t);
  EXPECT_FALSE(s().tenants.find_tenant("t2"));
  EXPECT_FALSE(s().tenants.find_tenant(""));
  // The refused duplicate left nothing behind.
  EXPECT_FALSE(s().tenants.find_tenant_by_secret_key("sk_other"));
}

TEST_P(store_conformance, tenant_lists_are_kept_in_order_including_empty) {
  auto t = make_tenant("t1", "sk_1");
  t.expected_origins = {"https://b.example", "https://a.example", "android:apk-key-hash:abc"};
  t.cors_origins = {};
  ASSERT_TRUE(s().tenants.create_tenant(t));
  auto found = s().tenants.find_tenant("t1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->expected_origins, t.expected_origins);
  EXPECT_TRUE(found->cors_origins.empty());
}

TEST_P(store_conformance, tenant_by_secret_key_exact_match_only) {
  auto a = make_tenant("ta", "sk_alpha_0001");
  a.secret_keys.push_back("sk_alpha_0002");
  ASSERT_TRUE(s().tenants.create_tenant(a));
  ASSERT_TRUE(s().tenants.create_tenant(make_tenant("tb", "sk_beta_0001")));
  EXPECT_EQ(s().tenants.find_tenant_by_secret_key("sk_alpha_0001")->id, "ta");
  auto by_second = s().tenants.find_tenant_by_secret_key("sk_alpha_0002");
  ASSERT_TRUE(by_second);
  expect_same(*by_second, a);
  EXPECT_EQ(s().tenants.find_tenant_by_secret_key("sk_beta_0001")->id, "tb");
  EXPECT_FALSE(s().tenants.find_tenant_by_secret_key("sk_alpha_000"));
  EXPECT_FALSE(s().tenants.find_tenant_by_secret_key("sk_alpha_00011"));
  EXPECT_FALSE(s().tenants.find_tenant_by_secret_key("SK_ALPHA_0001"));
  EXPECT_FALSE(s().tenants.find_tenant_by_secret_key(""));
}

TEST_P(store_conformance, list_tenants_oldest_first_with_keys) {
  EXPECT_TRUE(s().tenants.list_tenants().empty());
  ASSERT_TRUE(s().tenants.create_tenant(make_tenant("tc", "sk_c", t0 + 2s)));
  ASSERT_TRUE(s().tenants.create_tenant(make_tenant("tb", "sk_b", t0)));
  ASSERT_TRUE(s().tenants.create_tenant(make_tenant("ta", "sk_a", t0)));
  auto all = s().tenants.list_tenants();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "ta");  // same created_at: by id
  EXPECT_EQ(all[1].id, "tb");
  EXPECT_EQ(all[2].id, "tc");
  EXPECT_EQ(all[2].secret_keys, std::vector<std::string>{"sk_c"});
  expect_same(all[0], make_tenant("ta", "sk_a", t0));
}

TEST_P(store_conformance, concurrent_create_tenant_one_winner) {
  constexpr int threads = 6;
  std::atomic<int> wins{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < threads; ++i)
    ts.emplace_back([&, i] {
      if (s().tenants.create_tenant(make_tenant("t-race", "sk_race_" + std::to_string(i)))) ++wins;
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(wins.load(), 1);
  auto t = s().tenants.find_tenant("t-race");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->secret_keys.size(), 1u);
}

// ---- users ----

TEST_P(store_conformance, upsert_creates_then_patches) {
  EXPECT_FALSE(s().users.find_user("t", "u"));
  store::user_patch p;
  p.email = std::optional<std::string>("a@example.com");
  p.email_verified = true;
  p.phone_number = std::optional<std::string>("+15550100");
  p.username = std::optional<std::string>("alice");
  p.display_name = std::optional<std::string>("Alice");
  p.custom_json = std::optional<std::string>(R"({"plan":"pro"})");
  p.locale = std::optional<std::string>("de-CH");
  auto u = s().users.upsert_user("t", "u", p, t0);
  EXPECT_EQ(u.tenant_id, "t");
  EXPECT_EQ(u.user_id, "u");
  EXPECT_EQ(u.email, "a@example.com");
  EXPECT_TRUE(u.email_verified);
  EXPECT_FALSE(u.phone_number_verified);
  EXPECT_EQ(u.created_at, t0);
  EXPECT_EQ(u.updated_at, t0);
  EXPECT_FALSE(u.handle);
  auto found = s().users.find_user("t", "u");
  ASSERT_TRUE(found);
  expect_same(*found, u);

  // only_if_empty fills empty fields and keeps set ones.
  store::user_patch fill;
  fill.only_if_empty = true;
  fill.username = std::optional<std::string>("bob");
  fill.email = std::optional<std::string>("b@example.com");
  store::user_patch clear_dn;
  clear_dn.display_name = std::optional<std::string>();
  s().users.upsert_user("t", "u", clear_dn, t0 + 1s);
  fill.display_name = std::optional<std::string>("Filled");
  u = s().users.upsert_user("t", "u", fill, t0 + 2s);
  EXPECT_EQ(u.username, "alice");
  EXPECT_EQ(u.email, "a@example.com");
  EXPECT_EQ(u.display_name, "Filled");
  EXPECT_EQ(u.created_at, t0);
  EXPECT_EQ(u.updated_at, t0 + 2s);

  // A set member holding nullopt clears; unset members stay.
  store::user_patch clear;
  clear.email = std::optional<std::string>();
  clear.phone_number_verified = true;
  u = s().users.upsert_user("t", "u", clear, t0 + 3s);
  EXPECT_FALSE(u.email);
  EXPECT_TRUE(u.email_verified);
  EXPECT_TRUE(u.phone_number_verified);
  EXPECT_EQ(u.phone_number, "+15550100");
  EXPECT_EQ(u.locale, "de-CH");
  expect_same(*s().users.find_user("t", "u"), u);
}

TEST_P(store_conformance, users_are_scoped_by_tenant) {
  store::user_patch p;
  p.username = std::optional<std::string>("one");
  s().users.upsert_user("t1", "u", p, t0);
  EXPECT_FALSE(s().users.find_user("t2", "u"));
  p.username = std::optional<std::string>("two");
  s().users.upsert_user("t2", "u", p, t0 + 1s);
  EXPECT_EQ(s().users.find_user("t1", "u")->username, "one");
  EXPECT_EQ(s().users.find_user("t2", "u")->username, "two");
  EXPECT_TRUE(s().users.delete_user("t2", "u", t0 + 2s));
  EXPECT_TRUE(s().users.find_user("t1", "u"));
}

TEST_P(store_conformance, concurrent_upserts_of_one_user_fill_once) {
  constexpr int threads = 8;
  std::vector<std::thread> ts;
  for (int i = 0; i < threads; ++i)
    ts.emplace_back([&, i] {
      store::user_patch p;
      p.only_if_empty = true;
      p.username = std::optional<std::string>("name-" + std::to_string(i));
      s().users.upsert_user("t", "u", p, t0 + std::chrono::milliseconds(i));
    });
  for (auto& t : ts) t.join();
  auto u = s().users.find_user("t", "u");
  ASSERT_TRUE(u);
  ASSERT_TRUE(u->username);
  EXPECT_EQ(u->username->rfind("name-", 0), 0u);
  EXPECT_EQ(s().users.query_users("t", {}).size(), 1u);
}

TEST_P(store_conformance, ensure_user_handle_keeps_the_first) {
  s().users.upsert_user("t", "u", {}, t0);
  const core::user_handle h1(bytes_of("handle-one-0123456789abcdef0123"));
  const core::user_handle h2(bytes_of("handle-two-0123456789abcdef0123"));
  EXPECT_EQ(s().users.ensure_user_handle("t", "u", h1, t0), h1);
  EXPECT_EQ(s().users.ensure_user_handle("t", "u", h2, t0), h1);
  EXPECT_EQ(s().users.find_user("t", "u")->handle, h1);
}

TEST_P(store_conformance, ensure_user_handle_race_has_one_value) {
  s().users.upsert_user("t", "u", {}, t0);
  constexpr int threads = 8;
  std::vector<core::user_handle> got(threads);
  std::vector<std::thread> ts;
  for (int i = 0; i < threads; ++i)
    ts.emplace_back([&, i] {
      got[static_cast<std::size_t>(i)] =
          s().users.ensure_user_handle("t", "u", core::user_handle(bytes_of("candidate-" + std::to_string(i))), t0);
    });
  for (auto& t : ts) t.join();
  for (const auto& h : got) EXPECT_EQ(h, got[0]);
  EXPECT_EQ(s().users.find_user("t", "u")->handle, got[0]);
}

TEST_P(store_conformance, delete_user_removes_everything_of_that_user_only) {
  for (const char* u : {"gone", "kept"}) {
    store::user_patch p;
    p.username = std::optional<std::string>(u);
    s().users.upsert_user("t", u, p, t0);
    auto a = make_action("t", std::string(u), "login", "k1");
    ASSERT_TRUE(s().actions.create_action(a));
    ASSERT_TRUE(s().authenticators.register_authenticator(
        make_authenticator("t", u, std::string("auth-") + u, bytes_of(std::string("cred-") + u)), ref_of(a),
        completion_for(u, std::string("auth-") + u, t0)));
    s().challenges.create_challenge(make_challenge("t", std::string("ch-") + u, bytes_of(u), t0 + 1h, std::string(u)));
  }
  // The same user id in another tenant is untouched.
  s().users.upsert_user("t-other", "gone", {}, t0);
  ASSERT_TRUE(s().actions.create_action(make_action("t-other", std::string("gone"), "login", "k1")));

  EXPECT_TRUE(s().users.delete_user("t", "gone", t0 + 1s));
  EXPECT_FALSE(s().users.delete_user("t", "gone", t0 + 1s));
  EXPECT_FALSE(s().users.delete_user("t", "never", t0 + 1s));
  EXPECT_FALSE(s().users.find_user("t", "gone"));
  EXPECT_FALSE(s().authenticators.has_authenticator("t", "gone"));
  EXPECT_FALSE(s().authenticators.find_authenticator_by_credential("t", core::credential_id(bytes_of("cred-gone"))));
  EXPECT_FALSE(s().actions.find_action("t", "gone", "login", "k1"));
  EXPECT_FALSE(s().challenges.peek_challenge("t", "ch-gone", t0));

  EXPECT_TRUE(s().users.find_user("t", "kept"));
  EXPECT_TRUE(s().authenticators.has_authenticator("t", "kept"));
  EXPECT_TRUE(s().actions.find_action("t", "kept", "login", "k1"));
  EXPECT_TRUE(s().challenges.peek_challenge("t", "ch-kept", t0));
  EXPECT_TRUE(s().users.find_user("t-other", "gone"));
  EXPECT_TRUE(s().actions.find_action("t-other", "gone", "login", "k1"));

  // The same user id created again: the old challenge stays gone (by id and by bytes), a new one
  // is found and taken, and a challenge of the same user id in another tenant is untouched.
  s().challenges.create_challenge(make_challenge("t-other", "ch-other-gone", bytes_of("gone"), t0 + 1h,
                                                 std::string("gone")));
  s().users.upsert_user("t", "gone", {}, t0 + 2s);
  auto fresh = make_challenge("t", "ch-gone-again", bytes_of("gone-again"), t0 + 1h, std::string("gone"));
  fresh.created_at = t0 + 2s;
  s().challenges.create_challenge(fresh);
  EXPECT_FALSE(s().challenges.take_challenge("t", "ch-gone", t0 + 3s));
  EXPECT_FALSE(s().challenges.take_challenge_by_value("t", "passkey-authentication", bytes_of("gone"), t0 + 3s));
  EXPECT_TRUE(s().challenges.peek_challenge("t", "ch-gone-again", t0 + 3s));
  EXPECT_TRUE(s().challenges.take_challenge("t", "ch-gone-again", t0 + 3s));
  EXPECT_TRUE(s().challenges.take_challenge("t-other", "ch-other-gone", t0 + 3s));
  // Reaping after the old challenge's expiry leaves nothing of it behind.
  s().challenges.reap_expired_challenges(t0 + 2h);
  EXPECT_FALSE(s().challenges.take_challenge("t", "ch-gone", t0 + 3s));
}

std::vector<std::string> ids(const std::vector<store::user>& us) {
  std::vector<std::string> out;
  for (const auto& u : us) out.push_back(u.user_id);
  return out;
}

TEST_P(store_conformance, query_users_filters_order_and_pages) {
  // Byte order of user ids (upper case before '_' before lower case), whatever the database collation.
  const std::vector<std::string> all = {"b", "B", "a", "_x", "Z", "a2", "aa"};
  for (const auto& id : all) {
    store::user_patch p;
    p.username = std::optional<std::string>(id == "a" || id == "B" ? "shared" : "u-" + id);
    p.email = std::optional<std::string>(id + "@example.com");
    p.phone_number = std::optional<std::string>(id == "Z" ? "+1555" : "+1666");
    s().users.upsert_user("t", id, p, t0);
  }
  store::user_patch other;
  other.username = std::optional<std::string>("shared");
  s().users.upsert_user("t-other", "a", other, t0);

  const std::vector<std::string> sorted = {"B", "Z", "_x", "a", "a2", "aa", "b"};
  EXPECT_EQ(ids(s().users.query_users("t", {})), sorted);

  store::user_query q;
  q.username = "shared";
  EXPECT_EQ(ids(s().users.query_users("t", q)), (std::vector<std::string>{"B", "a"}));
  q = {};
  q.email = "a2@example.com";
  EXPECT_EQ(ids(s().users.query_users("t", q)), std::vector<std::string>{"a2"});
  q = {};
  q.email = "A2@example.com";  // exact match: case matters
  EXPECT_TRUE(s().users.query_users("t", q).empty());
  q = {};
  q.phone_number = "+1555";
  EXPECT_EQ(ids(s().users.query_users("t", q)), std::vector<std::string>{"Z"});
  q = {};
  q.user_id = "aa";
  EXPECT_EQ(ids(s().users.query_users("t", q)), std::vector<std::string>{"aa"});
  q.username = "u-b";  // every set filter must match
  EXPECT_TRUE(s().users.query_users("t", q).empty());

  // Pages of 3 by after_user_id.
  std::vector<std::string> paged;
  q = {};
  q.limit = 3;
  for (int page = 0; page < 5; ++page) {
    auto got = s().users.query_users("t", q);
    EXPECT_LE(got.size(), 3u);
    if (got.empty()) break;
    for (const auto& u : got) paged.push_back(u.user_id);
    q.after_user_id = got.back().user_id;
  }
  EXPECT_EQ(paged, sorted);
  q = {};
  q.after_user_id = "a";  // exclusive
  q.limit = 2;
  EXPECT_EQ(ids(s().users.query_users("t", q)), (std::vector<std::string>{"a2", "aa"}));
  q = {};
  q.limit = 0;
  EXPECT_TRUE(s().users.query_users("t", q).empty());
  EXPECT_TRUE(s().users.query_users("t-none", {}).empty());
  expect_same(s().users.query_users("t-other", {}).at(0), *s().users.find_user("t-other", "a"));
}

// ---- actions ----

TEST_P(store_conformance, action_round_trip_and_uniqueness) {
  auto a = make_action("t", std::string("u"), "login", "k1");
  a.verification_method = "PASSKEY";
  a.verified_by_authenticator_id = "auth-1";
  ASSERT_TRUE(s().actions.create_action(a));
  auto found = s().actions.find_action("t", "u", "login", "k1");
  ASSERT_TRUE(found);
  expect_same(*found, a);

  auto dup = make_action("t", std::string("u"), "login", "k1", t0 + 1s);
  dup.state = "ALLOW";
  EXPECT_FALSE(s().actions.create_action(dup));
  EXPECT_EQ(s().actions.find_action("t", "u", "login", "k1")->state, "CHALLENGE_REQUIRED");
  // Any differing part of the key makes a new action.
  EXPECT_TRUE(s().actions.create_action(make_action("t", std::string("u2"), "login", "k1")));
  EXPECT_TRUE(s().actions.create_action(make_action("t", std::string("u"), "pay", "k1")));
  EXPECT_TRUE(s().actions.create_action(make_action("t", std::string("u"), "login", "k2")));
  EXPECT_TRUE(s().actions.create_action(make_action("t2", std::string("u"), "login", "k1")));
  EXPECT_FALSE(s().actions.find_action("t3", "u", "login", "k1"));
  EXPECT_FALSE(s().actions.find_action("t", "u", "login", "k3"));

  // Optional fields may be absent.
  store::action bare = make_action("t", std::string("u"), "bare", "k");
  bare.ip_address = bare.user_agent = bare.device_id = bare.custom_json = std::nullopt;
  bare.scope = "";
  ASSERT_TRUE(s().actions.create_action(bare));
  expect_same(*s().actions.find_action("t", "u", "bare", "k"), bare);
}

TEST_P(store_conformance, concurrent_create_action_one_winner) {
  constexpr int threads = 8;
  std::atomic<int> wins{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < threads; ++i)
    ts.emplace_back([&] {
      if (s().actions.create_action(make_action("t", std::string("u"), "login", "same-key"))) ++wins;
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(wins.load(), 1);
}

TEST_P(store_conformance, update_action_state) {
  ASSERT_TRUE(s().actions.create_action(make_action("t", std::string("u"), "login", "k1")));
  EXPECT_TRUE(s().actions.update_action_state("t", "u", "login", "k1", "CHALLENGE_FAILED", t0 + 5s));
  auto a = s().actions.find_action("t", "u", "login", "k1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->state, "CHALLENGE_FAILED");
  EXPECT_EQ(a->state_updated_at, t0 + 5s);
  EXPECT_EQ(a->updated_at, t0 + 5s);
  EXPECT_EQ(a->created_at, t0);
  EXPECT_FALSE(s().actions.update_action_state("t", "u", "login", "nope", "ALLOW", t0));
  EXPECT_FALSE(s().actions.update_action_state("t2", "u", "login", "k1", "ALLOW", t0));
  EXPECT_FALSE(s().actions.update_action_state("t", "u2", "login", "k1", "ALLOW", t0));
  EXPECT_EQ(s().actions.find_action("t", "u", "login", "k1")->state, "CHALLENGE_FAILED");
}

TEST_P(store_conformance, find_user_with_action_reads_both_or_says_which_is_missing) {
  store::user_patch p;
  p.username = std::string("ann");
  s().users.upsert_user("t", "u", p, t0);
  auto a = make_action("t", std::string("u"), "login", "k1");
  ASSERT_TRUE(s().actions.create_action(a));
  auto both = s().users.find_user_with_action("t", "u", "login", "k1");
  ASSERT_TRUE(both);
  expect_same(both->user, *s().users.find_user("t", "u"));
  ASSERT_TRUE(both->action);
  expect_same(*both->action, a);
  // The user without that action (another key, code, or another user's action).
  ASSERT_TRUE(s().actions.create_action(make_action("t", std::string("v"), "login", "k2")));
  s().users.upsert_user("t", "v", {}, t0);
  for (auto [code, key] : {std::pair{"login", "k2"}, std::pair{"pay", "k1"}, std::pair{"login", "nope"}}) {
    auto user_only = s().users.find_user_with_action("t", "u", code, key);
    ASSERT_TRUE(user_only) << code << " " << key;
    EXPECT_EQ(user_only->user.user_id, "u");
    EXPECT_FALSE(user_only->action) << code << " " << key;
  }
  // No such user (in this tenant).
  EXPECT_FALSE(s().users.find_user_with_action("t", "nobody", "login", "k1"));
  EXPECT_FALSE(s().users.find_user_with_action("t2", "u", "login", "k1"));
}

TEST_P(store_conformance, pending_action_found_only_as_pending) {
  auto p = make_action("t", std::nullopt, "login", "pk1");
  ASSERT_TRUE(s().actions.create_action(p));
  auto found = s().actions.find_pending_action("t", "login", "pk1");
  ASSERT_TRUE(found);
  expect_same(*found, p);
  EXPECT_FALSE(s().actions.find_pending_action("t2", "login", "pk1"));
  EXPECT_FALSE(s().actions.find_pending_action("t", "pay", "pk1"));
  // A user's action with the same code and key is not pending.
  ASSERT_TRUE(s().actions.create_action(make_action("t", std::string("u"), "login", "uk1")));
  EXPECT_FALSE(s().actions.find_pending_action("t", "login", "uk1"));
  EXPECT_FALSE(s().actions.find_action("t", "u", "login", "pk1"));
}

std::vector<std::string> keys(const std::vector<store::action>& as) {
  std::vector<std::string> out;
  for (const auto& a : as) out.push_back(a.idempotency_key);
  return out;
}

TEST_P(store_conformance, query_actions_limit_applies_after_the_code_filter) {
  // Many newer actions with other codes must not hide the older matching ones.
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(s().actions.create_action(
        make_action("t", std::string("u"), "wanted", "w" + std::to_string(i), t0 + std::chrono::seconds(i))));
  for (int i = 0; i < 120; ++i)
    ASSERT_TRUE(s().actions.create_action(
        make_action("t", std::string("u"), "other", "o" + std::to_string(i), t0 + 10s + std::chrono::seconds(i))));
  store::action_query q;
  q.codes = {"wanted"};
  q.limit = 3;
  EXPECT_EQ(keys(s().actions.query_actions("t", "u", q)), (std::vector<std::string>{"w2", "w1", "w0"}));
  q.codes = {"wan", "ted"};  // no substring matches
  EXPECT_TRUE(s().actions.query_actions("t", "u", q).empty());
}

TEST_P(store_conformance, query_actions_newest_first_with_filters) {
  auto add = [&](const std::string& key, const std::string& code, time_point created, const std::string& state) {
    auto a = make_action("t", std::string("u"), code, key, created);
    a.state = state;
    ASSERT_TRUE(s().actions.create_action(a));
  };
  add("k1", "login", t0, "ALLOW");
  add("k2", "pay", t0 + 1s, "CHALLENGE_REQUIRED");
  add("k3", "login", t0 + 2s, "CHALLENGE_SUCCEEDED");
  add("k4", "login", t0 + 2s, "ALLOW");  // same instant as k3, inserted later: listed first
  add("k5", "transfer", t0 + 3s, "ALLOW");
  // Other user, other tenant, pending: never listed.
  ASSERT_TRUE(s().actions.create_action(make_action("t", std::string("u2"), "login", "x1", t0 + 1s)));
  ASSERT_TRUE(s().actions.create_action(make_action("t2", std::string("u"), "login", "x2", t0 + 1s)));
  ASSERT_TRUE(s().actions.create_action(make_action("t", std::nullopt, "login", "x3", t0 + 1s)));

  store::action_query q;
  EXPECT_EQ(keys(s().actions.query_actions("t", "u", q)), (std::vector<std::string>{"k5", "k4", "k3", "k2", "k1"}));
  q.from = t0 + 1s;  // inclusive
  EXPECT_EQ(keys(s().actions.query_actions("t", "u", q)), (std::vector<std::string>{"k5", "k4", "k3", "k2"}));
  q.from = t0 + 3s + 1ms;
  EXPECT_TRUE(s().actions.query_actions("t", "u", q).empty());
  q = {};
  q.codes = {"login"};
  EXPECT_EQ(keys(s().actions.query_actions("t", "u", q)), (std::vector<std::string>{"k4", "k3", "k1"}));
  q.codes = {"pay", "transfer"};
  EXPECT_EQ(keys(s().actions.query_actions("t", "u", q)), (std::vector<std::string>{"k5", "k2"}));
  q.codes = {"nothing"};
  EXPECT_TRUE(s().actions.query_actions("t", "u", q).empty());
  q = {};
  q.state = "ALLOW";
  EXPECT_EQ(keys(s().actions.query_actions("t", "u", q)), (std::vector<std::string>{"k5", "k4", "k1"}));
  q.codes = {"login"};
  q.from = t0 + 1s;
  EXPECT_EQ(keys(s().actions.query_actions("t", "u", q)), std::vector<std::string>{"k4"});
  q = {};
  q.limit = 2;
  EXPECT_EQ(keys(s().actions.query_actions("t", "u", q)), (std::vector<std::string>{"k5", "k4"}));
  q.codes = {"login"};
  EXPECT_EQ(keys(s().actions.query_actions("t", "u", q)), (std::vector<std::string>{"k4", "k3"}));
  q = {};
  q.limit = 0;
  EXPECT_TRUE(s().actions.query_actions("t", "u", q).empty());
  EXPECT_TRUE(s().actions.query_actions("t3", "u", {}).empty());
  auto full = s().actions.query_actions("t2", "u", {});
  ASSERT_EQ(full.size(), 1u);
  expect_same(full[0], make_action("t2", std::string("u"), "login", "x2", t0 + 1s));
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(backends, store_conformance, ::testing::ValuesIn(backend_names()), backend_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(store_conformance);

}  // namespace signet::conformance
