// Shared test fixtures for the service, api and store tests: a throwaway SQLite store, a settable
// clock and a deterministic random source.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "signet/service/env.hpp"
#include "signet/store/sqlite/sqlite_store.hpp"

namespace signet::testing {

class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class fixed_clock final : public service::clock {
 public:
  explicit fixed_clock(service::time_point t = service::time_point(std::chrono::seconds(1'800'000'000))) : t_(t) {}
  service::time_point now() const override { return t_; }
  void advance(std::chrono::milliseconds d) { t_ += d; }
  void set(service::time_point t) { t_ = t; }

 private:
  service::time_point t_;
};

/// Deterministic bytes (a counter run through SHA-256); distinct across calls.
class counter_random final : public service::random_source {
 public:
  void fill(std::span<core::byte> out) override;

 private:
  std::atomic<std::uint64_t> n_{0};
};

/// A fresh SQLite store in a temporary directory.
struct sqlite_fixture {
  temp_dir dir;
  std::unique_ptr<store::sqlite::sqlite_store> db;
  sqlite_fixture();
  store::stores ports() { return db->ports(); }
};

store::tenant make_tenant(std::string id, std::string secret, std::string rp_id = "example.com");

}  // namespace signet::testing
