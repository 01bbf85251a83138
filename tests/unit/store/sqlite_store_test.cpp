// SQLite backend: migrations, tenants and keys, users, single-use challenges under concurrency.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <signal.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <thread>

#include <sqlite3.h>

#include "fixture.hpp"
#include "signet/store/group_commit.hpp"
#include "signet/store/migration.hpp"
#include "challenge_cache.hpp"
#include "connection.hpp"
#include "user_action_cache.hpp"
#include "wal_vfs.hpp"

namespace signet::store::sqlite {
const std::vector<migration>& migrations();  // generated from src/store/sqlite/migrations/*.sql
std::vector<std::string> challenge_lookups_for_tests();  // sqlite_store.cpp
std::string list_credentials_sql_for_tests();            // sqlite_store.cpp
}

namespace signet::store {
namespace {

using testing::sqlite_fixture;
const time_point t0 = time_point(std::chrono::seconds(1'800'000'000));

/// Writes a database at schema `version` (migrations 1..version applied by hand, as an older Signet
/// left it) holding `rows` (SQL), for the migration tests.
void write_database_at(const std::string& path, int version, const std::string& rows) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const auto& all = sqlite::migrations();
  ASSERT_GT(all.size(), static_cast<std::size_t>(version));
  std::string sql =
      "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT "
      "NULL);";
  for (int i = 0; i < version; ++i) {
    ASSERT_EQ(all[static_cast<std::size_t>(i)].version, i + 1);
    sql += std::string(all[static_cast<std::size_t>(i)].sql) + ";";
    sql += "INSERT INTO schema_migrations VALUES (" + std::to_string(i + 1) + ", 'm', 0);";
  }
  sql += rows;
  char* err = nullptr;
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
  sqlite3_close(db);
}

TEST(sqlite_store, migrations_apply_once_and_reopen_cleanly) {
  testing::temp_dir dir;
  const auto path = (dir.path() / "db.sqlite").string();
  {
    sqlite::sqlite_store s({path, 2});
    EXPECT_EQ(s.schema_version(), 5);
    EXPECT_TRUE(s.create_tenant(testing::make_tenant("t", "sk")));
  }
  sqlite::sqlite_store again({path, 2});
  EXPECT_EQ(again.schema_version(), 5);
  EXPECT_TRUE(again.find_tenant("t"));
}

// A database at version 1 (challenges keyed by id, with an expiry index) keeps its live challenges
// through migrations 002 (challenges keyed in expiry order) and 003 (found by their expiry when
// their id carries it; these do not, so they stay in the now partial indexes): they can be taken
// once, by id and by bytes, and reaping still removes exactly the expired ones.
TEST(sqlite_store, migrations_002_and_003_keep_challenges_and_their_expiry) {
  testing::temp_dir dir;
  const auto path = (dir.path() / "v1.sqlite").string();
  // Three challenges, two of them expiring in the same millisecond.
  const long long exp = 1'800'000'060'000LL;
  std::string rows;
  for (int i = 0; i < 3; ++i)
    rows += "INSERT INTO challenges (id, tenant_id, type, value, user_id, action_code, idempotency_key, options_json, "
            "created_at, expires_at) VALUES ('ch" + std::to_string(i) + "', 't', 'passkey-authentication', X'0" +
            std::to_string(i) + "', 'u', NULL, NULL, '{}', 0, " + std::to_string(i == 2 ? exp + 5000 : exp) + ");";
  write_database_at(path, 1, rows);
  sqlite::sqlite_store s({path, 2});
  EXPECT_EQ(s.schema_version(), 5);
  const auto at = [](long long ms) { return time_point(std::chrono::milliseconds(ms)); };
  EXPECT_TRUE(s.peek_challenge("t", "ch0", at(1'800'000'000'000LL)));
  EXPECT_TRUE(s.peek_challenge("t", "ch1", at(1'800'000'000'000LL)));
  EXPECT_EQ(s.reap_expired_challenges(at(1'800'000'059'999LL)), 0u);
  EXPECT_TRUE(s.take_challenge_by_value("t", "passkey-authentication", core::bytes{0x01}, at(1'800'000'000'000LL)));
  EXPECT_FALSE(s.take_challenge("t", "ch1", at(1'800'000'000'000LL)));
  EXPECT_EQ(s.reap_expired_challenges(at(1'800'000'060'000LL)), 1u);  // ch0 (expired at that very ms)
  EXPECT_FALSE(s.peek_challenge("t", "ch0", at(0)));
  // New challenges land beside the migrated ones, also in the same millisecond.
  for (int i = 0; i < 3; ++i) {
    store::challenge c;
    c.id = "new" + std::to_string(i);
    c.tenant_id = "t";
    c.type = "passkey-registration";
    c.value = core::bytes{0x10, static_cast<core::byte>(i)};
    c.options_json = "{}";
    c.created_at = at(0);
    c.expires_at = at(1'800'000'065'000LL);
    s.create_challenge(c);
  }
  EXPECT_EQ(s.reap_expired_challenges(at(1'800'000'065'000LL)), 4u);  // ch2 and the three new ones
  EXPECT_FALSE(s.peek_challenge("t", "new1", at(0)));
}

// A database at version 4 keeps its challenges through migration 005 (no user index; creation
// times in microseconds): the same creation time is read back, a challenge is found and taken by id,
// and once its user is deleted a challenge is refused, while another user's is not.
TEST(sqlite_store, migration_005_keeps_challenges_and_refuses_a_deleted_users) {
  testing::temp_dir dir;
  const auto path = (dir.path() / "v4.sqlite").string();
  const long long created = 1'800'000'000'123LL, exp = 1'800'000'060'000LL;
  std::string rows;
  for (int i = 0; i < 3; ++i)
    rows += "INSERT INTO challenges (rid, id, tenant_id, type, value, user_id, action_code, idempotency_key, "
            "options_json, created_at, expires_at) VALUES (" + std::to_string((exp << 16) | i) + ", 'ch" +
            std::to_string(i) + "', 't', 'passkey-authentication', X'0" + std::to_string(i) + "', '" +
            (i == 2 ? "v" : "u") + "', NULL, NULL, '{}', " + std::to_string(created) + ", " + std::to_string(exp) +
            ");";
  rows += "INSERT INTO users (tenant_id, user_id, created_at, updated_at) VALUES ('t', 'u', 0, 0);";
  write_database_at(path, 4, rows);
  sqlite::sqlite_store s({path, 2});
  EXPECT_EQ(s.schema_version(), 5);
  const auto at = [](long long ms) { return time_point(std::chrono::milliseconds(ms)); };
  auto ch0 = s.peek_challenge("t", "ch0", at(created));
  ASSERT_TRUE(ch0);
  EXPECT_EQ(ch0->created_at, at(created));
  EXPECT_TRUE(s.take_challenge("t", "ch0", at(created)));
  EXPECT_TRUE(s.delete_user("t", "u", at(created + 1)));
  EXPECT_FALSE(s.peek_challenge("t", "ch1", at(created + 1)));
  EXPECT_FALSE(s.take_challenge_by_value("t", "passkey-authentication", core::bytes{0x01}, at(created + 1)));
  EXPECT_TRUE(s.take_challenge("t", "ch2", at(created + 1)));
}

// A database at version 3 keeps its authenticators through migration 004 (no TEXT primary key; the
// user index, now unique on tenant, user and id, serves lookups by id): found by id, by credential
// and by user, signed in with, deleted; a credential id stays unique per tenant.
TEST(sqlite_store, migration_004_keeps_authenticators) {
  testing::temp_dir dir;
  const auto path = (dir.path() / "v3.sqlite").string();
  std::string rows;
  for (int i = 0; i < 2; ++i)
    rows += "INSERT INTO authenticators (id, tenant_id, user_id, verification_method, credential_id, public_key, "
            "alg, sign_count, transports, aaguid, backup_eligible, backup_state, user_verified, created_at, "
            "verified_at) VALUES ('auth-" + std::to_string(i) + "', 't', 'u', 'PASSKEY', X'0" + std::to_string(i) +
            "', X'AA', -7, 5, 'internal', '', 1, 1, 1, " + std::to_string(i) + ", 0);";
  write_database_at(path, 3, rows);
  sqlite::sqlite_store s({path, 2});
  EXPECT_EQ(s.schema_version(), 5);
  auto a0 = s.find_authenticator("t", "u", "auth-0");
  ASSERT_TRUE(a0);
  EXPECT_EQ(a0->sign_count, 5u);
  EXPECT_EQ(a0->transports, std::vector<std::string>{"internal"});
  EXPECT_FALSE(s.find_authenticator("t", "other", "auth-0"));
  EXPECT_EQ(s.find_authenticator_by_credential("t", core::credential_id(core::bytes{0x01}))->id, "auth-1");
  auto list = s.list_authenticators("t", "u");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, "auth-0");
  EXPECT_EQ(list[1].id, "auth-1");
  // A sign-in updates the right row, and only for its owner.
  ASSERT_TRUE(s.create_action([] {
    action a;
    a.tenant_id = "t";
    a.user_id = "u";
    a.action_code = "login";
    a.idempotency_key = "k";
    a.state = "CHALLENGE_REQUIRED";
    return a;
  }()));
  action_completion done;
  done.verification_method = "PASSKEY";
  done.verified_by_authenticator_id = "auth-1";
  done.user_id = "other";
  sign_in_update up{"auth-1", 5, 6, true, true, std::nullopt};
  EXPECT_FALSE(s.record_sign_in("t", up, {std::string("u"), "login", "k", std::nullopt}, done));
  done.user_id = "u";
  EXPECT_TRUE(s.record_sign_in("t", up, {std::string("u"), "login", "k", std::nullopt}, done));
  EXPECT_EQ(s.find_authenticator("t", "u", "auth-1")->sign_count, 6u);
  EXPECT_EQ(s.find_authenticator("t", "u", "auth-0")->sign_count, 5u);
  // The credential id is still unique in the tenant.
  authenticator dup = *a0;
  dup.id = "auth-9";
  EXPECT_FALSE(s.register_authenticator(dup, {std::string("u"), "login", "k", std::nullopt}, done));
  EXPECT_TRUE(s.delete_authenticator("t", "u", "auth-0"));
  EXPECT_FALSE(s.delete_authenticator("t", "u", "auth-0"));
  EXPECT_EQ(s.list_authenticators("t", "u").size(), 1u);
}

/// The query plan of `sql` on a freshly migrated database, one line per step ("" when it does not
/// prepare: the test then fails on the missing steps).
std::string query_plan(const std::string& sql) {
  testing::temp_dir dir;
  const auto path = (dir.path() / "plan.sqlite").string();
  { sqlite::sqlite_store s({path, 2}); }
  sqlite3* db = nullptr;
  std::string all;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &st, nullptr) == SQLITE_OK)
      while (sqlite3_step(st) == SQLITE_ROW) all += std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 3))) + "\n";
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return all;
}

// Every lookup of a challenge by id or bytes is a rowid range (challenges carrying their expiry)
// or a partial-index search (the others), never a scan and never a walk over all of a tenant's or a
// user's challenges, whatever the planner would otherwise pick without statistics.
TEST(sqlite_store, challenge_lookups_use_the_expiry_range_or_the_partial_indexes) {
  for (const auto& sql : sqlite::challenge_lookups_for_tests()) {
    const std::string all = query_plan(sql);
    EXPECT_EQ(all.find("SCAN"), std::string::npos) << all;
    EXPECT_EQ(all.find("challenges_user"), std::string::npos) << all;
    // the deleted-user check is a search of user_deletions' primary key
    EXPECT_NE(all.find("SEARCH d USING PRIMARY KEY (tenant_id=? AND user_id=?)"), std::string::npos) << all;
    EXPECT_NE(all.find("USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"), std::string::npos) << all;
    EXPECT_TRUE(all.find("USING INDEX challenges_id (id=?)") != std::string::npos ||
                all.find("USING INDEX challenges_value (tenant_id=? AND value=?)") != std::string::npos)
        << all;
  }
}

// C1's exclude list and C3's allow list walk the user index in id order: no sorter per call.
TEST(sqlite_store, list_credentials_walks_the_user_index_without_a_sort) {
  const std::string all = query_plan(sqlite::list_credentials_sql_for_tests());
  EXPECT_NE(all.find("SEARCH authenticators USING INDEX authenticators_user (tenant_id=? AND user_id=?)"),
            std::string::npos)
      << all;
  EXPECT_EQ(all.find("TEMP B-TREE"), std::string::npos) << all;
}

// The cache of the Bearer check's read: an entry is returned only under the generation it was read
// at; a write of the user that ends after the read began makes it a miss, as does the entry of
// another key. Other users' writes leave it alone (unless they share its stripe).
TEST(user_action_cache, entries_read_before_a_write_of_their_user_are_never_returned) {
  sqlite::user_action_cache cache;
  user_with_action v;
  v.user.user_id = "u";
  auto t = cache.begin("t", "u", "login", "k");
  EXPECT_FALSE(cache.get(t));
  cache.put(std::move(t), v);
  EXPECT_TRUE(cache.get(cache.begin("t", "u", "login", "k")));
  EXPECT_FALSE(cache.get(cache.begin("t", "u", "login", "other")));
  EXPECT_FALSE(cache.get(cache.begin("t2", "u", "login", "k")));
  // A write that ends between the read's start and the store of its result.
  auto racing = cache.begin("t", "u", "login", "k2");
  cache.touched("t", "u");
  cache.put(std::move(racing), v);
  EXPECT_FALSE(cache.get(cache.begin("t", "u", "login", "k2")));
  // That write also ended the user's other entries; a write after the store does the same.
  EXPECT_FALSE(cache.get(cache.begin("t", "u", "login", "k")));
  cache.put(cache.begin("t", "u", "login", "k"), v);
  EXPECT_TRUE(cache.get(cache.begin("t", "u", "login", "k")));
  cache.touched("t", "u");
  EXPECT_FALSE(cache.get(cache.begin("t", "u", "login", "k")));
  // touch_on_exit bumps when its scope ends.
  cache.put(cache.begin("t", "u", "login", "k"), v);
  {
    sqlite::touch_on_exit touch(cache, "t", "u");
    EXPECT_TRUE(cache.get(cache.begin("t", "u", "login", "k")));
  }
  EXPECT_FALSE(cache.get(cache.begin("t", "u", "login", "k")));
  // Keys are unambiguous whatever the ids hold: user "a" with code "x" and key "login\x1fk" is not
  // user "a\x1fx" with code "login" and key "k" (nor any other split of the same characters).
  cache.put(cache.begin("t", "a", "x", std::string("login\x1fk")), v);
  EXPECT_FALSE(cache.get(cache.begin("t", std::string("a\x1fx"), "login", "k")));
  EXPECT_FALSE(cache.get(cache.begin("t", "a", std::string("x\x1flogin"), "k")));
  EXPECT_TRUE(cache.get(cache.begin("t", "a", "x", std::string("login\x1fk"))));
  // Bounded: filling it past capacity starts it over.
  for (std::size_t i = 0; i < sqlite::user_action_cache::capacity + 1; ++i)
    cache.put(cache.begin("t", std::string("u").append(std::to_string(i)), "login", "k"), v);
  EXPECT_FALSE(cache.get(cache.begin("t", "u0", "login", "k")));
  EXPECT_TRUE(cache.get(cache.begin("t", "u" + std::to_string(sqlite::user_action_cache::capacity), "login", "k")));
}

// rewrite: an entry still under the generation taken before a write is brought up to date and kept
// under the generation after it; an entry under any other generation, or one `apply` cannot update,
// is not returned.
TEST(user_action_cache, a_rewrite_keeps_only_an_entry_read_before_the_write_began) {
  sqlite::user_action_cache cache;
  user_with_action v;
  v.user.user_id = "u";
  v.action.emplace();
  v.action->state = "CHALLENGE_REQUIRED";
  auto set_state = [](user_with_action& e) {
    e.action->state = "CHALLENGE_SUCCEEDED";
    return true;
  };
  cache.put(cache.begin("t", "u", "login", "k"), v);
  auto before = cache.begin("t", "u", "login", "k");
  { sqlite::touch_on_exit touch(cache, "t", "u"); }
  { sqlite::touch_on_exit touch(cache, "t", "u"); }  // a write may bump the stripe more than once
  cache.rewrite(before, set_state);
  auto got = cache.get(cache.begin("t", "u", "login", "k"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->action->state, "CHALLENGE_SUCCEEDED");
  // Another write after it: stale again.
  cache.touched("t", "u");
  EXPECT_FALSE(cache.get(cache.begin("t", "u", "login", "k")));
  // An entry read under an older generation than `before` (a write ended in between) is not revived.
  auto old = cache.begin("t", "u", "login", "k2");
  cache.touched("t", "u");
  cache.put(std::move(old), v);
  auto before2 = cache.begin("t", "u", "login", "k2");
  cache.touched("t", "u");
  cache.rewrite(before2, set_state);
  EXPECT_FALSE(cache.get(cache.begin("t", "u", "login", "k2")));
  // No entry: nothing is made up.
  auto before3 = cache.begin("t", "u", "login", "k3");
  cache.touched("t", "u");
  cache.rewrite(before3, set_state);
  EXPECT_FALSE(cache.get(cache.begin("t", "u", "login", "k3")));
  // `apply` refusing drops the entry.
  cache.put(cache.begin("t", "u", "login", "k4"), v);
  auto before4 = cache.begin("t", "u", "login", "k4");
  cache.touched("t", "u");
  cache.rewrite(before4, [](user_with_action&) { return false; });
  EXPECT_FALSE(cache.get(cache.begin("t", "u", "login", "k4")));
}

// Credential lists live under a generation of their own: a write of the user or their actions
// (a sign-in's) leaves them, an authenticator's registration or deletion ends them, and the other way
// round for the Bearer reads.
TEST(user_action_cache, credential_lists_end_only_with_a_write_of_the_users_authenticators) {
  sqlite::user_action_cache cache;
  user_with_action v;
  sqlite::user_action_cache::credential_list list(1);
  list[0].ref.verification_method = "PASSKEY";
  cache.put_credentials(cache.begin_credentials("t", "u"), list);
  cache.put(cache.begin("t", "u", "login", "k"), v);
  ASSERT_TRUE(cache.get_credentials(cache.begin_credentials("t", "u")));
  EXPECT_EQ(cache.get_credentials(cache.begin_credentials("t", "u"))->at(0).verification_method, "PASSKEY");
  EXPECT_FALSE(cache.get_credentials(cache.begin_credentials("t", "v")));
  EXPECT_FALSE(cache.get_credentials(cache.begin_credentials("t2", "u")));
  { sqlite::touch_on_exit touch(cache, "t", "u"); }
  EXPECT_TRUE(cache.get_credentials(cache.begin_credentials("t", "u")));
  EXPECT_FALSE(cache.get(cache.begin("t", "u", "login", "k")));
  cache.put(cache.begin("t", "u", "login", "k"), v);
  { sqlite::touch_credentials_on_exit touch(cache, "t", "u"); }
  EXPECT_FALSE(cache.get_credentials(cache.begin_credentials("t", "u")));
  EXPECT_TRUE(cache.get(cache.begin("t", "u", "login", "k")));
  // A registration that ends between the read's start and the store of its result.
  auto racing = cache.begin_credentials("t", "u");
  cache.credentials_touched("t", "u");
  cache.put_credentials(std::move(racing), list);
  EXPECT_FALSE(cache.get_credentials(cache.begin_credentials("t", "u")));
}

// A registered credential goes to its place in a kept list: (created_at, id), ids compared as bytes
// (unsigned, a prefix first); once only; not past the length kept.
TEST(user_action_cache, add_listed_places_a_credential_once_in_creation_then_id_order) {
  using sqlite::user_action_cache;
  auto listed = [](std::int64_t ms, std::string id) {
    user_action_cache::listed_credential l;
    l.created_ms = ms;
    l.id = std::move(id);
    return l;
  };
  user_action_cache::credential_list list;
  ASSERT_TRUE(user_action_cache::add_listed(list, listed(5, "m")));
  ASSERT_TRUE(user_action_cache::add_listed(list, listed(5, "z")));
  ASSERT_TRUE(user_action_cache::add_listed(list, listed(5, "a")));
  ASSERT_TRUE(user_action_cache::add_listed(list, listed(1, "q")));
  ASSERT_TRUE(user_action_cache::add_listed(list, listed(9, "b")));
  ASSERT_TRUE(user_action_cache::add_listed(list, listed(5, "mm")));
  ASSERT_TRUE(user_action_cache::add_listed(list, listed(5, std::string("\xC3"))));  // above every ASCII byte
  ASSERT_TRUE(user_action_cache::add_listed(list, listed(5, "m")));  // already there
  std::vector<std::string> ids;
  for (const auto& l : list) ids.push_back(l.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"q", "a", "m", "mm", "z", "\xC3", "b"}));
  for (std::size_t i = list.size(); i < user_action_cache::cached_credentials; ++i)
    ASSERT_TRUE(user_action_cache::add_listed(list, listed(100, "x" + std::to_string(i))));
  EXPECT_FALSE(user_action_cache::add_listed(list, listed(100, "y")));
  EXPECT_TRUE(user_action_cache::add_listed(list, listed(9, "b")));  // already there, even when full
}

// A kept list is packed into one string and unpacked to the same credentials, in the same order.
TEST(user_action_cache, a_packed_credential_list_unpacks_to_the_same_list) {
  using sqlite::user_action_cache;
  user_action_cache::credential_list list(3);
  list[0].created_ms = -5;
  list[0].id = "auth-0";
  list[0].ref.verification_method = "PASSKEY";
  list[0].ref.credential_id = core::credential_id(core::bytes{0, 1, 255});
  list[0].ref.transports = {"internal", "", "hybrid"};
  list[1].created_ms = 1'800'000'000'123;
  list[1].id = "";
  list[1].ref.verification_method = "SECURITY_KEY";
  list[1].ref.payment_capable = true;
  list[1].ref.instrument_display_name = std::string("Visa \xE2\x80\xA2\xE2\x80\xA2 4242");
  list[2].ref.instrument_display_name = std::string();
  for (bool with_ids : {true, false}) {
    const auto back = user_action_cache::unpack(user_action_cache::pack(list), with_ids);
    ASSERT_EQ(back.size(), list.size());
    for (std::size_t i = 0; i < list.size(); ++i) {
      EXPECT_EQ(back[i].created_ms, list[i].created_ms) << i;
      EXPECT_EQ(back[i].id, with_ids ? list[i].id : std::string()) << i;
      EXPECT_EQ(back[i].ref.verification_method, list[i].ref.verification_method) << i;
      EXPECT_EQ(back[i].ref.credential_id, list[i].ref.credential_id) << i;
      EXPECT_EQ(back[i].ref.transports, list[i].ref.transports) << i;
      EXPECT_EQ(back[i].ref.payment_capable, list[i].ref.payment_capable) << i;
      EXPECT_EQ(back[i].ref.instrument_display_name, list[i].ref.instrument_display_name) << i;
    }
  }
  EXPECT_TRUE(user_action_cache::unpack(user_action_cache::pack({})).empty());
}

// The writer mutex excludes whatever the holds say; a thread that finds it held spins at most
// spin_limit, and only behind a brief hold, then sleeps (its CPU time stays far below the hold).
TEST(writer_mutex, excludes_and_bounds_the_spin_of_a_waiter) {
  sqlite::writer_mutex m;
  long counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) {
        auto l = m.lock(i % 2 ? sqlite::writer_mutex::hold::brief : sqlite::writer_mutex::hold::long_);
        ++counter;
        if (t == 0 && i % 500 == 0) {
          EXPECT_FALSE(m.try_lock(sqlite::writer_mutex::hold::brief).owns_lock());
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter, 20000);
  EXPECT_TRUE(m.try_lock(sqlite::writer_mutex::hold::long_).owns_lock());

  auto thread_cpu = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
  };
  for (auto hold : {sqlite::writer_mutex::hold::brief, sqlite::writer_mutex::hold::long_}) {
    auto held = m.lock(hold);
    std::chrono::nanoseconds waiter_cpu{};
    std::thread waiter([&] {
      const auto before = thread_cpu();
      auto l = m.lock(sqlite::writer_mutex::hold::long_);
      waiter_cpu = thread_cpu() - before;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // held 4000 times the spin limit
    held.unlock();
    waiter.join();
    EXPECT_LT(waiter_cpu, std::chrono::milliseconds(50)) << "the waiter kept spinning behind a held lock";
  }
}

// Under steady writes the checkpointer restarts the WAL: each round ends with a pass under the
// writer mutex that backfills the whole WAL, so the next write starts it from the beginning, which
// SQLite counts in the WAL header's checkpoint sequence number (bytes 12-15). Without that pass the
// WAL never restarts while writes go on (the number stays 0 and the file grows by every frame).
// Unpaused passes come first; every committed row is still there afterwards. The writer writes
// until three rounds have paused it (however slow the checkpointer's syncs are on this machine).
TEST(checkpointer, restarts_the_wal_under_steady_writes) {
  testing::temp_dir dir;
  const auto path = (dir.path() / "wal.sqlite").string();
  {
    sqlite::connection setup(path);
    setup.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v BLOB)");
  }
  sqlite::writer_mutex writer;
  long commits = 0;
  {
    sqlite::checkpointer ckpt(path, 100, writer);
    sqlite::connection w(path);
    ckpt.attach(w);
    const std::string blob(200, 'x');
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    auto insert = [&] {
      auto l = writer.lock(sqlite::writer_mutex::hold::brief);
      auto s = w.prepare("INSERT INTO t(v) VALUES (?1)");
      s.bind(1, std::string_view(blob));
      s.run();
      ++commits;
    };
    while ((commits < 2000 || ckpt.done().paused < 3) && std::chrono::steady_clock::now() < until) insert();
    insert();  // a write after the last paused round: it restarts the WAL
    const auto n = ckpt.done();
    EXPECT_GE(n.paused, 3) << "no round ended with the writers paused";
    EXPECT_GE(n.unpaused, n.rounds) << "every round starts with unpaused passes";
    EXPECT_LE(n.paused, n.rounds);
    // Read while the connections are open (the last one to close checkpoints and removes the WAL).
    std::ifstream wal(path + "-wal", std::ios::binary);
    unsigned char header[16] = {};
    ASSERT_TRUE(wal.read(reinterpret_cast<char*>(header), sizeof header));
    const unsigned long restarts = (static_cast<unsigned long>(header[12]) << 24) |
                                   (static_cast<unsigned long>(header[13]) << 16) |
                                   (static_cast<unsigned long>(header[14]) << 8) | header[15];
    EXPECT_GE(restarts, 2u) << "the WAL was not restarted under steady writes";
  }
  sqlite::connection r(path);
  auto count = r.prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.integer(0), commits);
  auto check = r.prepare("PRAGMA integrity_check");
  ASSERT_TRUE(check.step());
  EXPECT_EQ(check.text(0), "ok");
}

// The window of recently created challenges: keyed by tenant and id, erased by id, by user and by
// expiry, and bounded to the last `capacity` puts (older ones are read from the database).
TEST(challenge_cache, keyed_by_tenant_erased_by_every_removal_and_bounded) {
  sqlite::challenge_cache cache;
  auto make = [](std::string tenant, std::string id, std::string user, time_point expires) {
    challenge c;
    c.tenant_id = std::move(tenant);
    c.id = std::move(id);
    c.user_id = std::move(user);
    c.expires_at = expires;
    return c;
  };
  auto nth = [](std::size_t i) {  // not "n" + std::to_string(i): GCC 12's false -Wrestrict (bug 105329)
    std::string s = "n";
    s += std::to_string(i);
    return s;
  };
  cache.put(make("t", "c1", "u", t0 + std::chrono::seconds(10)));
  cache.put(make("t", "c2", "u", t0 + std::chrono::seconds(20)));
  cache.put(make("t", "c3", "v", t0 + std::chrono::seconds(30)));
  cache.put(make("t2", "c1", "u", t0 + std::chrono::seconds(40)));
  ASSERT_TRUE(cache.get("t", "c1"));
  EXPECT_EQ(cache.get("t2", "c1")->expires_at, t0 + std::chrono::seconds(40));
  EXPECT_FALSE(cache.get("t3", "c1"));
  // The tenant is behind its length: tenant "t" with id "2c1" is not tenant "t2" with id "c1".
  EXPECT_FALSE(cache.get("t", "2c1"));
  cache.erase("t", "c1");
  EXPECT_FALSE(cache.get("t", "c1"));
  EXPECT_TRUE(cache.get("t2", "c1"));
  cache.erase_user("t", "u");
  EXPECT_FALSE(cache.get("t", "c2"));
  EXPECT_TRUE(cache.get("t", "c3"));
  EXPECT_TRUE(cache.get("t2", "c1"));  // same user id, other tenant
  cache.erase_expired(t0 + std::chrono::seconds(30));
  EXPECT_FALSE(cache.get("t", "c3"));  // expires_at <= now
  EXPECT_TRUE(cache.get("t2", "c1"));
  EXPECT_EQ(cache.size(), 1u);
  // Bounded: the oldest of the last `capacity` puts goes first, erased slots included.
  for (std::size_t i = 0; i < sqlite::challenge_cache::capacity; ++i)
    cache.put(make("t", nth(i), "u", t0 + std::chrono::seconds(60)));
  EXPECT_FALSE(cache.get("t2", "c1"));
  EXPECT_TRUE(cache.get("t", "n0"));
  EXPECT_EQ(cache.size(), sqlite::challenge_cache::capacity);
  cache.put(make("t", "last", "u", t0 + std::chrono::seconds(60)));
  EXPECT_FALSE(cache.get("t", "n0"));
  EXPECT_TRUE(cache.get("t", "n1"));
  EXPECT_TRUE(cache.get("t", "last"));
  EXPECT_EQ(cache.size(), sqlite::challenge_cache::capacity);
}

// Two challenges in one slot (the cache keys by a hash of tenant and id): the later put replaces the
// earlier, a get answers only for the challenge it asks about, an erase of either empties the slot.
// Each way, a challenge not in the cache is read from the database: never a wrong or consumed one.
TEST(challenge_cache, challenges_sharing_a_slot_never_answer_for_each_other) {
  sqlite::challenge_cache cache([](std::string_view, std::string_view) noexcept { return std::uint64_t{7}; });
  auto make = [](std::string tenant, std::string id) {
    challenge c;
    c.tenant_id = std::move(tenant);
    c.id = std::move(id);
    c.user_id = "u";
    c.expires_at = t0 + std::chrono::seconds(60);
    return c;
  };
  cache.put(make("t", "a"));
  EXPECT_TRUE(cache.get("t", "a"));
  EXPECT_FALSE(cache.get("t", "b"));
  EXPECT_FALSE(cache.get("t2", "a"));
  cache.put(make("t", "b"));
  EXPECT_FALSE(cache.get("t", "a"));
  ASSERT_TRUE(cache.get("t", "b"));
  EXPECT_EQ(cache.get("t", "b")->id, "b");
  cache.erase("t", "a");  // a is gone from the cache already; its slot goes too
  EXPECT_FALSE(cache.get("t", "b"));
  EXPECT_EQ(cache.size(), 0u);
  // Full, with every put in the one slot: the oldest's node is reused or dropped, never two entries.
  for (std::size_t i = 0; i < sqlite::challenge_cache::capacity + 3; ++i) cache.put(make("t", std::to_string(i)));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(cache.get("t", std::to_string(sqlite::challenge_cache::capacity + 2)));
}

/// The first row of `sql` (as text) on a connection of SQLite's own VFS (not Signet's); empty when
/// the database cannot be opened or the statement fails.
std::vector<std::string> first_row(const std::string& path, const char* sql) {
  std::vector<std::string> row;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const auto* text = sqlite3_column_text(st, i);
        row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
      }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return row;
}

// The WAL VFS (wal_vfs.cpp) holds a frame's 24-byte header back and writes it with the page after
// it. Whatever comes instead of that page (a read, another offset, a sync, a size query, the close)
// finds the header written first; the bytes in the file are always those SQLite wrote.
TEST(wal_vfs, a_held_frame_header_is_written_before_anything_else_sees_the_file) {
  testing::temp_dir dir;
  const char* name = sqlite::wal_vfs_name();
  ASSERT_NE(name, nullptr);
  sqlite3_vfs* vfs = sqlite3_vfs_find(name);
  ASSERT_NE(vfs, nullptr);
  auto open_wal = [&](const std::string& path) {
    auto* f = static_cast<sqlite3_file*>(sqlite3_malloc(vfs->szOsFile));
    int out = 0;
    EXPECT_EQ(vfs->xOpen(vfs, path.c_str(), f,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_WAL, &out),
              SQLITE_OK);
    return f;
  };
  auto close = [](sqlite3_file* f) {
    EXPECT_EQ(f->pMethods->xClose(f), SQLITE_OK);
    sqlite3_free(f);
  };
  auto bytes = [](int n, unsigned char v) { return std::vector<unsigned char>(static_cast<std::size_t>(n), v); };
  auto read = [](sqlite3_file* f, int n, sqlite3_int64 off) {
    std::vector<unsigned char> b(static_cast<std::size_t>(n));
    EXPECT_EQ(f->pMethods->xRead(f, b.data(), n, off), SQLITE_OK);
    return b;
  };
  auto write = [](sqlite3_file* f, const std::vector<unsigned char>& b, sqlite3_int64 off) {
    EXPECT_EQ(f->pMethods->xWrite(f, b.data(), static_cast<int>(b.size()), off), SQLITE_OK);
  };
  std::ofstream((dir.path() / "db").string()).put('\0');  // a WAL file takes its mode from its database
  const std::string path = (dir.path() / "db-wal").string();
  sqlite3_file* f = open_wal(path);
  write(f, bytes(32, 0x57), 0);    // the WAL header: written as it comes
  write(f, bytes(24, 0x11), 32);   // a frame header: held
  write(f, bytes(512, 0x22), 56);  // its page: one write of both
  EXPECT_EQ(read(f, 24, 32), bytes(24, 0x11));
  EXPECT_EQ(read(f, 512, 56), bytes(512, 0x22));
  write(f, bytes(24, 0x33), 568);  // held, then read back
  EXPECT_EQ(read(f, 24, 568), bytes(24, 0x33));
  write(f, bytes(24, 0x44), 1000);  // held, then a write elsewhere
  write(f, bytes(8, 0x55), 2000);
  EXPECT_EQ(read(f, 24, 1000), bytes(24, 0x44));
  write(f, bytes(24, 0x66), 3000);  // held, then the size
  sqlite3_int64 size = 0;
  EXPECT_EQ(f->pMethods->xFileSize(f, &size), SQLITE_OK);
  EXPECT_EQ(size, 3024);
  write(f, bytes(24, 0x77), 3024);  // held, then a sync
  EXPECT_EQ(f->pMethods->xSync(f, SQLITE_SYNC_NORMAL), SQLITE_OK);
  write(f, bytes(24, 0x88), 4000);  // held, then the close
  close(f);
  f = open_wal(path);
  EXPECT_EQ(read(f, 32, 0), bytes(32, 0x57));
  EXPECT_EQ(read(f, 24, 3024), bytes(24, 0x77));
  EXPECT_EQ(read(f, 24, 4000), bytes(24, 0x88));
  close(f);
}

// Frames written through the VFS are valid WAL frames: a copy of the database and its WAL, taken
// while the store still holds every commit in the WAL (no checkpoint yet), is recovered by SQLite's
// own VFS from the frame headers and checksums alone, with every row.
TEST(wal_vfs, sqlites_own_vfs_reads_the_wal_the_store_wrote) {
  testing::temp_dir dir;
  const auto path = (dir.path() / "db.sqlite").string();
  sqlite::sqlite_store s({path, 2});
  challenge c;
  c.tenant_id = std::string("t");
  c.type = std::string("passkey-authentication");
  c.options_json = std::string(700, 'o');
  c.created_at = t0;
  c.expires_at = t0 + std::chrono::minutes(10);
  for (int i = 0; i < 50; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "c%d", i);
    c.id = std::string(id);
    c.value = core::bytes(32, static_cast<core::byte>(i));
    s.create_challenge(c);
  }
  const auto copy = (dir.path() / "copy.sqlite").string();
  std::filesystem::copy_file(path, copy);
  std::filesystem::copy_file(path + "-wal", copy + "-wal");
  EXPECT_EQ(first_row(copy, "SELECT COUNT(*), SUM(length(options_json)) FROM challenges"),
            (std::vector<std::string>{"50", std::to_string(50 * 700)}));
  EXPECT_EQ(first_row(copy, "PRAGMA integrity_check"), std::vector<std::string>{"ok"});
}

// kill -9 in the middle of writes: every commit the store returned from is in the database when it
// is opened again, and the file is intact. A child process writes challenges and reports each id
// after create_challenge returned; the parent kills it while it writes.
TEST(wal_vfs, every_returned_commit_survives_kill_9) {
  testing::temp_dir dir;
  const auto path = (dir.path() / "db.sqlite").string();
  { sqlite::sqlite_store init({path, 2}); }
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    sqlite::sqlite_store s({path, 2});
    challenge c;
    c.tenant_id = std::string("t");
    c.type = std::string("passkey-authentication");
    c.options_json = std::string(3000, 'o');  // several pages per commit now and then
    c.created_at = t0;
    c.expires_at = t0 + std::chrono::minutes(10);
    for (std::uint32_t i = 0;; ++i) {
      char id[16];
      std::snprintf(id, sizeof id, "k%u", i);
      c.id = std::string(id);
      c.value = core::bytes(32, static_cast<core::byte>(i));
      s.create_challenge(c);
      if (::write(fds[1], &i, sizeof i) != sizeof i) ::_exit(1);
    }
  }
  ::close(fds[1]);
  std::uint32_t last = 0;
  std::uint32_t n = 0;
  while (n < 3000 && ::read(fds[0], &last, sizeof last) == sizeof last) ++n;
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  while (::read(fds[0], &last, sizeof last) == sizeof last) ++n;  // what it reported before it died
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  ASSERT_GE(n, 3000u);
  sqlite::sqlite_store again({path, 2});
  for (std::uint32_t i : {0u, n / 2, n - 1}) {
    char id[16];
    std::snprintf(id, sizeof id, "k%u", i);
    EXPECT_TRUE(again.peek_challenge("t", id, t0)) << id;
  }
  const auto count = first_row(path, "SELECT COUNT(*) FROM challenges");
  ASSERT_EQ(count.size(), 1u);
  EXPECT_GE(std::stoll(count[0]), static_cast<long long>(n));
  EXPECT_EQ(first_row(path, "PRAGMA integrity_check"), std::vector<std::string>{"ok"});
}

// One serving process per SQLite file (its caches assume it): a second serving store on the same
// file is refused with a clear error, a non-serving one (tenant create/list) is not, and the file
// can be served again once the first has closed.
TEST(sqlite_store, a_second_serving_process_is_refused) {
  testing::temp_dir dir;
  const auto path = (dir.path() / "db.sqlite").string();
  {
    sqlite::sqlite_store serving({path, 2, true});
    EXPECT_TRUE(serving.create_tenant(testing::make_tenant("t", "sk")));
    try {
      sqlite::sqlite_store second({path, 2, true});
      ADD_FAILURE() << "a second serving store opened";
    } catch (const store_error& e) {
      EXPECT_NE(std::string(e.what()).find("already served by another signet process"), std::string::npos)
          << e.what();
    }
    sqlite::sqlite_store command({path, 2, false});  // `signet tenant list` beside a running server
    EXPECT_TRUE(command.find_tenant("t"));
    // Another process (the lock is an flock: per open file, so a child's own open is refused too).
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      try {
        sqlite::sqlite_store other({path, 2, true});
        ::_exit(1);
      } catch (const store_error&) {
        ::_exit(0);
      }
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the other process was not refused";
  }
  sqlite::sqlite_store again({path, 2, true});
  EXPECT_TRUE(again.find_tenant("t"));
}

TEST(sqlite_store, tenants_and_secret_keys) {
  sqlite_fixture f;
  auto t = testing::make_tenant("t1", "sk_one");
  t.secret_keys.push_back("sk_two");
  EXPECT_TRUE(f.db->create_tenant(t));
  EXPECT_FALSE(f.db->create_tenant(t));
  auto found = f.db->find_tenant("t1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->secret_keys, (std::vector<std::string>{"sk_one", "sk_two"}));
  EXPECT_EQ(found->expected_origins, t.expected_origins);
  EXPECT_EQ(f.db->find_tenant_by_secret_key("sk_two")->id, "t1");
  EXPECT_FALSE(f.db->find_tenant_by_secret_key("sk_three"));
  EXPECT_FALSE(f.db->find_tenant("t2"));
  EXPECT_EQ(f.db->list_tenants().size(), 1u);
}

TEST(sqlite_store, upsert_patch_semantics) {
  sqlite_fixture f;
  user_patch p;
  p.email = std::optional<std::string>("a@x.com");
  p.username = std::optional<std::string>("a");
  auto u = f.db->upsert_user("t", "u", p, t0);
  EXPECT_EQ(u.email, "a@x.com");
  user_patch fill;
  fill.only_if_empty = true;
  fill.username = std::optional<std::string>("b");
  fill.display_name = std::optional<std::string>("Display");
  u = f.db->upsert_user("t", "u", fill, t0);
  EXPECT_EQ(u.username, "a");  // kept
  EXPECT_EQ(u.display_name, "Display");  // filled
  user_patch clear;
  clear.email = std::optional<std::string>();
  u = f.db->upsert_user("t", "u", clear, t0);
  EXPECT_FALSE(u.email);
  EXPECT_EQ(f.db->find_user("t", "u")->username, "a");
  EXPECT_FALSE(f.db->find_user("other-tenant", "u"));
}

TEST(sqlite_store, user_handle_is_set_once) {
  sqlite_fixture f;
  f.db->upsert_user("t", "u", {}, t0);
  const core::user_handle a(core::bytes(32, 1)), b(core::bytes(32, 2));
  EXPECT_EQ(f.db->ensure_user_handle("t", "u", a, t0), a);
  EXPECT_EQ(f.db->ensure_user_handle("t", "u", b, t0), a);
  EXPECT_EQ(f.db->find_user("t", "u")->handle, a);
}

challenge make_challenge(std::string id, time_point expires) {
  challenge c;
  c.id = std::move(id);
  c.tenant_id = "t";
  c.type = "passkey-registration";
  c.value = core::bytes(32, 7);
  c.user_id = "u";
  c.options_json = "{}";
  c.created_at = t0;
  c.expires_at = expires;
  return c;
}

TEST(sqlite_store, challenges_are_single_use_tenant_scoped_and_expire) {
  sqlite_fixture f;
  f.db->create_challenge(make_challenge("c1", t0 + std::chrono::minutes(10)));
  EXPECT_FALSE(f.db->take_challenge("other", "c1", t0));
  auto c = f.db->take_challenge("t", "c1", t0);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->value, core::bytes(32, 7));
  EXPECT_FALSE(f.db->take_challenge("t", "c1", t0));
  f.db->create_challenge(make_challenge("c2", t0 + std::chrono::minutes(10)));
  EXPECT_FALSE(f.db->take_challenge("t", "c2", t0 + std::chrono::minutes(10)));  // expired: gone
  f.db->create_challenge(make_challenge("c3", t0));
  f.db->create_challenge(make_challenge("c4", t0 + std::chrono::hours(1)));
  EXPECT_EQ(f.db->reap_expired_challenges(t0 + std::chrono::minutes(1)), 1u);
  EXPECT_TRUE(f.db->take_challenge("t", "c4", t0));
}

// Group commit (group_commit.hpp): inside a request scope a challenge is queued, not written, and the
// first one queued schedules one commit for all that follow until it runs; the batch tells its
// waiters once committed (or that it failed, nothing stored). Outside a scope it is written at once.
TEST(sqlite_store, challenges_created_in_a_request_scope_are_committed_together_later) {
  sqlite_fixture f;
  std::vector<std::function<void()>> posted;
  const store::group_commit::poster post = [&](std::function<void()> fn) { posted.push_back(std::move(fn)); };
  const auto expires = t0 + std::chrono::minutes(10);
  std::vector<std::shared_ptr<store::group_commit::batch>> first, second;
  {
    store::group_commit::request_scope scope(post);
    f.db->create_challenge(make_challenge("g1", expires));
    first = scope.take();
  }
  {
    store::group_commit::request_scope scope(post);
    f.db->create_challenge(make_challenge("g2", expires));
    second = scope.take();
  }
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(first[0], second[0]);  // one batch, one commit scheduled
  ASSERT_EQ(posted.size(), 1u);
  EXPECT_FALSE(f.db->peek_challenge("t", "g1", t0));  // not written yet
  std::vector<bool> told;
  first[0]->when_done([&](bool ok) { told.push_back(ok); });
  posted[0]();
  EXPECT_EQ(told, std::vector<bool>{true});
  second[0]->when_done([&](bool ok) { told.push_back(ok); });  // already known: at once
  EXPECT_EQ(told, (std::vector<bool>{true, true}));
  EXPECT_TRUE(f.db->take_challenge("t", "g1", t0));
  EXPECT_TRUE(f.db->take_challenge("t", "g2", t0));

  // Outside a scope: written before create_challenge returns, nothing scheduled.
  f.db->create_challenge(make_challenge("g3", expires));
  EXPECT_EQ(posted.size(), 1u);
  EXPECT_TRUE(f.db->peek_challenge("t", "g3", t0));

  // A batch whose commit fails says so, and stores none of its challenges.
  std::vector<std::shared_ptr<store::group_commit::batch>> failing;
  {
    store::group_commit::request_scope scope(post);
    f.db->create_challenge(make_challenge("g4", expires));
    f.db->create_challenge(make_challenge("g5", expires));
    failing = scope.take();
  }
  ASSERT_EQ(posted.size(), 2u);
  const auto path = (f.dir.path() / "signet.db").string();
  auto exec = [&](const char* sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sql;
    sqlite3_close(db);
  };
  exec("CREATE TRIGGER refuse_g5 BEFORE INSERT ON challenges WHEN NEW.id = 'g5' BEGIN SELECT RAISE(ABORT, 'no'); END");
  posted[1]();
  bool ok = true;
  failing[0]->when_done([&](bool b) { ok = b; });
  EXPECT_FALSE(ok);
  exec("DROP TRIGGER refuse_g5");
  EXPECT_FALSE(f.db->peek_challenge("t", "g4", t0));  // rolled back with the batch
  EXPECT_FALSE(f.db->peek_challenge("t", "g5", t0));
  // The scope restores what was open before it (none here).
  EXPECT_EQ(store::group_commit::deferrable(), nullptr);
}

TEST(sqlite_store, concurrent_takes_yield_exactly_one_winner) {
  sqlite_fixture f;
  for (int round = 0; round < 20; ++round) {
    const std::string id = "race-" + std::to_string(round);
    f.db->create_challenge(make_challenge(id, t0 + std::chrono::minutes(10)));
    std::atomic<int> winners{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i)
      threads.emplace_back([&] {
        if (f.db->take_challenge("t", id, t0)) ++winners;
      });
    for (auto& t : threads) t.join();
    EXPECT_EQ(winners.load(), 1) << id;
  }
}

TEST(sqlite_store, delete_user_removes_actions_and_challenges) {
  sqlite_fixture f;
  f.db->upsert_user("t", "u", {}, t0);
  action a;
  a.tenant_id = "t";
  a.user_id = "u";
  a.action_code = "signUp";
  a.idempotency_key = "k";
  a.state = "ALLOW";
  a.state_updated_at = a.created_at = a.updated_at = t0;
  EXPECT_TRUE(f.db->create_action(a));
  EXPECT_FALSE(f.db->create_action(a));  // same key
  f.db->create_challenge(make_challenge("c", t0 + std::chrono::minutes(5)));
  EXPECT_TRUE(f.db->delete_user("t", "u", t0 + std::chrono::seconds(1)));
  EXPECT_FALSE(f.db->find_user("t", "u"));
  EXPECT_FALSE(f.db->find_action("t", "u", "signUp", "k"));
  EXPECT_FALSE(f.db->take_challenge("t", "c", t0));
  EXPECT_FALSE(f.db->delete_user("t", "u", t0 + std::chrono::seconds(1)));
}

// A registration and a sign-in that complete a token's action leave its Bearer read in memory, up to
// date, so the next request of that token reads nothing, and a registration adds its credential to
// the user's kept list: a change made to the file behind the store's back is not seen (the
// conformance suite checks the kept read and list equal the rows).
TEST(sqlite_store, a_completed_action_is_served_from_memory_after_its_write) {
  sqlite_fixture f;
  f.db->upsert_user("t", "u", {}, t0);
  for (const char* key : {"k1", "k2"}) {
    action a;
    a.tenant_id = "t";
    a.user_id = "u";
    a.action_code = "login";
    a.idempotency_key = key;
    a.state = "CHALLENGE_REQUIRED";
    a.state_updated_at = a.created_at = a.updated_at = t0;
    ASSERT_TRUE(f.db->create_action(a));
  }
  auto change_behind = [&](const char* key) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((f.dir.path() / "signet.db").string().c_str(), &db), SQLITE_OK);
    const std::string sql = std::string("UPDATE actions SET state = 'BEHIND' WHERE idempotency_key = '") + key + "'";
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  };
  authenticator reg;
  reg.id = "auth-1";
  reg.tenant_id = "t";
  reg.user_id = "u";
  reg.verification_method = "PASSKEY";
  reg.credential_id = core::credential_id(core::bytes{1, 2, 3});
  reg.public_key_cose = core::bytes{0xA0};
  reg.alg = -7;
  reg.created_at = reg.verified_at = t0;
  action_completion done;
  done.verification_method = "PASSKEY";
  done.verified_by_authenticator_id = "auth-1";
  done.user_id = "u";
  done.now = t0 + std::chrono::seconds(1);
  ASSERT_TRUE(f.db->find_user_with_action("t", "u", "login", "k1"));  // the token's read, kept
  EXPECT_TRUE(f.db->list_credentials("t", "u").empty());              // the user's list, kept
  ASSERT_TRUE(f.db->register_authenticator(reg, {std::string("u"), "login", "k1", std::nullopt}, done));
  change_behind("k1");
  EXPECT_EQ(f.db->find_user_with_action("t", "u", "login", "k1")->action->state, "CHALLENGE_SUCCEEDED");
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((f.dir.path() / "signet.db").string().c_str(), &db), SQLITE_OK);
    const char* sql = "UPDATE authenticators SET transports = 'behind'";
    EXPECT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  ASSERT_EQ(f.db->list_credentials("t", "u").size(), 1u);
  EXPECT_TRUE(f.db->list_credentials("t", "u")[0].transports.empty());  // the registration's, not the file's
  sign_in_update up{"auth-1", 0, 1, false, true, std::nullopt};
  ASSERT_TRUE(f.db->find_user_with_action("t", "u", "login", "k2"));
  ASSERT_TRUE(f.db->record_sign_in("t", up, {std::string("u"), "login", "k2", std::nullopt}, done));
  change_behind("k2");
  EXPECT_EQ(f.db->find_user_with_action("t", "u", "login", "k2")->action->state, "CHALLENGE_SUCCEEDED");
  // Any other write of the user ends it: the next read is the file's.
  f.db->upsert_user("t", "u", {}, t0 + std::chrono::seconds(2));
  EXPECT_EQ(f.db->find_user_with_action("t", "u", "login", "k2")->action->state, "BEHIND");
}

std::int64_t count_rows(const std::string& path, const char* table) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, (std::string("SELECT count(*) FROM ") + table).c_str(), -1, &st, nullptr),
            SQLITE_OK);
  std::int64_t n = -1;
  if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

// A deleted user's challenges are refused rather than deleted (no user index on challenges,
// migration 005): one created just before the deletion (microseconds matter, not milliseconds),
// one whose request raced the deletion and is stored after it, in the recent-challenge cache or
// past it; one created after the deletion is found. The deletion's record goes at the reap after the
// last of those challenges has expired, and not before.
TEST(sqlite_store, a_deleted_users_challenges_are_refused_until_they_expire) {
  testing::temp_dir dir;
  const auto path = (dir.path() / "deletions.sqlite").string();
  sqlite::sqlite_store db({path, 2});
  using std::chrono::microseconds;
  using std::chrono::minutes;
  db.upsert_user("t", "u", {}, t0);
  auto before = make_challenge("before", t0 + minutes(10));
  before.created_at = t0 + microseconds(999);
  db.create_challenge(before);
  auto other_user = make_challenge("other-user", t0 + minutes(10));
  other_user.user_id = "v";
  db.create_challenge(other_user);
  // more challenges than the recent-challenge cache holds, so `before` is read from the database too
  for (int i = 0; i < 4100; ++i) db.create_challenge(make_challenge("filler-" + std::to_string(i), t0 + minutes(1)));
  ASSERT_TRUE(db.delete_user("t", "u", t0 + microseconds(1000)));
  EXPECT_FALSE(db.peek_challenge("t", "before", t0 + microseconds(1001)));
  EXPECT_FALSE(db.peek_challenge("t", "filler-0", t0 + microseconds(1001)));
  auto raced = make_challenge("raced", t0 + minutes(20));  // created before the deletion, stored after
  raced.created_at = t0 + microseconds(1000);
  db.create_challenge(raced);
  EXPECT_FALSE(db.peek_challenge("t", "raced", t0 + microseconds(1001)));
  EXPECT_EQ(count_rows(path, "challenges WHERE id = 'raced'"), 0);
  auto after = make_challenge("after", t0 + minutes(10));
  after.created_at = t0 + microseconds(1001);
  db.upsert_user("t", "u", {}, after.created_at);
  db.create_challenge(after);
  EXPECT_TRUE(db.peek_challenge("t", "after", t0 + microseconds(1002)));
  EXPECT_TRUE(db.peek_challenge("t", "other-user", t0 + microseconds(1002)));
  EXPECT_EQ(count_rows(path, "user_deletions"), 1);
  // Kept while `before` (the latest expiry when the user was deleted) may still be taken.
  db.reap_expired_challenges(t0 + minutes(10) - microseconds(1000));
  EXPECT_EQ(count_rows(path, "user_deletions"), 1);
  EXPECT_FALSE(db.take_challenge("t", "before", t0 + minutes(10) - microseconds(1000)));
  db.reap_expired_challenges(t0 + minutes(10));
  EXPECT_EQ(count_rows(path, "user_deletions"), 0);
  EXPECT_EQ(count_rows(path, "challenges"), 0);
}

}  // namespace
}  // namespace signet::store
