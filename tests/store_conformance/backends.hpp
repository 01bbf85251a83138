// The backends the conformance suite runs on, behind one factory. SQLite always; PostgreSQL when the
// build has it (SIGNET_WITH_POSTGRES) and SIGNET_TEST_POSTGRES_URL names a server. Each test gets a
// fresh, empty database: a temporary SQLite file, or a PostgreSQL schema of its own (created before,
// dropped after), so tests may run in parallel against one server.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "signet/store/ports.hpp"

namespace signet::conformance {

/// One open store on a test database.
class store_handle {
 public:
  virtual ~store_handle() = default;
  virtual store::stores ports() = 0;
  virtual int schema_version() = 0;
};

/// A fresh test database; open() may be called several times (several "nodes" on one database).
class test_database {
 public:
  virtual ~test_database() = default;
  virtual std::unique_ptr<store_handle> open(std::size_t pool_size) = 0;
};

/// Backend names the suite is instantiated with ("sqlite", "postgres").
std::vector<std::string> backend_names();
/// Why `name` cannot run here (nullopt when it can), for GTEST_SKIP.
std::optional<std::string> skip_reason(const std::string& name);
/// A fresh database of backend `name`. Throws if it cannot be made.
std::unique_ptr<test_database> make_database(const std::string& name);

/// The PostgreSQL URL of the tests, or nullopt.
std::optional<std::string> postgres_url();

}  // namespace signet::conformance
