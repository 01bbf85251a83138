// Thin RAII layer over the SQLite C API, private to store/sqlite.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "signet/core/bytes.hpp"
#include "signet/store/ports.hpp"

namespace signet::store::sqlite {

[[noreturn]] void fail(sqlite3* db, std::string_view what);

/// A prepared statement borrowed from a connection's cache; reset and unbound when released.
class statement {
 public:
  explicit statement(sqlite3_stmt* s) noexcept : s_(s) {}
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  ~statement();

  statement& bind(int i, std::string_view v);
  statement& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  statement& bind(int i, const std::optional<std::string>& v);
  statement& bind(int i, core::byte_view v);
  statement& bind(int i, std::int64_t v);
  statement& bind(int i, bool v) { return bind(i, std::int64_t{v ? 1 : 0}); }
  statement& bind(int i, std::chrono::system_clock::time_point t);
  statement& bind(int i, const std::optional<std::chrono::system_clock::time_point>& t);
  statement& bind_null(int i);
  /// A time in microseconds since the epoch (where milliseconds are too coarse to order events).
  statement& bind_us(int i, std::chrono::system_clock::time_point t);

  /// Steps once; true when a row is available, false when done. Throws store_error on failure.
  bool step();
  /// Steps to completion (for statements without rows).
  void run();
  int changes() const noexcept { return sqlite3_changes(sqlite3_db_handle(s_)); }

  bool is_null(int col) const noexcept { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string text(int col) const;
  std::optional<std::string> opt_text(int col) const;
  core::bytes blob(int col) const;
  std::int64_t integer(int col) const noexcept { return sqlite3_column_int64(s_, col); }
  std::chrono::system_clock::time_point time(int col) const noexcept;
  std::optional<std::chrono::system_clock::time_point> opt_time(int col) const noexcept;
  std::chrono::system_clock::time_point time_us(int col) const noexcept;

 private:
  sqlite3_stmt* s_;
};

/// One open connection with its statement cache. Not thread-safe; used by one caller at a time.
class connection {
 public:
  explicit connection(const std::string& path);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// A cached prepared statement for `sql` (keyed by the text).
  statement prepare(std::string_view sql);
  void exec(const char* sql);
  sqlite3* handle() const noexcept { return db_; }

 private:
  // Transparent lookup: prepare() finds a cached statement without building a std::string.
  struct text_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*, text_hash, std::equal_to<>> cache_;
};

/// The store's writer mutex (SQLite admits one writer per database), with a hint for the threads
/// that find it held: the holder says whether its hold is brief (a challenge's insert or take, a
/// read on the writer's connection: tens of microseconds) or long (a ceremony's transaction, a
/// checkpoint's paused pass). A waiter retries, up to `spin_limit`, while the holder's hold is brief
/// (yielding its core between tries), and sleeps on the mutex otherwise. Why: on this kind of
/// machine putting a thread to sleep and waking it (futex, scheduler, an inter-processor interrupt
/// to an idle virtual CPU) cost more CPU than waiting out a brief hold, and kept the sleeper's
/// connections waiting for the wake-up as well (docs/performance.md). No retrying on a single CPU,
/// where the holder cannot run meanwhile.
class writer_mutex {
 public:
  enum class hold { brief, long_ };
  static constexpr std::chrono::microseconds spin_limit{50};

  /// Blocks until held.
  std::unique_lock<std::mutex> lock(hold h);
  /// Held only if it was free.
  std::unique_lock<std::mutex> try_lock(hold h);

 private:
  std::mutex m_;
  std::atomic<bool> brief_{false};  // the current (or last) holder's hold
  const bool spin_ = std::thread::hardware_concurrency() > 1;
};

/// Runs the WAL checkpoints on a thread and connection of its own, so that no request pays for one
/// (a checkpoint copies the WAL into the database file and fdatasyncs both: milliseconds here).
/// A connection attached to it has SQLite's auto-checkpoint off and wakes the thread from its WAL
/// hook once the WAL holds `frames` frames; the thread also checkpoints a non-empty WAL every second.
/// Each round is PASSIVE checkpoints: the first copies the WAL while writers go on; more follow,
/// still without pausing anyone, while a pass finds more than `small_residue` new frames (each copies
/// what the writers committed during the one before: fewer every time). Then the database file and
/// the WAL are synced, still unpaused: a pass that does not reach the WAL's end leaves the pages it
/// copied unsynced, and the last pass's sync would otherwise flush them all with the writers
/// paused. The last pass runs under `writer` (the store's writer mutex) and copies the few frames
/// committed since, so the WAL is wholly backfilled and the next write transaction starts it again
/// from the beginning (SQLite restarts a WAL only then; without the pause it would grow without
/// bound under steady writes). That pass keeps SQLite's own two syncs. Readers are never blocked
/// (docs/performance.md, durability).
class checkpointer {
 public:
  checkpointer(const std::string& path, int frames, writer_mutex& writer);
  ~checkpointer();
  checkpointer(const checkpointer&) = delete;
  checkpointer& operator=(const checkpointer&) = delete;
  void attach(connection& c);

  /// A pass of the round's unpaused ones that finds at most this many new frames is the last of them.
  static constexpr int small_residue = 64;
  /// Unpaused passes per round at most (a writer faster than the copy would never leave less).
  static constexpr int max_unpaused = 6;

  struct counts {
    long rounds = 0;    // rounds that found frames to copy
    long unpaused = 0;  // unpaused passes, all rounds
    long paused = 0;    // passes under the writer mutex
  };
  /// What the thread has done so far (for tests and diagnostics).
  counts done() const;

 private:
  static int on_commit(void* self, sqlite3* db, const char* name, int frames);
  void loop();
  void round();
  connection conn_;
  const int frames_;
  writer_mutex& writer_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  counts counts_;
  bool wake_ = false;
  bool pending_ = false;
  bool stop_ = false;
  std::thread thread_;
};

/// Runs `BEGIN IMMEDIATE` … `COMMIT`, rolling back if destroyed before commit().
class write_transaction {
 public:
  explicit write_transaction(connection& c);
  ~write_transaction();
  void commit();

 private:
  connection& c_;
  bool done_ = false;
};

/// A bounded pool of connections. lease() blocks while every connection is in use.
class pool {
 public:
  /// `ckpt` (optional, must outlive the pool) takes over the WAL checkpoints of every connection.
  pool(const std::string& path, std::size_t size, checkpointer* ckpt = nullptr);

  class lease {
   public:
    lease(pool& p, std::unique_ptr<connection> c) noexcept : p_(&p), c_(std::move(c)) {}
    lease(lease&&) noexcept = default;
    ~lease();
    connection* operator->() const noexcept { return c_.get(); }
    connection& operator*() const noexcept { return *c_; }

   private:
    pool* p_;
    std::unique_ptr<connection> c_;
  };

  lease acquire();

 private:
  void release(std::unique_ptr<connection> c);
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<connection>> idle_;
};

}  // namespace signet::store::sqlite
