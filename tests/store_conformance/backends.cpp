#include "backends.hpp"

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>

#include "signet/store/sqlite/sqlite_store.hpp"
#ifdef SIGNET_CONFORMANCE_POSTGRES
#include <libpq-fe.h>

#include "signet/store/postgres/postgres_store.hpp"
#endif

namespace signet::conformance {
namespace {

std::string random_suffix() {
  std::random_device rd;
  return std::to_string(rd()) + std::to_string(rd());
}

class sqlite_handle final : public store_handle {
 public:
  sqlite_handle(const std::string& path, std::size_t pool) : s_({path, pool}) {}
  store::stores ports() override { return s_.ports(); }
  int schema_version() override { return s_.schema_version(); }

 private:
  store::sqlite::sqlite_store s_;
};

class sqlite_database final : public test_database {
 public:
  sqlite_database()
      : dir_(std::filesystem::temp_directory_path() / ("signet-conformance-" + random_suffix())) {
    std::filesystem::create_directories(dir_);
  }
  ~sqlite_database() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::unique_ptr<store_handle> open(std::size_t pool_size) override {
    return std::make_unique<sqlite_handle>((dir_ / "signet.db").string(), pool_size);
  }

 private:
  std::filesystem::path dir_;
};

#ifdef SIGNET_CONFORMANCE_POSTGRES
/// Runs one administrative statement on the test server (schema creation and removal).
void admin(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(c);
    PQfinish(c);
    throw std::runtime_error("cannot connect to SIGNET_TEST_POSTGRES_URL: " + msg);
  }
  PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);  // "drop cascades to …"
    PGresult* r = PQexec(c, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string msg = ok ? "" : PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  if (!ok) throw std::runtime_error(sql + ": " + msg);
}

class postgres_handle final : public store_handle {
 public:
  postgres_handle(const std::string& url, std::size_t pool) : s_({url, pool, std::nullopt}) {}
  store::stores ports() override { return s_.ports(); }
  int schema_version() override { return s_.schema_version(); }

 private:
  store::postgres::postgres_store s_;
};

class postgres_database final : public test_database {
 public:
  explicit postgres_database(std::string base) : base_(std::move(base)) {
    static std::atomic<int> n{0};
    schema_ = "conformance_" + random_suffix() + "_" + std::to_string(n++);
    admin(base_, "CREATE SCHEMA " + schema_);
    // The store's unqualified table names resolve in this schema only.
    url_ = base_ + (base_.find('?') == std::string::npos ? "?" : "&") + "options=-c%20search_path%3D" + schema_;
  }
  ~postgres_database() override {
    try {
      admin(base_, "DROP SCHEMA " + schema_ + " CASCADE");
    } catch (...) {
    }
  }
  std::unique_ptr<store_handle> open(std::size_t pool_size) override {
    return std::make_unique<postgres_handle>(url_, pool_size);
  }

 private:
  std::string base_;
  std::string schema_;
  std::string url_;
};
#endif

}  // namespace

std::optional<std::string> postgres_url() {
  const char* v = std::getenv("SIGNET_TEST_POSTGRES_URL");
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

std::vector<std::string> backend_names() { return {"sqlite", "postgres"}; }

std::optional<std::string> skip_reason(const std::string& name) {
  if (name != "postgres") return std::nullopt;
#ifndef SIGNET_CONFORMANCE_POSTGRES
  return "PostgreSQL store not built (configure with -DSIGNET_WITH_POSTGRES=ON; scripts/test-postgres does)";
#else
  if (!postgres_url())
    return "SIGNET_TEST_POSTGRES_URL is not set, PostgreSQL cases skipped (scripts/test-postgres starts a "
           "throwaway server and sets it)";
  return std::nullopt;
#endif
}

std::unique_ptr<test_database> make_database(const std::string& name) {
  if (name == "sqlite") return std::make_unique<sqlite_database>();
#ifdef SIGNET_CONFORMANCE_POSTGRES
  if (name == "postgres") return std::make_unique<postgres_database>(*postgres_url());
#endif
  throw std::runtime_error("unknown or unavailable backend: " + name);
}

}  // namespace signet::conformance
