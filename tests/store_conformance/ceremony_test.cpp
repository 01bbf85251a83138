// Conformance: single-use challenges and authenticators (registration, sign-in compare-and-set),
// including the races that multi-node deployments create.
#include <array>
#include <atomic>
#include <barrier>
#include <cstdint>
#include <thread>

#include "signet/store/challenge_address.hpp"
#include "suite.hpp"

namespace signet::conformance {
namespace {

constexpr int k_threads = 8;

/// prefix + decimal i (a function rather than `"…" + std::to_string(i)`, which trips GCC 12's
/// false -Wrestrict, GCC bug 105329).
std::string numbered(std::string_view prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return s;
}
constexpr int k_rounds = 60;

/// An id in the form Signet mints (store/challenge_address.hpp): a v4 UUID whose first 48 bits are
/// the expiry in ms; `n` fills the bytes after them.
std::string addressed_id(time_point expires, std::uint32_t n) {
  std::array<core::byte, 16> b{};
  store::challenge_address::write_prefix(store::challenge_address::expiry_ms(expires), b);
  b[6] = 0x40;
  b[8] = 0x80;
  for (std::size_t i = 0; i < 4; ++i) b[12 + i] = static_cast<core::byte>(n >> (8 * (3 - i)));
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += hex[b[i] >> 4];
    out += hex[b[i] & 0xF];
  }
  return out;
}

/// 32 challenge bytes carrying the expiry, then `n`.
core::bytes addressed_value(time_point expires, std::uint32_t n) {
  core::bytes v(32, 0x5A);
  store::challenge_address::write_prefix(store::challenge_address::expiry_ms(expires), v);
  for (std::size_t i = 0; i < 4; ++i) v[28 + i] = static_cast<core::byte>(n >> (8 * (3 - i)));
  return v;
}

/// Runs `body(thread_index)` on k_threads threads released together; returns how many returned true.
template <class F>
int race(F body, int threads = k_threads) {
  std::barrier start(threads);
  std::atomic<int> wins{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < threads; ++i)
    ts.emplace_back([&, i] {
      start.arrive_and_wait();
      if (body(i)) ++wins;
    });
  for (auto& t : ts) t.join();
  return wins.load();
}

// ---- challenges ----

TEST_P(store_conformance, challenge_peek_then_take_once) {
  auto c = make_challenge("t", "ch1", bytes_of("value-1"), t0 + 60s, std::string("u"));
  s().challenges.create_challenge(c);
  auto peeked = s().challenges.peek_challenge("t", "ch1", t0);
  ASSERT_TRUE(peeked);
  expect_same(*peeked, c);
  EXPECT_TRUE(s().challenges.peek_challenge("t", "ch1", t0));  // peeking does not consume
  auto taken = s().challenges.take_challenge("t", "ch1", t0);
  ASSERT_TRUE(taken);
  expect_same(*taken, c);
  EXPECT_FALSE(s().challenges.take_challenge("t", "ch1", t0));
  EXPECT_FALSE(s().challenges.peek_challenge("t", "ch1", t0));
}

TEST_P(store_conformance, take_challenge_if_consumes_only_what_it_accepts) {
  auto c = make_challenge("t", "ch1", bytes_of("value-1"), t0 + 60s, std::string("u"));
  s().challenges.create_challenge(c);
  int calls = 0;
  // Refused: left as it was, and the check saw the stored challenge.
  EXPECT_FALSE(s().challenges.take_challenge_if("t", "ch1", t0, [&](const store::challenge& seen) {
    ++calls;
    expect_same(seen, c);
    return false;
  }));
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(s().challenges.peek_challenge("t", "ch1", t0));
  // Another tenant's id, or an unknown one: the check is not even called.
  auto never = [&](const store::challenge&) {
    ADD_FAILURE() << "accept called for a challenge that is not there";
    return true;
  };
  EXPECT_FALSE(s().challenges.take_challenge_if("t2", "ch1", t0, never));
  EXPECT_FALSE(s().challenges.take_challenge_if("t", "nope", t0, never));
  // Accepted: removed and returned, once.
  auto taken = s().challenges.take_challenge_if("t", "ch1", t0, [](const store::challenge&) { return true; });
  ASSERT_TRUE(taken);
  expect_same(*taken, c);
  EXPECT_FALSE(s().challenges.take_challenge_if("t", "ch1", t0, never));
  EXPECT_FALSE(s().challenges.peek_challenge("t", "ch1", t0));
  // Expired: removed without asking, never returned.
  s().challenges.create_challenge(make_challenge("t", "ch2", bytes_of("value-2"), t0 + 10s));
  EXPECT_FALSE(s().challenges.take_challenge_if("t", "ch2", t0 + 10s, never));
  EXPECT_FALSE(s().challenges.take_challenge("t", "ch2", t0));
}

TEST_P(store_conformance, challenge_with_empty_value_and_no_optionals) {
  store::challenge c = make_challenge("t", "ch-action", {}, t0 + 60s);
  c.type = "action";
  c.user_id.reset();
  c.action_code.reset();
  c.idempotency_key.reset();
  s().challenges.create_challenge(c);
  auto taken = s().challenges.take_challenge("t", "ch-action", t0);
  ASSERT_TRUE(taken);
  expect_same(*taken, c);
}

TEST_P(store_conformance, challenge_is_scoped_by_tenant) {
  s().challenges.create_challenge(make_challenge("t1", "ch1", bytes_of("v"), t0 + 60s));
  EXPECT_FALSE(s().challenges.peek_challenge("t2", "ch1", t0));
  EXPECT_FALSE(s().challenges.take_challenge("t2", "ch1", t0));
  EXPECT_FALSE(s().challenges.take_challenge_by_value("t2", "passkey-authentication", bytes_of("v"), t0));
  // The other tenant's attempts did not consume it.
  EXPECT_TRUE(s().challenges.take_challenge("t1", "ch1", t0));
}

TEST_P(store_conformance, expired_challenge_is_never_returned_and_take_removes_it) {
  s().challenges.create_challenge(make_challenge("t", "ch1", bytes_of("v1"), t0 + 10s));
  s().challenges.create_challenge(make_challenge("t", "ch2", bytes_of("v2"), t0 + 10s));
  EXPECT_TRUE(s().challenges.peek_challenge("t", "ch1", t0 + 10s - 1ms));
  EXPECT_FALSE(s().challenges.peek_challenge("t", "ch1", t0 + 10s));  // expiry instant is expired
  EXPECT_FALSE(s().challenges.take_challenge("t", "ch1", t0 + 11s));
  EXPECT_FALSE(s().challenges.peek_challenge("t", "ch1", t0));  // removed by the take
  EXPECT_FALSE(s().challenges.take_challenge_by_value("t", "passkey-authentication", bytes_of("v2"), t0 + 10s));
  EXPECT_FALSE(s().challenges.take_challenge("t", "ch2", t0));  // removed by the take
}

TEST_P(store_conformance, take_challenge_by_value_matches_type_and_bytes) {
  auto c = make_challenge("t", "ch1", bytes_of("challenge-bytes-32-long-xxxxxxxx"), t0 + 60s);
  s().challenges.create_challenge(c);
  s().challenges.create_challenge(make_challenge("t", "ch2", bytes_of("other-bytes"), t0 + 60s));
  EXPECT_FALSE(s().challenges.take_challenge_by_value("t", "passkey-registration", c.value, t0));
  EXPECT_FALSE(s().challenges.take_challenge_by_value("t", "passkey-authentication", bytes_of("challenge-bytes"), t0));
  auto taken = s().challenges.take_challenge_by_value("t", "passkey-authentication", c.value, t0);
  ASSERT_TRUE(taken);
  expect_same(*taken, c);
  EXPECT_FALSE(s().challenges.take_challenge_by_value("t", "passkey-authentication", c.value, t0));
  EXPECT_FALSE(s().challenges.take_challenge("t", "ch1", t0));
  EXPECT_TRUE(s().challenges.peek_challenge("t", "ch2", t0));
}

// Whatever removes a challenge, no later peek finds it; what refuses to remove one leaves it
// findable. (The SQLite store answers peeks from the challenges it created last: this is the
// contract that cache keeps.)
TEST_P(store_conformance, no_peek_finds_a_challenge_after_any_path_that_removed_it) {
  s().users.upsert_user("t", "u", {}, t0);
  auto make = [&](const std::string& id, const std::string& value) {
    auto c = make_challenge("t", id, bytes_of(value), t0 + 60s, std::string("u"));
    s().challenges.create_challenge(c);
    EXPECT_TRUE(s().challenges.peek_challenge("t", id, t0)) << id;
    return c;
  };
  make("by-id", "v-by-id");
  ASSERT_TRUE(s().challenges.take_challenge("t", "by-id", t0));
  EXPECT_FALSE(s().challenges.peek_challenge("t", "by-id", t0));

  make("of-type", "v-of-type");
  EXPECT_FALSE(s().challenges.take_challenge_of_type("t", "of-type", "action", t0));
  EXPECT_TRUE(s().challenges.peek_challenge("t", "of-type", t0));
  ASSERT_TRUE(s().challenges.take_challenge_of_type("t", "of-type", "passkey-authentication", t0));
  EXPECT_FALSE(s().challenges.peek_challenge("t", "of-type", t0));

  auto by_value = make("by-value", "v-by-value");
  ASSERT_TRUE(s().challenges.take_challenge_by_value("t", "passkey-authentication", by_value.value, t0));
  EXPECT_FALSE(s().challenges.peek_challenge("t", "by-value", t0));

  make("if", "v-if");
  EXPECT_FALSE(s().challenges.take_challenge_if("t", "if", t0, [](const store::challenge&) { return false; }));
  EXPECT_TRUE(s().challenges.peek_challenge("t", "if", t0));  // refused: still there
  ASSERT_TRUE(s().challenges.take_challenge_if("t", "if", t0, [](const store::challenge&) { return true; }));
  EXPECT_FALSE(s().challenges.peek_challenge("t", "if", t0));

  // Expired and taken: removed, and not found even by a peek with an earlier clock.
  auto soon = make_challenge("t", "soon", bytes_of("v-soon"), t0 + 5s, std::string("u"));
  s().challenges.create_challenge(soon);
  EXPECT_FALSE(s().challenges.take_challenge("t", "soon", t0 + 5s));
  EXPECT_FALSE(s().challenges.peek_challenge("t", "soon", t0));

  // The ceremonies' own transactions: a refused registration leaves it, a committed one takes it.
  auto action = make_action("t", std::string("u"), "register", "r1");
  ASSERT_TRUE(s().actions.create_action(action));
  ASSERT_TRUE(s().authenticators.register_authenticator(make_authenticator("t", "u", "auth-0", bytes_of("cred-0")),
                                                        ref_of(action), completion_for("u", "auth-0", t0)));
  make("reg", "v-reg");
  auto a2 = make_action("t", std::string("u"), "register", "r2");
  ASSERT_TRUE(s().actions.create_action(a2));
  EXPECT_FALSE(s().authenticators.register_authenticator(make_authenticator("t", "u", "auth-1", bytes_of("cred-0")),
                                                         ref_of(a2), completion_for("u", "auth-1", t0), nullptr,
                                                         std::string("reg")));  // credential already there
  EXPECT_TRUE(s().challenges.peek_challenge("t", "reg", t0));
  ASSERT_TRUE(s().authenticators.register_authenticator(make_authenticator("t", "u", "auth-2", bytes_of("cred-2")),
                                                        ref_of(a2), completion_for("u", "auth-2", t0), nullptr,
                                                        std::string("reg")));
  EXPECT_FALSE(s().challenges.peek_challenge("t", "reg", t0));

  make("sign-in", "v-sign-in");
  auto login = make_action("t", std::string("u"), "login", "l1", t0 + 1s);
  ASSERT_TRUE(s().actions.create_action(login));
  const auto count = s().authenticators.find_authenticator("t", "u", "auth-2")->sign_count;
  store::sign_in_update stale{"auth-2", count + 7, count + 8, false, true, std::nullopt};
  stale.consume_challenge_id = "sign-in";
  EXPECT_FALSE(s().authenticators.record_sign_in("t", stale, ref_of(login), completion_for("u", "auth-2", t0 + 2s)));
  EXPECT_TRUE(s().challenges.peek_challenge("t", "sign-in", t0));
  store::sign_in_update ok{"auth-2", count, count + 1, false, true, std::nullopt};
  ok.consume_challenge_id = "sign-in";
  ASSERT_TRUE(s().authenticators.record_sign_in("t", ok, ref_of(login), completion_for("u", "auth-2", t0 + 2s)));
  EXPECT_FALSE(s().challenges.peek_challenge("t", "sign-in", t0));

  // Reaped, then peeked with a clock before the expiry; and the user's deletion.
  s().challenges.create_challenge(make_challenge("t", "reaped", bytes_of("v-reaped"), t0 + 2s, std::string("u")));
  EXPECT_EQ(s().challenges.reap_expired_challenges(t0 + 2s), 1u);
  EXPECT_FALSE(s().challenges.peek_challenge("t", "reaped", t0));
  make("of-deleted-user", "v-of-deleted-user");
  EXPECT_TRUE(s().users.delete_user("t", "u", t0 + 1s));
  EXPECT_FALSE(s().challenges.peek_challenge("t", "of-deleted-user", t0));
}

// More challenges than any in-memory window holds (SQLite keeps the last 4096): each is still found
// by a peek, taken once, and not found after.
TEST_P(store_conformance, many_challenges_are_each_found_and_taken_once) {
  constexpr int n = 5000;
  for (int i = 0; i < n; ++i)
    s().challenges.create_challenge(make_challenge("t", numbered("many-", i), bytes_of(numbered("v-", i)), t0 + 60s));
  for (int i : {0, 1, 903, 4095, 4096, 4999}) {
    auto seen = s().challenges.peek_challenge("t", numbered("many-", i), t0);
    ASSERT_TRUE(seen) << i;
    EXPECT_EQ(seen->value, bytes_of(numbered("v-", i)));
    EXPECT_TRUE(s().challenges.take_challenge("t", numbered("many-", i), t0)) << i;
    EXPECT_FALSE(s().challenges.peek_challenge("t", numbered("many-", i), t0)) << i;
    EXPECT_FALSE(s().challenges.take_challenge("t", numbered("many-", i), t0)) << i;
  }
}

// Peeks racing a take: once the take has returned, no peek that starts after it finds the
// challenge (threads peek in a loop and record what they saw after seeing the take finished).
TEST_P(store_conformance, no_peek_after_a_finished_take_finds_the_challenge) {
  for (int round = 0; round < 20; ++round) {
    const std::string id = numbered("raced-", round);
    s().challenges.create_challenge(make_challenge("t", id, bytes_of(id), t0 + 60s));
    std::atomic<bool> taken{false};
    std::atomic<int> stale{0};
    std::vector<std::thread> peekers;
    for (int p = 0; p < 3; ++p)
      peekers.emplace_back([&] {
        for (int k = 0; k < 200; ++k) {
          const bool after = taken.load();
          if (s().challenges.peek_challenge("t", id, t0) && after) ++stale;
        }
      });
    ASSERT_TRUE(s().challenges.take_challenge("t", id, t0));
    taken = true;
    for (auto& t : peekers) t.join();
    EXPECT_EQ(stale.load(), 0) << id;
  }
}

TEST_P(store_conformance, reap_expired_challenges) {
  for (int i = 0; i < 5; ++i)
    s().challenges.create_challenge(
        make_challenge("t", numbered("ch", i), bytes_of(numbered("v", i)), t0 + std::chrono::seconds(i)));
  EXPECT_EQ(s().challenges.reap_expired_challenges(t0 + 2s), 3u);  // expires_at <= now: ch0, ch1, ch2
  EXPECT_EQ(s().challenges.reap_expired_challenges(t0 + 2s), 0u);
  EXPECT_TRUE(s().challenges.peek_challenge("t", "ch3", t0));
  EXPECT_TRUE(s().challenges.peek_challenge("t", "ch4", t0));
  EXPECT_FALSE(s().challenges.peek_challenge("t", "ch2", t0));
}

// Challenges whose id and bytes carry their expiry (as Signet mints them; the SQLite store finds
// them by it, without index entries) behave as every other challenge: found by id and by bytes, in
// their tenant only, taken once, left alone by a take of another type or a refused take_if, and
// side by side with challenges of the same millisecond whose ids do not carry it.
TEST_P(store_conformance, challenges_carrying_their_expiry_are_found_and_taken_once) {
  const time_point exp = t0 + 60s;
  for (std::uint32_t i = 0; i < 4; ++i)
    s().challenges.create_challenge(make_challenge("t", addressed_id(exp, i), addressed_value(exp, i), exp));
  s().challenges.create_challenge(make_challenge("t", "plain", addressed_value(exp, 9), exp));
  // An id carrying another expiry than its row's (C3 reusing the id of a C5 challenge).
  const std::string reused = addressed_id(t0 + 30s, 7);
  s().challenges.create_challenge(make_challenge("t", reused, addressed_value(t0 + 30s, 7), exp));
  s().challenges.create_challenge(make_challenge("t2", addressed_id(exp, 100), addressed_value(exp, 100), exp));

  auto seen = s().challenges.peek_challenge("t", addressed_id(exp, 1), t0);
  ASSERT_TRUE(seen);
  expect_same(*seen, make_challenge("t", addressed_id(exp, 1), addressed_value(exp, 1), exp));
  EXPECT_FALSE(s().challenges.peek_challenge("t2", addressed_id(exp, 1), t0));
  EXPECT_FALSE(s().challenges.peek_challenge("t", addressed_id(exp, 100), t0));
  EXPECT_FALSE(s().challenges.peek_challenge("t", addressed_id(exp, 5), t0));
  EXPECT_FALSE(s().challenges.peek_challenge("t", addressed_id(exp, 1), exp));  // expired at that ms
  EXPECT_TRUE(s().challenges.peek_challenge("t", "plain", t0));
  EXPECT_TRUE(s().challenges.peek_challenge("t", reused, t0));

  EXPECT_FALSE(s().challenges.take_challenge_of_type("t", addressed_id(exp, 0), "action", t0));
  EXPECT_TRUE(s().challenges.take_challenge_of_type("t", addressed_id(exp, 0), "passkey-authentication", t0));
  EXPECT_FALSE(s().challenges.take_challenge("t", addressed_id(exp, 0), t0));

  EXPECT_FALSE(s().challenges.take_challenge_by_value("t", "passkey-authentication", addressed_value(exp, 100), t0));
  EXPECT_FALSE(s().challenges.take_challenge_by_value("t", "action", addressed_value(exp, 1), t0));
  auto by_value = s().challenges.take_challenge_by_value("t", "passkey-authentication", addressed_value(exp, 1), t0);
  ASSERT_TRUE(by_value);
  EXPECT_EQ(by_value->id, addressed_id(exp, 1));
  EXPECT_FALSE(s().challenges.peek_challenge("t", addressed_id(exp, 1), t0));

  const auto refuse = [](const store::challenge&) { return false; };
  const auto accept = [](const store::challenge&) { return true; };
  EXPECT_FALSE(s().challenges.take_challenge_if("t", addressed_id(exp, 2), t0, refuse));
  EXPECT_TRUE(s().challenges.peek_challenge("t", addressed_id(exp, 2), t0));
  EXPECT_TRUE(s().challenges.take_challenge_if("t", addressed_id(exp, 2), t0, accept));
  EXPECT_FALSE(s().challenges.take_challenge("t", addressed_id(exp, 2), t0));

  EXPECT_TRUE(s().challenges.take_challenge_by_value("t", "passkey-authentication", addressed_value(exp, 9), t0));
  EXPECT_FALSE(s().challenges.peek_challenge("t", "plain", t0));
  EXPECT_TRUE(s().challenges.take_challenge("t", reused, t0));
  EXPECT_TRUE(s().challenges.take_challenge("t2", addressed_id(exp, 100), t0));
  EXPECT_TRUE(s().challenges.peek_challenge("t", addressed_id(exp, 3), t0));
  EXPECT_EQ(s().challenges.reap_expired_challenges(exp), 1u);  // the last one left
}

TEST_P(store_conformance, concurrent_takes_of_a_challenge_carrying_its_expiry_across_two_nodes_have_one_winner) {
  auto node_b = open_another();
  const time_point exp = t0 + 60s;
  for (int round = 0; round < k_rounds; ++round) {
    const auto n = static_cast<std::uint32_t>(round);
    s().challenges.create_challenge(make_challenge("t", addressed_id(exp, n), addressed_value(exp, n), exp));
    const int wins = race([&](int i) {
      auto ports = i % 2 ? node_b->ports() : s();
      if (i % 4 < 2) return ports.challenges.take_challenge("t", addressed_id(exp, n), t0).has_value();
      return ports.challenges.take_challenge_by_value("t", "passkey-authentication", addressed_value(exp, n), t0)
          .has_value();
    });
    ASSERT_EQ(wins, 1) << "round " << round;
  }
}

TEST_P(store_conformance, concurrent_take_has_exactly_one_winner) {
  for (int round = 0; round < k_rounds; ++round) {
    const std::string id = numbered("ch-", round);
    s().challenges.create_challenge(make_challenge("t", id, bytes_of(id), t0 + 60s));
    const int wins = race([&](int) { return s().challenges.take_challenge("t", id, t0).has_value(); });
    ASSERT_EQ(wins, 1) << "round " << round;
  }
}

TEST_P(store_conformance, concurrent_take_by_value_across_two_nodes_has_exactly_one_winner) {
  auto node_b = open_another();
  for (int round = 0; round < k_rounds; ++round) {
    const std::string id = numbered("ch-", round);
    s().challenges.create_challenge(make_challenge("t", id, bytes_of("value-" + id), t0 + 60s));
    const int wins = race([&](int i) {
      auto ports = i % 2 ? node_b->ports() : s();
      if (i % 4 < 2) return ports.challenges.take_challenge("t", id, t0).has_value();
      return ports.challenges.take_challenge_by_value("t", "passkey-authentication", bytes_of("value-" + id), t0)
          .has_value();
    });
    ASSERT_EQ(wins, 1) << "round " << round;
  }
}

TEST_P(store_conformance, concurrent_take_challenge_if_across_two_nodes_has_exactly_one_winner) {
  auto node_b = open_another();
  for (int round = 0; round < k_rounds; ++round) {
    const std::string id = numbered("chif-", round);
    s().challenges.create_challenge(make_challenge("t", id, bytes_of(id), t0 + 60s));
    std::atomic<int> refusals{0};
    const int wins = race([&](int i) {
      auto ports = i % 2 ? node_b->ports() : s();
      // Half the callers refuse it; a refusal must never stop an acceptor from winning.
      return ports.challenges
          .take_challenge_if("t", id, t0,
                             [&](const store::challenge&) {
                               if (i % 4 >= 2) return true;
                               ++refusals;
                               return false;
                             })
          .has_value();
    });
    ASSERT_EQ(wins, 1) << "round " << round;
    EXPECT_FALSE(s().challenges.peek_challenge("t", id, t0));
  }
}

// ---- authenticators ----

struct enrolled {
  store::authenticator auth;
  store::action action;
};

enrolled enroll(store::stores s, const std::string& tenant, const std::string& user, const std::string& auth_id,
                const std::string& credential, time_point when = t0) {
  s.users.upsert_user(tenant, user, {}, when);
  auto action = make_action(tenant, user, "register", "reg-" + auth_id, when);
  EXPECT_TRUE(s.actions.create_action(action));
  auto a = make_authenticator(tenant, user, auth_id, bytes_of(credential), when);
  EXPECT_TRUE(s.authenticators.register_authenticator(a, ref_of(action), completion_for(user, auth_id, when)));
  return {a, action};
}

// The Bearer check's read sees every write of the user or their actions that ended before it (the
// SQLite store keeps that read in memory between writes: each write path must invalidate it).
TEST_P(store_conformance, find_user_with_action_sees_every_earlier_write_of_the_user_and_actions) {
  auto read = [&](const std::string& user, const std::string& code, const std::string& key) {
    return s().users.find_user_with_action("t", user, code, key);
  };
  // upsert_user
  s().users.upsert_user("t", "u", {}, t0);
  ASSERT_TRUE(read("u", "login", "k1"));
  EXPECT_FALSE(read("u", "login", "k1")->user.username);
  store::user_patch p;
  p.username = std::string("ann");
  s().users.upsert_user("t", "u", p, t0 + 1s);
  EXPECT_EQ(read("u", "login", "k1")->user.username, std::optional<std::string>("ann"));
  // create_action: the action read as missing, then present
  EXPECT_FALSE(read("u", "login", "k1")->action);
  auto login = make_action("t", std::string("u"), "login", "k1", t0 + 2s);
  ASSERT_TRUE(s().actions.create_action(login));
  ASSERT_TRUE(read("u", "login", "k1")->action);
  EXPECT_EQ(read("u", "login", "k1")->action->state, "CHALLENGE_REQUIRED");
  // update_action_state
  ASSERT_TRUE(s().actions.update_action_state("t", "u", "login", "k1", "REVIEW_REQUIRED", t0 + 3s));
  EXPECT_EQ(read("u", "login", "k1")->action->state, "REVIEW_REQUIRED");
  // ensure_user_handle
  EXPECT_FALSE(read("u", "login", "k1")->user.handle);
  const core::user_handle h(bytes_of("handle-of-u"));
  s().users.ensure_user_handle("t", "u", h, t0 + 4s);
  EXPECT_EQ(read("u", "login", "k1")->user.handle, std::optional<core::user_handle>(h));
  // register_authenticator completes the action (and fills empty names)
  auto reg = make_action("t", std::string("u"), "register", "r1", t0 + 5s);
  ASSERT_TRUE(s().actions.create_action(reg));
  EXPECT_EQ(read("u", "register", "r1")->action->state, "CHALLENGE_REQUIRED");
  EXPECT_FALSE(read("u", "register", "r1")->user.display_name);
  auto a = make_authenticator("t", "u", "auth-1", bytes_of("cred-1"), t0 + 6s);
  a.display_name = "Ann";
  ASSERT_TRUE(s().authenticators.register_authenticator(a, ref_of(reg), completion_for("u", "auth-1", t0 + 6s)));
  EXPECT_EQ(read("u", "register", "r1")->action->state, "CHALLENGE_SUCCEEDED");
  EXPECT_EQ(read("u", "register", "r1")->user.display_name, std::optional<std::string>("Ann"));
  EXPECT_EQ(read("u", "register", "r1")->action->verified_by_authenticator_id, std::optional<std::string>("auth-1"));
  // A later write of the completed action is seen too.
  ASSERT_TRUE(s().actions.update_action_state("t", "u", "register", "r1", "BLOCK", t0 + 6s));
  EXPECT_EQ(read("u", "register", "r1")->action->state, "BLOCK");
  // record_sign_in completes the action
  auto second = make_action("t", std::string("u"), "login", "k2", t0 + 7s);
  ASSERT_TRUE(s().actions.create_action(second));
  EXPECT_EQ(read("u", "login", "k2")->action->state, "CHALLENGE_REQUIRED");
  store::sign_in_update up{"auth-1", a.sign_count, a.sign_count + 1, false, true, std::nullopt};
  ASSERT_TRUE(s().authenticators.record_sign_in("t", up, ref_of(second), completion_for("u", "auth-1", t0 + 8s)));
  EXPECT_EQ(read("u", "login", "k2")->action->state, "CHALLENGE_SUCCEEDED");
  // record_sign_in claiming a pending action for the user: it appears under the user
  auto pending = make_action("t", std::nullopt, "login", "p1", t0 + 9s);
  ASSERT_TRUE(s().actions.create_action(pending));
  EXPECT_FALSE(read("u", "login", "p1")->action);
  store::sign_in_update up2{"auth-1", a.sign_count + 1, a.sign_count + 2, false, true, std::nullopt};
  ASSERT_TRUE(s().authenticators.record_sign_in("t", up2, ref_of(pending), completion_for("u", "auth-1", t0 + 10s)));
  ASSERT_TRUE(read("u", "login", "p1")->action);
  EXPECT_EQ(read("u", "login", "p1")->action->state, "CHALLENGE_SUCCEEDED");
  // a token-less sign-in's new action, created in record_sign_in's own transaction
  store::action fresh = make_action("t", std::string("u"), "signInWithPasskey", "n1", t0 + 11s);
  EXPECT_FALSE(read("u", "signInWithPasskey", "n1")->action);
  store::action_ref create_ref = ref_of(fresh);
  create_ref.create = fresh;
  store::sign_in_update up3{"auth-1", a.sign_count + 2, a.sign_count + 3, false, true, std::nullopt};
  ASSERT_TRUE(s().authenticators.record_sign_in("t", up3, create_ref, completion_for("u", "auth-1", t0 + 12s)));
  EXPECT_EQ(read("u", "signInWithPasskey", "n1")->action->state, "CHALLENGE_SUCCEEDED");
  // delete_user
  ASSERT_TRUE(read("u", "login", "k1"));
  ASSERT_TRUE(s().users.delete_user("t", "u", t0 + 12s));
  EXPECT_FALSE(read("u", "login", "k1"));
  EXPECT_FALSE(read("u", "register", "r1"));
  // A user deleted and created again has no actions.
  s().users.upsert_user("t", "u", {}, t0 + 13s);
  ASSERT_TRUE(read("u", "login", "k1"));
  EXPECT_FALSE(read("u", "login", "k1")->action);
}

// The same under concurrency: a Bearer read that starts after a write of the action has returned
// sees that write or a later one, never an earlier state, while other threads read and write.
TEST_P(store_conformance, find_user_with_action_never_goes_back_behind_a_finished_write) {
  s().users.upsert_user("t", "u", {}, t0);
  s().users.upsert_user("t", "v", {}, t0);
  ASSERT_TRUE(s().actions.create_action(make_action("t", std::string("u"), "login", "k", t0)));
  ASSERT_TRUE(s().actions.create_action(make_action("t", std::string("v"), "login", "k", t0)));
  constexpr int writes = 300;
  std::atomic<int> finished{0};
  std::atomic<bool> stale{false};
  std::thread writer([&] {
    for (int i = 1; i <= writes; ++i) {
      const time_point when = t0 + std::chrono::seconds(i);
      ASSERT_TRUE(s().actions.update_action_state("t", "u", "login", "k", numbered("S", i), when));
      finished.store(i);
      // Another user's writes in between: they must not make u's reads go stale either.
      s().actions.update_action_state("t", "v", "login", "k", numbered("S", i), when);
    }
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&] {
      while (finished.load() < writes) {
        const int before = finished.load();
        auto got = s().users.find_user_with_action("t", "u", "login", "k");
        if (!got || !got->action) { stale = true; return; }
        const std::string& st = got->action->state;
        const int seen = st.rfind("S", 0) == 0 ? std::stoi(st.substr(1)) : 0;
        if (seen < before) { stale = true; return; }
      }
    });
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_FALSE(stale.load()) << "a read returned a state older than a write that had finished before it began";
  EXPECT_EQ(s().users.find_user_with_action("t", "u", "login", "k")->action->state, numbered("S", writes));
}

// After a registration or a sign-in completes a token's action, the Bearer read of that token gives
// exactly the rows as stored (the SQLite store writes the completion into the read it keeps in memory
// instead of reading again: every column the write sets must come out as the database gives it back).
TEST_P(store_conformance, find_user_with_action_after_a_completion_is_the_rows_as_stored) {
  auto check = [&](const std::string& user, const std::string& code, const std::string& key) {
    auto got = s().users.find_user_with_action("t", user, code, key);
    ASSERT_TRUE(got);
    ASSERT_TRUE(got->action);
    auto u = s().users.find_user("t", user);
    auto act = s().actions.find_action("t", user, code, key);
    ASSERT_TRUE(u);
    ASSERT_TRUE(act);
    expect_same(got->user, *u);
    expect_same(*got->action, *act);
  };
  // Not whole milliseconds: stored (and read back) truncated.
  const time_point odd = t0 + std::chrono::microseconds(1'234'567);
  s().users.upsert_user("t", "u", {}, t0);
  auto reg = make_action("t", std::string("u"), "register", "r1", t0);
  ASSERT_TRUE(s().actions.create_action(reg));
  check("u", "register", "r1");  // read (and kept) before the write
  auto a = make_authenticator("t", "u", "auth-1", bytes_of("cred-1"), odd);
  a.username = "ann";
  a.display_name = std::nullopt;  // one name filled, the other left empty
  auto done = completion_for("u", "auth-1", odd + std::chrono::microseconds(2'500));
  done.device_id = std::nullopt;  // kept as it was (COALESCE)
  ASSERT_TRUE(s().authenticators.register_authenticator(a, ref_of(reg), done));
  check("u", "register", "r1");
  EXPECT_EQ(s().users.find_user_with_action("t", "u", "register", "r1")->user.username,
            std::optional<std::string>("ann"));
  EXPECT_EQ(s().users.find_user_with_action("t", "u", "register", "r1")->action->device_id,
            std::optional<std::string>("device-1"));

  // A second registration under another action fills the other name and leaves the first.
  auto reg2 = make_action("t", std::string("u"), "register", "r2", t0);
  ASSERT_TRUE(s().actions.create_action(reg2));
  check("u", "register", "r2");
  auto b = make_authenticator("t", "u", "auth-2", bytes_of("cred-2"), odd + 3s);
  b.username = "bob";
  b.display_name = "Ann";
  ASSERT_TRUE(s().authenticators.register_authenticator(b, ref_of(reg2), completion_for("u", "auth-2", odd + 4s)));
  check("u", "register", "r2");
  EXPECT_EQ(s().users.find_user("t", "u")->username, std::optional<std::string>("ann"));
  // A third with nothing to fill leaves the user as it was.
  auto reg3 = make_action("t", std::string("u"), "register", "r3", t0);
  ASSERT_TRUE(s().actions.create_action(reg3));
  check("u", "register", "r3");
  const auto user_before = *s().users.find_user("t", "u");
  auto c = make_authenticator("t", "u", "auth-3", bytes_of("cred-3"), odd + 5s);
  ASSERT_TRUE(s().authenticators.register_authenticator(c, ref_of(reg3), completion_for("u", "auth-3", odd + 6s)));
  check("u", "register", "r3");
  expect_same(*s().users.find_user("t", "u"), user_before);

  // A sign-in completing the token's action (same action again: a token checked again after its
  // ceremony), with the user agent kept and the device replaced.
  check("u", "register", "r1");
  store::sign_in_update up{"auth-1", a.sign_count, a.sign_count + 1, false, true, std::nullopt};
  auto signed_in = completion_for("u", "auth-1", odd + 7s);
  signed_in.user_agent = std::nullopt;
  signed_in.device_id = "device-3";
  signed_in.state = "CHALLENGE_SUCCEEDED";
  ASSERT_TRUE(s().authenticators.record_sign_in("t", up, ref_of(reg), signed_in));
  check("u", "register", "r1");
  EXPECT_EQ(s().users.find_user_with_action("t", "u", "register", "r1")->action->device_id,
            std::optional<std::string>("device-3"));
  // A refused write (the compare-and-set fails) changes nothing.
  store::sign_in_update stale{"auth-1", a.sign_count, a.sign_count + 9, false, true, std::nullopt};
  EXPECT_FALSE(s().authenticators.record_sign_in("t", stale, ref_of(reg), completion_for("u", "auth-1", odd + 8s)));
  check("u", "register", "r1");
  EXPECT_EQ(s().users.find_user_with_action("t", "u", "register", "r1")->action->device_id,
            std::optional<std::string>("device-3"));
}

TEST_P(store_conformance, register_authenticator_round_trip_and_action_completion) {
  auto e = enroll(s(), "t", "u", "auth-1", "cred-1");
  auto found = s().authenticators.find_authenticator("t", "u", "auth-1");
  ASSERT_TRUE(found);
  expect_same(*found, e.auth);
  auto by_cred = s().authenticators.find_authenticator_by_credential("t", e.auth.credential_id);
  ASSERT_TRUE(by_cred);
  expect_same(*by_cred, e.auth);
  EXPECT_TRUE(s().authenticators.has_authenticator("t", "u"));
  EXPECT_FALSE(s().authenticators.has_authenticator("t", "u2"));
  EXPECT_FALSE(s().authenticators.find_authenticator("t", "u2", "auth-1"));
  EXPECT_FALSE(s().authenticators.find_authenticator("t2", "u", "auth-1"));
  EXPECT_FALSE(s().authenticators.find_authenticator_by_credential("t2", e.auth.credential_id));

  auto action = s().actions.find_action("t", "u", "register", "reg-auth-1");
  ASSERT_TRUE(action);
  EXPECT_EQ(action->state, "CHALLENGE_SUCCEEDED");
  EXPECT_EQ(action->verification_method, "PASSKEY");
  EXPECT_EQ(action->verified_by_authenticator_id, "auth-1");
  EXPECT_EQ(action->device_id, "device-2");
  EXPECT_EQ(action->user_agent, "UA/2.0");
  EXPECT_EQ(action->state_updated_at, t0);
  // The user's empty username/displayName were filled from the authenticator.
  auto u = s().users.find_user("t", "u");
  EXPECT_EQ(u->username, "name-u");
  EXPECT_EQ(u->display_name, "Display u");
}

TEST_P(store_conformance, register_authenticator_says_whether_it_is_the_users_first) {
  for (int i = 0; i < 3; ++i) {
    auto action = make_action("t", std::string("u"), "register", numbered("r", i));
    ASSERT_TRUE(s().actions.create_action(action));
    bool first = i != 0;  // the opposite of what must come back
    ASSERT_TRUE(s().authenticators.register_authenticator(
        make_authenticator("t", "u", numbered("auth-", i), bytes_of(numbered("cred-", i))), ref_of(action),
        completion_for("u", numbered("auth-", i), t0), &first));
    EXPECT_EQ(first, i == 0) << i;
  }
  // Another user's first, in the same tenant, and the same user id in another tenant.
  for (auto [tenant, user] : {std::pair{"t", "v"}, std::pair{"t2", "u"}}) {
    auto action = make_action(tenant, std::string(user), "register", "r");
    ASSERT_TRUE(s().actions.create_action(action));
    bool first = false;
    ASSERT_TRUE(s().authenticators.register_authenticator(
        make_authenticator(tenant, user, std::string("auth-") + tenant + user, bytes_of(std::string("c-") + tenant + user)),
        ref_of(action), completion_for(user, std::string("auth-") + tenant + user, t0), &first));
    EXPECT_TRUE(first) << tenant << " " << user;
  }
}

TEST_P(store_conformance, register_authenticator_consumes_its_challenge_in_the_same_transaction) {
  s().users.upsert_user("t", "u", {}, t0);
  auto action = make_action("t", std::string("u"), "register", "r1");
  ASSERT_TRUE(s().actions.create_action(action));
  s().challenges.create_challenge(make_challenge("t", "reg-ch", bytes_of("v"), t0 + 60s, std::string("u")));
  // Another tenant's challenge id: nothing is written, the challenge stays.
  EXPECT_FALSE(s().authenticators.register_authenticator(make_authenticator("t", "u", "auth-0", bytes_of("cred-0")),
                                                         ref_of(action), completion_for("u", "auth-0", t0), nullptr,
                                                         std::string("nope")));
  EXPECT_FALSE(s().authenticators.find_authenticator("t", "u", "auth-0"));
  EXPECT_TRUE(s().challenges.peek_challenge("t", "reg-ch", t0));
  // Registration and consume together.
  EXPECT_TRUE(s().authenticators.register_authenticator(make_authenticator("t", "u", "auth-1", bytes_of("cred-1")),
                                                        ref_of(action), completion_for("u", "auth-1", t0), nullptr,
                                                        std::string("reg-ch")));
  EXPECT_FALSE(s().challenges.peek_challenge("t", "reg-ch", t0));
  EXPECT_TRUE(s().authenticators.find_authenticator("t", "u", "auth-1"));
  // Gone: a second registration with it writes nothing.
  auto a2 = make_action("t", std::string("u"), "register", "r2");
  ASSERT_TRUE(s().actions.create_action(a2));
  EXPECT_FALSE(s().authenticators.register_authenticator(make_authenticator("t", "u", "auth-2", bytes_of("cred-2")),
                                                         ref_of(a2), completion_for("u", "auth-2", t0), nullptr,
                                                         std::string("reg-ch")));
  EXPECT_FALSE(s().authenticators.find_authenticator("t", "u", "auth-2"));
  EXPECT_EQ(s().actions.find_action("t", "u", "register", "r2")->state, "CHALLENGE_REQUIRED");
}

TEST_P(store_conformance, register_touches_the_user_only_when_it_fills_a_name) {
  store::user_patch p;
  p.username = std::optional<std::string>("chosen");
  p.display_name = std::optional<std::string>("Chosen");
  s().users.upsert_user("t", "u", p, t0);
  auto action = make_action("t", std::string("u"), "register", "r1");
  ASSERT_TRUE(s().actions.create_action(action));
  ASSERT_TRUE(s().authenticators.register_authenticator(make_authenticator("t", "u", "auth-1", bytes_of("cred-1")),
                                                        ref_of(action), completion_for("u", "auth-1", t0 + 5s)));
  auto u = s().users.find_user("t", "u");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->username, "chosen");
  EXPECT_EQ(u->display_name, "Chosen");
  EXPECT_EQ(u->updated_at, t0);  // both names were set: nothing changed
  // A user with only a username gets the display name, and updated_at moves.
  store::user_patch only_name;
  only_name.username = std::optional<std::string>("v-name");
  s().users.upsert_user("t", "v", only_name, t0);
  auto a2 = make_action("t", std::string("v"), "register", "r2");
  ASSERT_TRUE(s().actions.create_action(a2));
  auto auth = make_authenticator("t", "v", "auth-2", bytes_of("cred-2"));
  auth.created_at = t0 + 7s;
  ASSERT_TRUE(s().authenticators.register_authenticator(auth, ref_of(a2), completion_for("v", "auth-2", t0 + 7s)));
  auto v = s().users.find_user("t", "v");
  EXPECT_EQ(v->username, "v-name");
  EXPECT_EQ(v->display_name, auth.display_name);
  EXPECT_EQ(v->updated_at, t0 + 7s);
}

TEST_P(store_conformance, register_fills_only_empty_user_names_and_keeps_optional_device_fields) {
  store::user_patch p;
  p.username = std::optional<std::string>("chosen");
  s().users.upsert_user("t", "u", p, t0);
  auto action = make_action("t", std::string("u"), "register", "r1");
  action.device_id = "dev-orig";
  ASSERT_TRUE(s().actions.create_action(action));
  auto a = make_authenticator("t", "u", "auth-1", bytes_of("cred-1"));
  a.authenticator_attachment.reset();
  a.device_id.reset();
  a.user_agent.reset();
  a.instrument_display_name.reset();
  a.transports = {};
  a.last_verified_at = t0 + 1s;
  auto done = completion_for("u", "auth-1", t0 + 1s);
  done.device_id = std::nullopt;  // keeps the action's device id
  ASSERT_TRUE(s().authenticators.register_authenticator(a, ref_of(action), done));
  expect_same(*s().authenticators.find_authenticator("t", "u", "auth-1"), a);
  auto u = s().users.find_user("t", "u");
  EXPECT_EQ(u->username, "chosen");
  EXPECT_EQ(u->display_name, "Display u");
  EXPECT_EQ(s().actions.find_action("t", "u", "register", "r1")->device_id, "dev-orig");
}

TEST_P(store_conformance, credential_id_unique_per_tenant_and_refusal_changes_nothing) {
  enroll(s(), "t", "u", "auth-1", "cred-shared");
  s().users.upsert_user("t", "v", {}, t0);
  auto action = make_action("t", std::string("v"), "register", "r2");
  ASSERT_TRUE(s().actions.create_action(action));
  auto dup = make_authenticator("t", "v", "auth-2", bytes_of("cred-shared"));
  EXPECT_FALSE(s().authenticators.register_authenticator(dup, ref_of(action), completion_for("v", "auth-2", t0)));
  EXPECT_FALSE(s().authenticators.find_authenticator("t", "v", "auth-2"));
  EXPECT_FALSE(s().authenticators.has_authenticator("t", "v"));
  EXPECT_EQ(s().actions.find_action("t", "v", "register", "r2")->state, "CHALLENGE_REQUIRED");
  EXPECT_FALSE(s().users.find_user("t", "v")->username);
  EXPECT_EQ(s().authenticators.find_authenticator_by_credential("t", dup.credential_id)->user_id, "u");
  // The same credential id in another tenant is another credential.
  enroll(s(), "t2", "u", "auth-3", "cred-shared");
  EXPECT_EQ(s().authenticators.find_authenticator_by_credential("t2", dup.credential_id)->id, "auth-3");
  EXPECT_EQ(s().authenticators.find_authenticator_by_credential("t", dup.credential_id)->id, "auth-1");
}

TEST_P(store_conformance, register_with_unknown_action_changes_nothing) {
  s().users.upsert_user("t", "u", {}, t0);
  store::action_ref missing{std::string("u"), "register", "no-such-key", std::nullopt};
  auto a = make_authenticator("t", "u", "auth-1", bytes_of("cred-1"));
  EXPECT_FALSE(s().authenticators.register_authenticator(a, missing, completion_for("u", "auth-1", t0)));
  EXPECT_FALSE(s().authenticators.has_authenticator("t", "u"));
  EXPECT_FALSE(s().users.find_user("t", "u")->username);
}

TEST_P(store_conformance, concurrent_register_of_one_credential_has_one_winner) {
  for (int round = 0; round < 10; ++round) {
    const std::string cred = numbered("cred-race-", round);
    std::vector<store::action> actions;
    for (int i = 0; i < k_threads; ++i) {
      const std::string user = numbered("u", i);
      s().users.upsert_user("t", user, {}, t0);
      actions.push_back(make_action("t", user, "register", cred));
      ASSERT_TRUE(s().actions.create_action(actions.back()));
    }
    const int wins = race([&](int i) {
      const std::string user = numbered("u", i);
      const std::string id = "auth-" + cred + numbered("-", i);
      return s().authenticators.register_authenticator(make_authenticator("t", user, id, bytes_of(cred)),
                                                       ref_of(actions[static_cast<std::size_t>(i)]),
                                                       completion_for(user, id, t0));
    });
    ASSERT_EQ(wins, 1) << "round " << round;
  }
}

TEST_P(store_conformance, list_authenticators_oldest_first_for_the_user_only) {
  enroll(s(), "t", "u", "auth-c", "cred-c", t0 + 2s);
  enroll(s(), "t", "u", "auth-b", "cred-b", t0);
  enroll(s(), "t", "u", "auth-a", "cred-a", t0 + 2s);
  enroll(s(), "t", "other", "auth-o", "cred-o", t0);
  enroll(s(), "t2", "u", "auth-t2", "cred-t2", t0);
  auto list = s().authenticators.list_authenticators("t", "u");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].id, "auth-b");
  EXPECT_EQ(list[1].id, "auth-a");  // same created_at: by id
  EXPECT_EQ(list[2].id, "auth-c");
  EXPECT_TRUE(s().authenticators.list_authenticators("t", "nobody").empty());
  EXPECT_EQ(s().authenticators.list_authenticators("t2", "u").size(), 1u);
}

/// list_credentials against list_authenticators: the same credentials in the same order, with the
/// fields an exclude or allow list needs.
void expect_list_is_the_rows(store::stores s, const std::string& tenant, const std::string& user) {
  const auto full = s.authenticators.list_authenticators(tenant, user);
  const auto refs = s.authenticators.list_credentials(tenant, user);
  ASSERT_EQ(refs.size(), full.size());
  for (std::size_t i = 0; i < full.size(); ++i) {
    EXPECT_EQ(refs[i].verification_method, full[i].verification_method) << i;
    EXPECT_EQ(refs[i].credential_id, full[i].credential_id) << i;
    EXPECT_EQ(refs[i].transports, full[i].transports) << i;
    EXPECT_EQ(refs[i].payment_capable, full[i].payment_capable) << i;
    EXPECT_EQ(refs[i].instrument_display_name, full[i].instrument_display_name) << i;
  }
}

// list_credentials: the authenticators of list_authenticators, in its order, with the fields an
// exclude or allow list needs (method, credential id, transports, payment capability and name).
TEST_P(store_conformance, list_credentials_matches_list_authenticators) {
  auto plain = make_authenticator("t", "u", "auth-c", bytes_of("cred-c"), t0 + 2s);
  auto key = make_authenticator("t", "u", "auth-b", bytes_of("cred-b"), t0);
  key.verification_method = "SECURITY_KEY";
  key.transports = {"usb", "nfc", "ble"};
  auto pay = make_authenticator("t", "u", "auth-a", bytes_of("cred-a"), t0 + 2s);
  pay.transports.clear();
  pay.payment_capable = true;
  pay.instrument_display_name = std::string("Visa ••4242");
  for (const auto& a : {plain, key, pay}) {
    auto action = make_action("t", std::string("u"), "add", a.id);
    ASSERT_TRUE(s().actions.create_action(action));
    ASSERT_TRUE(s().authenticators.register_authenticator(a, ref_of(action), completion_for("u", a.id, t0)));
  }
  enroll(s(), "t", "other", "auth-o", "cred-o", t0);
  enroll(s(), "t2", "u", "auth-t2", "cred-t2", t0);
  ASSERT_EQ(s().authenticators.list_authenticators("t", "u").size(), 3u);
  expect_list_is_the_rows(s(), "t", "u");
  const auto refs = s().authenticators.list_credentials("t", "u");
  EXPECT_EQ(refs[0].credential_id, core::credential_id(bytes_of("cred-b")));  // oldest first
  EXPECT_EQ(refs[0].transports, (std::vector<std::string>{"usb", "nfc", "ble"}));
  EXPECT_EQ(refs[1].credential_id, core::credential_id(bytes_of("cred-a")));  // same time: by id
  EXPECT_TRUE(refs[1].transports.empty());
  EXPECT_EQ(refs[1].instrument_display_name, std::optional<std::string>("Visa ••4242"));
  EXPECT_TRUE(s().authenticators.list_credentials("t", "nobody").empty());
  EXPECT_EQ(s().authenticators.list_credentials("t2", "u").size(), 1u);
}

// A list read before a registration, then read after it, is the rows in list_authenticators' order
// (SQLite adds the registered credential to the list it keeps instead of reading again): a later
// time, the same millisecond (ordered by id, before and after the others), an earlier time (a clock
// that went back), sub-millisecond times, transports that do not survive storage as given.
TEST_P(store_conformance, list_credentials_after_a_registration_is_the_rows_as_stored) {
  const time_point odd = t0 + std::chrono::microseconds(5'000'700);
  struct step {
    const char* id;
    time_point at;
    std::vector<std::string> transports;
    bool pay;
  };
  const std::vector<step> steps = {
      {"auth-m", odd, {"internal", "hybrid"}, false},
      {"auth-z", odd + std::chrono::microseconds(200), {}, true},     // same millisecond, id after
      {"auth-a", odd + std::chrono::microseconds(100), {"usb"}, false},  // same millisecond, id first
      {"auth-q", t0, {"nfc"}, false},                                    // earlier than all
      {"auth-r", odd + 9s, {"", "ble"}, false},                          // an empty transport
      {"auth-mm", odd, {}, false},                                      // a prefix of another id
  };
  int n = 0;
  for (const auto& st : steps) {
    expect_list_is_the_rows(s(), "t", "u");  // read (and kept) before the registration
    auto a = make_authenticator("t", "u", st.id, bytes_of(std::string("cred-") + st.id), st.at);
    a.transports = st.transports;
    a.payment_capable = st.pay;
    if (st.pay) a.instrument_display_name = std::string("Card");
    if (n % 2) a.verification_method = "SECURITY_KEY";
    auto action = make_action("t", std::string("u"), "add", st.id);
    ASSERT_TRUE(s().actions.create_action(action));
    ASSERT_TRUE(s().authenticators.register_authenticator(a, ref_of(action), completion_for("u", st.id, st.at)));
    expect_list_is_the_rows(s(), "t", "u");
    ++n;
  }
  EXPECT_EQ(s().authenticators.list_credentials("t", "u").size(), steps.size());
}

std::vector<std::string> credential_names(store::stores s, const std::string& tenant, const std::string& user) {
  std::vector<std::string> out;
  for (const auto& r : s.authenticators.list_credentials(tenant, user))
    out.emplace_back(r.credential_id.view().begin(), r.credential_id.view().end());
  return out;
}

// The list read again after every kind of write of the user's authenticators (SQLite keeps it in
// memory between writes): a registration, a refused one, a sign-in, a deletion, the user's deletion.
TEST_P(store_conformance, list_credentials_follows_every_write) {
  using names = std::vector<std::string>;
  EXPECT_EQ(credential_names(s(), "t", "u"), names{});
  auto first = enroll(s(), "t", "u", "auth-1", "cred-1", t0);
  EXPECT_EQ(credential_names(s(), "t", "u"), names{"cred-1"});
  enroll(s(), "t", "u", "auth-2", "cred-2", t0 + 1s);
  EXPECT_EQ(credential_names(s(), "t", "u"), (names{"cred-1", "cred-2"}));
  // refused: the credential id is taken
  auto dup = make_authenticator("t", "u", "auth-3", bytes_of("cred-1"), t0 + 2s);
  auto act = make_action("t", std::string("u"), "add", "dup");
  ASSERT_TRUE(s().actions.create_action(act));
  EXPECT_FALSE(s().authenticators.register_authenticator(dup, ref_of(act), completion_for("u", "auth-3", t0)));
  EXPECT_EQ(credential_names(s(), "t", "u"), (names{"cred-1", "cred-2"}));
  auto login = make_action("t", std::string("u"), "login", "l", t0 + 3s);
  ASSERT_TRUE(s().actions.create_action(login));
  store::sign_in_update up{"auth-1", first.auth.sign_count, first.auth.sign_count + 1, true, true, std::nullopt};
  ASSERT_TRUE(s().authenticators.record_sign_in("t", up, ref_of(login), completion_for("u", "auth-1", t0 + 4s)));
  EXPECT_EQ(credential_names(s(), "t", "u"), (names{"cred-1", "cred-2"}));
  ASSERT_TRUE(s().authenticators.delete_authenticator("t", "u", "auth-1"));
  EXPECT_EQ(credential_names(s(), "t", "u"), names{"cred-2"});
  enroll(s(), "t", "other", "auth-o", "cred-o", t0);
  EXPECT_EQ(credential_names(s(), "t", "u"), names{"cred-2"});
  ASSERT_TRUE(s().users.delete_user("t", "u", t0 + 5s));
  EXPECT_EQ(credential_names(s(), "t", "u"), names{});
  enroll(s(), "t", "u", "auth-4", "cred-4", t0 + 6s);
  EXPECT_EQ(credential_names(s(), "t", "u"), names{"cred-4"});
  EXPECT_EQ(credential_names(s(), "t", "other"), names{"cred-o"});
}

// Under concurrency: a list read that starts after a registration or a deletion has returned
// shows it. The writer keeps the list short (registers one, deletes the one before), as SQLite
// keeps only short lists in memory.
TEST_P(store_conformance, list_credentials_never_goes_back_behind_a_finished_write) {
  constexpr int writes = 150;
  std::atomic<int> added{0}, deleting{0}, deleted{0};
  std::atomic<bool> stale{false};
  std::thread writer([&] {
    for (int i = 1; i <= writes; ++i) {
      enroll(s(), "t", "u", numbered("auth-", i), numbered("cred-", i), t0 + std::chrono::seconds(i));
      added.store(i);
      if (i > 1) {
        deleting.store(i - 1);
        EXPECT_TRUE(s().authenticators.delete_authenticator("t", "u", numbered("auth-", i - 1)));
        deleted.store(i - 1);
      }
      enroll(s(), "t", "v", numbered("auth-v", i), numbered("cred-v", i), t0 + std::chrono::seconds(i));
    }
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&] {
      while (added.load() < writes) {
        const int a = added.load(), d = deleted.load();
        const auto names = credential_names(s(), "t", "u");
        const int deleting_after = deleting.load();
        for (int x = 1; x <= d; ++x)
          if (std::find(names.begin(), names.end(), numbered("cred-", x)) != names.end()) stale = true;
        if (a > 0 && deleting_after < a && std::find(names.begin(), names.end(), numbered("cred-", a)) == names.end())
          stale = true;
        if (stale) return;
      }
    });
  writer.join();
  for (auto& t : readers) t.join();
  EXPECT_FALSE(stale.load()) << "a list missed a registration or deletion that had finished before it began";
  EXPECT_EQ(credential_names(s(), "t", "u"), std::vector<std::string>{numbered("cred-", writes)});
}

TEST_P(store_conformance, delete_authenticator_scoped_by_tenant_and_user) {
  enroll(s(), "t", "u", "auth-1", "cred-1");
  EXPECT_FALSE(s().authenticators.delete_authenticator("t", "other", "auth-1"));
  EXPECT_FALSE(s().authenticators.delete_authenticator("t2", "u", "auth-1"));
  EXPECT_FALSE(s().authenticators.delete_authenticator("t", "u", "auth-2"));
  EXPECT_TRUE(s().authenticators.delete_authenticator("t", "u", "auth-1"));
  EXPECT_FALSE(s().authenticators.delete_authenticator("t", "u", "auth-1"));
  EXPECT_FALSE(s().authenticators.has_authenticator("t", "u"));
  EXPECT_FALSE(s().authenticators.find_authenticator_by_credential("t", core::credential_id(bytes_of("cred-1"))));
  // The credential id can be registered again once deleted.
  enroll(s(), "t", "u", "auth-again", "cred-1");
}

TEST_P(store_conformance, record_sign_in_writes_back_and_completes_the_action) {
  auto e = enroll(s(), "t", "u", "auth-1", "cred-1");
  auto login = make_action("t", std::string("u"), "login", "l1", t0 + 1s);
  ASSERT_TRUE(s().actions.create_action(login));
  store::sign_in_update up{"auth-1", 5, 9, true, false, std::nullopt};
  ASSERT_TRUE(s().authenticators.record_sign_in("t", up, ref_of(login), completion_for("u", "auth-1", t0 + 2s)));
  auto a = s().authenticators.find_authenticator("t", "u", "auth-1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->sign_count, 9u);
  EXPECT_TRUE(a->backup_state);
  EXPECT_FALSE(a->user_verified);
  EXPECT_EQ(a->last_verified_at, t0 + 2s);
  EXPECT_EQ(a->verified_at, t0);  // registration time stays
  auto act = s().actions.find_action("t", "u", "login", "l1");
  EXPECT_EQ(act->state, "CHALLENGE_SUCCEEDED");
  EXPECT_EQ(act->verified_by_authenticator_id, "auth-1");
  EXPECT_EQ(act->state_updated_at, t0 + 2s);

  // Large counters survive (uint32 range).
  auto login2 = make_action("t", std::string("u"), "login", "l2", t0 + 3s);
  ASSERT_TRUE(s().actions.create_action(login2));
  store::sign_in_update big{"auth-1", 9, 4'294'967'295u, false, true, std::nullopt};
  ASSERT_TRUE(s().authenticators.record_sign_in("t", big, ref_of(login2), completion_for("u", "auth-1", t0 + 4s)));
  EXPECT_EQ(s().authenticators.find_authenticator("t", "u", "auth-1")->sign_count, 4'294'967'295u);
}

TEST_P(store_conformance, record_sign_in_lost_compare_and_set_writes_nothing) {
  enroll(s(), "t", "u", "auth-1", "cred-1");
  auto login = make_action("t", std::string("u"), "login", "l1", t0 + 1s);
  ASSERT_TRUE(s().actions.create_action(login));
  store::sign_in_update stale{"auth-1", 4, 9, true, false, std::nullopt};  // stored count is 5
  EXPECT_FALSE(s().authenticators.record_sign_in("t", stale, ref_of(login), completion_for("u", "auth-1", t0 + 2s)));
  auto a = s().authenticators.find_authenticator("t", "u", "auth-1");
  EXPECT_EQ(a->sign_count, 5u);
  EXPECT_FALSE(a->backup_state);
  EXPECT_FALSE(a->last_verified_at);
  EXPECT_EQ(s().actions.find_action("t", "u", "login", "l1")->state, "CHALLENGE_REQUIRED");
  // Another tenant's id, or a deleted authenticator, loses too.
  store::sign_in_update ok{"auth-1", 5, 6, false, true, std::nullopt};
  EXPECT_FALSE(s().authenticators.record_sign_in("t2", ok, ref_of(login), completion_for("u", "auth-1", t0 + 2s)));
  ASSERT_TRUE(s().authenticators.delete_authenticator("t", "u", "auth-1"));
  EXPECT_FALSE(s().authenticators.record_sign_in("t", ok, ref_of(login), completion_for("u", "auth-1", t0 + 2s)));
  EXPECT_EQ(s().actions.find_action("t", "u", "login", "l1")->state, "CHALLENGE_REQUIRED");
}

TEST_P(store_conformance, record_sign_in_consumes_its_challenge_in_the_same_transaction) {
  enroll(s(), "t", "u", "auth-1", "cred-1");
  auto login = make_action("t", std::string("u"), "login", "l1", t0 + 1s);
  ASSERT_TRUE(s().actions.create_action(login));
  s().challenges.create_challenge(make_challenge("t", "ch1", bytes_of("v1"), t0 + 60s, std::string("u")));
  // A lost compare-and-set leaves the challenge where it was.
  store::sign_in_update stale{"auth-1", 4, 9, true, false, std::nullopt};
  stale.consume_challenge_id = "ch1";
  EXPECT_FALSE(s().authenticators.record_sign_in("t", stale, ref_of(login), completion_for("u", "auth-1", t0 + 2s)));
  EXPECT_TRUE(s().challenges.peek_challenge("t", "ch1", t0));
  // Another tenant's challenge id is not this tenant's: nothing is written.
  store::sign_in_update ok{"auth-1", 5, 6, false, true, std::nullopt};
  ok.consume_challenge_id = "ch1";
  EXPECT_FALSE(s().authenticators.record_sign_in("t2", ok, ref_of(login), completion_for("u", "auth-1", t0 + 2s)));
  EXPECT_TRUE(s().challenges.peek_challenge("t", "ch1", t0));
  // The sign-in and the consume, together.
  EXPECT_TRUE(s().authenticators.record_sign_in("t", ok, ref_of(login), completion_for("u", "auth-1", t0 + 2s)));
  EXPECT_FALSE(s().challenges.peek_challenge("t", "ch1", t0));
  EXPECT_EQ(s().authenticators.find_authenticator("t", "u", "auth-1")->sign_count, 6u);
  EXPECT_EQ(s().actions.find_action("t", "u", "login", "l1")->state, "CHALLENGE_SUCCEEDED");
  // Gone: a second sign-in with it writes nothing, even with a matching counter.
  auto login2 = make_action("t", std::string("u"), "login", "l2", t0 + 3s);
  ASSERT_TRUE(s().actions.create_action(login2));
  store::sign_in_update again{"auth-1", 6, 7, false, true, std::nullopt};
  again.consume_challenge_id = "ch1";
  EXPECT_FALSE(s().authenticators.record_sign_in("t", again, ref_of(login2), completion_for("u", "auth-1", t0 + 4s)));
  EXPECT_EQ(s().authenticators.find_authenticator("t", "u", "auth-1")->sign_count, 6u);
  EXPECT_EQ(s().actions.find_action("t", "u", "login", "l2")->state, "CHALLENGE_REQUIRED");
}

TEST_P(store_conformance, record_sign_in_consumes_a_challenge_carrying_its_expiry) {
  enroll(s(), "t", "u", "auth-1", "cred-1");
  auto login = make_action("t", std::string("u"), "login", "l1", t0 + 1s);
  ASSERT_TRUE(s().actions.create_action(login));
  const std::string id = addressed_id(t0 + 60s, 1);
  s().challenges.create_challenge(make_challenge("t", id, addressed_value(t0 + 60s, 1), t0 + 60s, std::string("u")));
  store::sign_in_update ok{"auth-1", 5, 6, false, true, std::nullopt};
  ok.consume_challenge_id = id;
  EXPECT_FALSE(s().authenticators.record_sign_in("t2", ok, ref_of(login), completion_for("u", "auth-1", t0 + 2s)));
  EXPECT_TRUE(s().challenges.peek_challenge("t", id, t0));
  EXPECT_TRUE(s().authenticators.record_sign_in("t", ok, ref_of(login), completion_for("u", "auth-1", t0 + 2s)));
  EXPECT_FALSE(s().challenges.peek_challenge("t", id, t0));
  store::sign_in_update again{"auth-1", 6, 7, false, true, std::nullopt};
  again.consume_challenge_id = id;
  EXPECT_FALSE(s().authenticators.record_sign_in("t", again, ref_of(login), completion_for("u", "auth-1", t0 + 3s)));
}

TEST_P(store_conformance, concurrent_sign_ins_on_one_challenge_across_two_nodes_have_one_winner) {
  // Counter-less authenticators (0 → 0) pass every compare-and-set: only the challenge decides.
  auto node_b = open_another();
  enroll(s(), "t", "u", "auth-1", "cred-1");
  store::sign_in_update zero{"auth-1", 5, 5, false, true, std::nullopt};
  for (int round = 0; round < k_rounds / 2; ++round) {
    const std::string id = numbered("sign-in-", round);
    s().challenges.create_challenge(make_challenge("t", id, bytes_of(id), t0 + 60s, std::string("u")));
    std::vector<store::action> actions;
    for (int i = 0; i < k_threads; ++i) {
      actions.push_back(make_action("t", std::string("u"), "login", id + numbered("-", i), t0));
      ASSERT_TRUE(s().actions.create_action(actions.back()));
    }
    const int wins = race([&](int i) {
      auto ports = i % 2 ? node_b->ports() : s();
      auto u = zero;
      u.consume_challenge_id = id;
      return ports.authenticators.record_sign_in("t", u, ref_of(actions[static_cast<std::size_t>(i)]),
                                                 completion_for("u", "auth-1", t0));
    });
    ASSERT_EQ(wins, 1) << "round " << round;
  }
}

TEST_P(store_conformance, record_sign_in_with_unknown_action_writes_nothing) {
  enroll(s(), "t", "u", "auth-1", "cred-1");
  store::action_ref missing{std::string("u"), "login", "nope", std::nullopt};
  store::sign_in_update up{"auth-1", 5, 6, true, true, std::nullopt};
  EXPECT_FALSE(s().authenticators.record_sign_in("t", up, missing, completion_for("u", "auth-1", t0 + 2s)));
  EXPECT_EQ(s().authenticators.find_authenticator("t", "u", "auth-1")->sign_count, 5u);
}

TEST_P(store_conformance, concurrent_record_sign_in_compare_and_set_has_one_winner) {
  enroll(s(), "t", "u", "auth-1", "cred-1");
  auto node_b = open_another();
  std::uint32_t count = 5;
  for (int round = 0; round < k_rounds; ++round) {
    auto login = make_action("t", std::string("u"), "login", numbered("l", round), t0 + 1s);
    ASSERT_TRUE(s().actions.create_action(login));
    const int wins = race([&](int i) {
      auto ports = i % 2 ? node_b->ports() : s();
      store::sign_in_update up{"auth-1", count, count + 1 + static_cast<std::uint32_t>(i), false, true, std::nullopt};
      return ports.authenticators.record_sign_in("t", up, ref_of(login), completion_for("u", "auth-1", t0 + 2s));
    });
    ASSERT_EQ(wins, 1) << "round " << round;
    const auto stored = s().authenticators.find_authenticator("t", "u", "auth-1")->sign_count;
    ASSERT_GT(stored, count);
    ASSERT_LE(stored, count + k_threads);
    count = stored;
  }
}

TEST_P(store_conformance, pending_action_is_claimed_once) {
  enroll(s(), "t", "u1", "auth-1", "cred-1");
  enroll(s(), "t", "u2", "auth-2", "cred-2");
  auto pending = make_action("t", std::nullopt, "login", "p1", t0 + 1s);
  ASSERT_TRUE(s().actions.create_action(pending));
  store::sign_in_update up1{"auth-1", 5, 6, false, true, std::nullopt};
  ASSERT_TRUE(s().authenticators.record_sign_in("t", up1, ref_of(pending), completion_for("u1", "auth-1", t0 + 2s)));
  EXPECT_FALSE(s().actions.find_pending_action("t", "login", "p1"));
  auto claimed = s().actions.find_action("t", "u1", "login", "p1");
  ASSERT_TRUE(claimed);
  EXPECT_EQ(claimed->state, "CHALLENGE_SUCCEEDED");
  EXPECT_EQ(claimed->user_id, "u1");
  // A second claim (another user) loses and writes nothing, not even its sign count.
  store::sign_in_update up2{"auth-2", 5, 6, false, true, std::nullopt};
  EXPECT_FALSE(s().authenticators.record_sign_in("t", up2, ref_of(pending), completion_for("u2", "auth-2", t0 + 3s)));
  EXPECT_EQ(s().authenticators.find_authenticator("t", "u2", "auth-2")->sign_count, 5u);
  EXPECT_FALSE(s().actions.find_action("t", "u2", "login", "p1"));
}

TEST_P(store_conformance, concurrent_claims_of_a_pending_action_have_one_winner) {
  for (int i = 0; i < k_threads; ++i)
    enroll(s(), "t", numbered("u", i), numbered("auth-", i), numbered("cred-", i));
  for (int round = 0; round < 20; ++round) {
    auto pending = make_action("t", std::nullopt, "login", numbered("p", round), t0 + 1s);
    ASSERT_TRUE(s().actions.create_action(pending));
    std::vector<std::uint32_t> counts(k_threads);
    for (int i = 0; i < k_threads; ++i)
      counts[static_cast<std::size_t>(i)] =
          s().authenticators.find_authenticator("t", numbered("u", i), numbered("auth-", i))->sign_count;
    const int wins = race([&](int i) {
      const auto n = counts[static_cast<std::size_t>(i)];
      store::sign_in_update up{numbered("auth-", i), n, n + 1, false, true, std::nullopt};
      return s().authenticators.record_sign_in("t", up, ref_of(pending),
                                               completion_for(numbered("u", i), up.authenticator_id, t0));
    });
    ASSERT_EQ(wins, 1) << "round " << round;
    EXPECT_FALSE(s().actions.find_pending_action("t", "login", pending.idempotency_key));
  }
}

TEST_P(store_conformance, take_challenge_of_type_leaves_other_types_alone) {
  auto c = make_challenge("t", "ch1", bytes_of("v"), t0 + 10s);  // type passkey-authentication
  s().challenges.create_challenge(c);
  EXPECT_FALSE(s().challenges.take_challenge_of_type("t", "ch1", "action", t0));
  EXPECT_FALSE(s().challenges.take_challenge_of_type("t2", "ch1", "passkey-authentication", t0));
  auto taken = s().challenges.take_challenge_of_type("t", "ch1", "passkey-authentication", t0);
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->type, "passkey-authentication");
  EXPECT_FALSE(s().challenges.take_challenge_of_type("t", "ch1", "passkey-authentication", t0));
}

TEST_P(store_conformance, record_sign_in_creates_its_action_atomically) {
  enroll(s(), "t", "u", "auth-1", "cred-1");
  store::action fresh;
  fresh.tenant_id = "t";
  fresh.user_id = "u";
  fresh.action_code = "signInWithPasskey";
  fresh.idempotency_key = "k-new";
  fresh.state = "CHALLENGE_REQUIRED";
  fresh.state_updated_at = fresh.created_at = fresh.updated_at = t0;
  store::action_ref ref{std::string("u"), "signInWithPasskey", "k-new", fresh};
  // A lost compare-and-set writes nothing, not even the new action.
  store::sign_in_update stale{"auth-1", 99, 100, false, true, std::nullopt};
  EXPECT_FALSE(s().authenticators.record_sign_in("t", stale, ref, completion_for("u", "auth-1", t0 + 1s)));
  EXPECT_FALSE(s().actions.find_action("t", "u", "signInWithPasskey", "k-new"));
  const auto cur = s().authenticators.find_authenticator("t", "u", "auth-1")->sign_count;
  store::sign_in_update ok{"auth-1", cur, cur + 1, false, true, std::nullopt};
  ASSERT_TRUE(s().authenticators.record_sign_in("t", ok, ref, completion_for("u", "auth-1", t0 + 2s)));
  auto a = s().actions.find_action("t", "u", "signInWithPasskey", "k-new");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->state, "CHALLENGE_SUCCEEDED");
}

}  // namespace
}  // namespace signet::conformance
