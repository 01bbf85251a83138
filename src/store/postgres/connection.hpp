// Thin RAII layer over libpq, private to store/postgres. Parameters and results travel in binary
// format with explicit type OIDs, so no value is ever spliced into SQL text or parsed from text.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "signet/core/bytes.hpp"
#include "signet/store/ports.hpp"

namespace signet::store::postgres {

using time_point = std::chrono::system_clock::time_point;

/// The parameters of one statement ($1, $2, … in the order added).
class params {
 public:
  params& add(std::string_view v);
  params& add(const std::string& v) { return add(std::string_view(v)); }
  params& add(const char* v) { return add(std::string_view(v)); }
  params& add(const std::optional<std::string>& v);
  params& add(core::byte_view v);
  params& add(std::int64_t v);
  params& add(bool v);
  params& add(time_point t);  // BIGINT milliseconds since the epoch
  params& add(const std::optional<time_point>& t);
  params& add_null_text();

  int size() const noexcept { return static_cast<int>(types_.size()); }
  const std::vector<Oid>& types() const noexcept { return types_; }
  /// Pointer/length/format arrays for PQexecPrepared; valid while *this is unchanged.
  void arrays(std::vector<const char*>& values, std::vector<int>& lengths, std::vector<int>& formats) const;

 private:
  params& push(Oid type, std::optional<std::string> value);
  std::vector<Oid> types_;
  std::vector<std::optional<std::string>> values_;
};

/// A query result (binary format). Column accessors check the column's type and throw store_error
/// on a mismatch.
class result {
 public:
  explicit result(PGresult* r) noexcept : r_(r) {}
  result(result&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  result(const result&) = delete;
  result& operator=(const result&) = delete;
  result& operator=(result&&) = delete;
  ~result();

  int rows() const noexcept { return PQntuples(r_); }
  /// Rows changed by INSERT/UPDATE/DELETE.
  std::size_t affected() const;

  bool is_null(int row, int col) const noexcept { return PQgetisnull(r_, row, col) != 0; }
  std::string text(int row, int col) const;
  std::optional<std::string> opt_text(int row, int col) const;
  core::bytes blob(int row, int col) const;
  std::int64_t integer(int row, int col) const;
  bool boolean(int row, int col) const;
  time_point time(int row, int col) const { return time_point(std::chrono::milliseconds(integer(row, col))); }
  std::optional<time_point> opt_time(int row, int col) const;

 private:
  PGresult* r_;
};

/// One connection with its prepared statements. Not thread-safe; one caller at a time.
class connection {
 public:
  /// Connects with `keywords`/`values` (PQconnectdbParams, expand_dbname on). Throws store_error.
  connection(std::vector<std::string> keywords, std::vector<std::string> values);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Runs `sql` as a statement prepared once on this connection (keyed by the text).
  result run(std::string_view sql, const params& p = {});
  /// Runs one or more statements without parameters (transaction control, migrations).
  void exec(const char* sql);

  /// False when the connection was lost (seen by a failed call, or the server closed it while idle)
  /// or was left inside a transaction.
  bool usable();
  /// Drops the old connection and its prepared statements and connects again. Throws store_error.
  void reopen();

 private:
  void open();
  [[noreturn]] void fail(std::string_view what, const PGresult* r);
  std::vector<std::string> keywords_;
  std::vector<std::string> values_;
  PGconn* c_ = nullptr;
  std::unordered_map<std::string, std::string> prepared_;  // sql → statement name
};

/// BEGIN … COMMIT, rolling back if destroyed before commit().
class transaction {
 public:
  explicit transaction(connection& c);
  ~transaction();
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;
  void commit();

 private:
  connection& c_;
  bool done_ = false;
};

/// A bounded pool; connections are opened on demand up to `size`, acquire() waits beyond it.
class pool {
 public:
  pool(std::vector<std::string> keywords, std::vector<std::string> values, std::size_t size);

  class lease {
   public:
    lease(pool& p, std::unique_ptr<connection> c) noexcept : p_(&p), c_(std::move(c)) {}
    lease(lease&&) noexcept = default;
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    lease& operator=(lease&&) = delete;
    ~lease();
    connection* operator->() const noexcept { return c_.get(); }
    connection& operator*() const noexcept { return *c_; }

   private:
    pool* p_;
    std::unique_ptr<connection> c_;
  };

  /// A usable connection (re-opened first if it was lost). Throws store_error if connecting fails.
  lease acquire();

 private:
  void release(std::unique_ptr<connection> c) noexcept;
  std::vector<std::string> keywords_;
  std::vector<std::string> values_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<connection>> idle_;
  std::size_t free_slots_;  // connections not yet opened
};

}  // namespace signet::store::postgres
