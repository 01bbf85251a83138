// The conformance fixture: every TEST_P runs once per backend on a fresh database, with record
// builders and field-by-field comparisons shared by the test files.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "backends.hpp"
#include "signet/store/ports.hpp"

namespace signet::conformance {

using store::time_point;
using namespace std::chrono_literals;

/// A fixed instant with whole milliseconds (stores keep milliseconds).
inline const time_point t0 = time_point(std::chrono::seconds(1'800'000'000));

class store_conformance : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (auto why = skip_reason(GetParam())) GTEST_SKIP() << *why;
    db_ = make_database(GetParam());
    handle_ = db_->open(8);
  }

  store::stores s() { return handle_->ports(); }
  /// Another store on the same database (a second node).
  std::unique_ptr<store_handle> open_another(std::size_t pool_size = 8) { return db_->open(pool_size); }
  int schema_version() { return handle_->schema_version(); }

 private:
  std::unique_ptr<test_database> db_;
  std::unique_ptr<store_handle> handle_;
};

/// Test-name suffix: the backend.
inline std::string backend_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

// ---- record builders ----

store::tenant make_tenant(const std::string& id, const std::string& secret, time_point created = t0);
store::action make_action(const std::string& tenant, std::optional<std::string> user, const std::string& code,
                          const std::string& key, time_point created = t0);
store::challenge make_challenge(const std::string& tenant, const std::string& id, core::bytes value,
                                time_point expires, std::optional<std::string> user = std::nullopt);
store::authenticator make_authenticator(const std::string& tenant, const std::string& user, const std::string& id,
                                        core::bytes credential, time_point created = t0);
store::action_ref ref_of(const store::action& a);
store::action_completion completion_for(const std::string& user, const std::string& authenticator_id,
                                        time_point now);
core::bytes bytes_of(std::string_view s);

// ---- field-by-field comparisons (gtest failures name the field) ----

void expect_same(const store::tenant& a, const store::tenant& b);
void expect_same(const store::user& a, const store::user& b);
void expect_same(const store::action& a, const store::action& b);
void expect_same(const store::challenge& a, const store::challenge& b);
void expect_same(const store::authenticator& a, const store::authenticator& b);

}  // namespace signet::conformance
