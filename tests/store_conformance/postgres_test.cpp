// PostgreSQL-only behaviour around the ports: migrations when several nodes start at once, the
// password rules of the connection URL, and recovery of pooled connections the server dropped.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <barrier>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "backends.hpp"
#include "signet/store/postgres/postgres_store.hpp"

namespace signet::conformance {
namespace {

using store::postgres::postgres_store;

/// A schema of its own on the test server, dropped afterwards; url() selects it.
class scratch_schema {
 public:
  explicit scratch_schema(std::string base) : base_(std::move(base)) {
    std::random_device rd;
    name_ = "pgtest_" + std::to_string(rd()) + std::to_string(rd());
    run("CREATE SCHEMA " + name_);
  }
  ~scratch_schema() {
    try {
      run("DROP SCHEMA " + name_ + " CASCADE");
    } catch (...) {
    }
  }
  std::string url(const std::string& extra = "") const {
    return base_ + (base_.find('?') == std::string::npos ? "?" : "&") + "options=-c%20search_path%3D" + name_ + extra;
  }
  /// Runs `sql` on a connection of its own; returns the first value of the first row (or "").
  std::string run(const std::string& sql) const {
    PGconn* c = PQconnectdb(base_.c_str());
    if (PQstatus(c) != CONNECTION_OK) {
      std::string msg = PQerrorMessage(c);
      PQfinish(c);
      throw std::runtime_error(msg);
    }
    PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);  // "drop cascades to …"
    PGresult* r = PQexec(c, sql.c_str());
    const auto st = PQresultStatus(r);
    std::string out;
    if (st == PGRES_TUPLES_OK && PQntuples(r) > 0) out = PQgetvalue(r, 0, 0);
    std::string msg = PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(c);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) throw std::runtime_error(sql + ": " + msg);
    return out;
  }
  const std::string& name() const { return name_; }

 private:
  std::string base_;
  std::string name_;
};

class postgres_only : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = skip_reason("postgres")) GTEST_SKIP() << *why;
    schema_ = std::make_unique<scratch_schema>(*postgres_url());
  }
  scratch_schema& schema() { return *schema_; }

 private:
  std::unique_ptr<scratch_schema> schema_;
};

TEST_F(postgres_only, nodes_starting_at_once_migrate_once) {
  constexpr int nodes = 6;
  std::barrier start(nodes);
  std::atomic<int> ok{0};
  std::vector<std::string> errors(nodes);
  std::vector<std::thread> ts;
  for (int i = 0; i < nodes; ++i)
    ts.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        postgres_store s({schema().url(), 1, std::nullopt});
        if (s.schema_version() == 1) ++ok;
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(i)] = e.what();
      }
    });
  for (auto& t : ts) t.join();
  for (const auto& e : errors) EXPECT_EQ(e, "");
  EXPECT_EQ(ok.load(), nodes);
  EXPECT_EQ(schema().run("SELECT count(*) FROM " + schema().name() + ".schema_migrations"), "1");
}

TEST_F(postgres_only, password_in_url_is_refused_without_echoing_it) {
  const std::string with_password = "postgresql://signet:hunter2-secret@127.0.0.1:1/signet_test";
  try {
    postgres_store s({with_password, 1, std::nullopt});
    FAIL() << "a password in the URL was accepted";
  } catch (const store::store_error& e) {
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("PGPASSWORD"), std::string::npos) << e.what();
  }
  EXPECT_THROW(postgres_store({"host=127.0.0.1 port=1 password=hunter2", 1, std::nullopt}), store::store_error);
}

TEST_F(postgres_only, password_file_is_read_and_never_reaches_libpq_as_a_url_parameter) {
  const auto file = std::filesystem::temp_directory_path() / ("signet-pgpass-" + schema().name());
  {
    std::ofstream(file) << "not-needed-with-trust\n";
  }
  // The throwaway server trusts loopback, so any password connects: this checks that the
  // `password_file` parameter is taken out of the URL (libpq would reject an unknown parameter).
  EXPECT_NO_THROW(postgres_store({schema().url("&password_file=" + file.string()), 1, std::nullopt}));
  EXPECT_NO_THROW(postgres_store({schema().url(), 1, file.string()}));
  std::filesystem::remove(file);
  EXPECT_THROW(postgres_store({schema().url(), 1, file.string()}), store::store_error);
}

TEST_F(postgres_only, unreachable_server_is_a_store_error) {
  EXPECT_THROW(postgres_store({"postgresql://signet@127.0.0.1:1/signet_test?connect_timeout=2", 1, std::nullopt}),
               store::store_error);
  EXPECT_THROW(postgres_store({"postgresql://[bad", 1, std::nullopt}), store::store_error);
}

TEST_F(postgres_only, connections_dropped_by_the_server_are_reopened) {
  const std::string app = "signet_reconnect_" + schema().name();
  postgres_store s({schema().url("&application_name=" + app), 2, std::nullopt});
  store::tenant t;
  t.id = "t";
  t.secret_keys = {"sk"};
  ASSERT_TRUE(s.create_tenant(t));
  // Open both pooled connections.
  {
    std::barrier start(2);
    std::thread a([&] { start.arrive_and_wait(); (void)s.find_tenant("t"); });
    std::thread b([&] { start.arrive_and_wait(); (void)s.list_tenants(); });
    a.join();
    b.join();
  }
  const auto killed = schema().run(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '" + app + "'");
  EXPECT_NE(killed, "0");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // Idle connections the server closed are noticed before use: no call fails.
  for (int i = 0; i < 6; ++i) {
    auto found = s.find_tenant("t");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->secret_keys, std::vector<std::string>{"sk"});
  }
  EXPECT_TRUE(s.find_tenant_by_secret_key("sk"));
}

TEST_F(postgres_only, runtime_role_without_create_privilege_starts_once_migrated) {
  { postgres_store owner({schema().url(), 1, std::nullopt}); }
  const std::string role = "rt_" + schema().name();
  const std::string& ns = schema().name();
  schema().run("CREATE ROLE " + role + " LOGIN");
  schema().run("GRANT USAGE ON SCHEMA " + ns + " TO " + role);
  schema().run("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + ns + " TO " + role);
  schema().run("GRANT USAGE ON ALL SEQUENCES IN SCHEMA " + ns + " TO " + role);
  {
    postgres_store rt({schema().url("&user=" + role), 1, std::nullopt});
    EXPECT_EQ(rt.schema_version(), 1);
    store::action a;
    a.tenant_id = "t";
    a.user_id = "u";
    a.action_code = "login";
    a.idempotency_key = "k";
    a.state = "ALLOW";
    EXPECT_TRUE(rt.create_action(a));  // uses the identity sequence
    EXPECT_EQ(rt.query_actions("t", "u", {}).size(), 1u);
  }
  schema().run("DROP OWNED BY " + role);
  schema().run("DROP ROLE " + role);
}

TEST_F(postgres_only, failed_statement_is_a_store_error_and_the_connection_stays_usable) {
  postgres_store s({schema().url(), 1, std::nullopt});
  store::tenant a;
  a.id = "a";
  a.secret_keys = {"same-key"};
  ASSERT_TRUE(s.create_tenant(a));
  store::tenant b = a;
  b.id = "b";  // the key is already another tenant's: a constraint no contract names
  EXPECT_THROW(s.create_tenant(b), store::store_error);
  EXPECT_FALSE(s.find_tenant("b"));  // rolled back
  EXPECT_TRUE(s.find_tenant("a"));
}

}  // namespace
}  // namespace signet::conformance
