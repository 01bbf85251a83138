#include "connection.hpp"

#include "wal_vfs.hpp"

#include <sched.h>

namespace signet::store::sqlite {

void fail(sqlite3* db, std::string_view what) {
  std::string msg = "sqlite: ";
  msg += what;
  if (db) {
    msg += ": ";
    msg += sqlite3_errmsg(db);
  }
  throw store_error(msg);
}

namespace {
std::int64_t to_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
std::chrono::system_clock::time_point from_ms(std::int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}
void check_bind(sqlite3_stmt* s, int rc) {
  if (rc != SQLITE_OK) fail(sqlite3_db_handle(s), "bind");
}
}  // namespace

statement::~statement() {
  sqlite3_reset(s_);
  sqlite3_clear_bindings(s_);
}

statement& statement::bind(int i, std::string_view v) {
  check_bind(s_, sqlite3_bind_text64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}
statement& statement::bind(int i, const std::optional<std::string>& v) {
  return v ? bind(i, std::string_view(*v)) : bind_null(i);
}
statement& statement::bind(int i, core::byte_view v) {
  // A zero-length blob must still be a blob, not NULL: pass a non-null pointer.
  static const core::byte empty = 0;
  check_bind(s_, sqlite3_bind_blob64(s_, i, v.empty() ? &empty : v.data(), v.size(), SQLITE_TRANSIENT));
  return *this;
}
statement& statement::bind(int i, std::int64_t v) {
  check_bind(s_, sqlite3_bind_int64(s_, i, v));
  return *this;
}
statement& statement::bind(int i, std::chrono::system_clock::time_point t) { return bind(i, to_ms(t)); }
statement& statement::bind(int i, const std::optional<std::chrono::system_clock::time_point>& t) {
  return t ? bind(i, *t) : bind_null(i);
}
statement& statement::bind_us(int i, std::chrono::system_clock::time_point t) {
  return bind(i, static_cast<std::int64_t>(
                     std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count()));
}
statement& statement::bind_null(int i) {
  check_bind(s_, sqlite3_bind_null(s_, i));
  return *this;
}

bool statement::step() {
  const int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(sqlite3_db_handle(s_), "step");
}

void statement::run() {
  while (step()) {
  }
}

std::string statement::text(int col) const {
  const auto* p = sqlite3_column_text(s_, col);
  const int n = sqlite3_column_bytes(s_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)) : std::string();
}
std::optional<std::string> statement::opt_text(int col) const {
  if (is_null(col)) return std::nullopt;
  return text(col);
}
core::bytes statement::blob(int col) const {
  const auto* p = static_cast<const core::byte*>(sqlite3_column_blob(s_, col));
  const int n = sqlite3_column_bytes(s_, col);
  return p ? core::bytes(p, p + n) : core::bytes();
}
std::chrono::system_clock::time_point statement::time(int col) const noexcept { return from_ms(integer(col)); }
std::chrono::system_clock::time_point statement::time_us(int col) const noexcept {
  return std::chrono::system_clock::time_point(std::chrono::microseconds(integer(col)));
}
std::optional<std::chrono::system_clock::time_point> statement::opt_time(int col) const noexcept {
  if (is_null(col)) return std::nullopt;
  return time(col);
}

namespace {
// Process-wide SQLite settings, before the library initialises (the first open). Memory statistics
// off: with them on, every sqlite3_malloc takes one global mutex, which the I/O threads contend for.
void configure_library() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}
}  // namespace

connection::connection(const std::string& path) {
  configure_library();
  const int rc = sqlite3_open_v2(path.c_str(), &db_,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, wal_vfs_name());
  if (rc != SQLITE_OK) {
    std::string msg = "cannot open " + path;
    if (db_) {
      msg += ": ";
      msg += sqlite3_errmsg(db_);
      sqlite3_close_v2(db_);
      db_ = nullptr;
    }
    throw store_error("sqlite: " + msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  // WAL: readers never block the writer. synchronous=NORMAL: a commit survives a process crash
  // (kill -9); only an OS crash or power loss can lose the last commits (see docs/design.md).
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");
  exec("PRAGMA foreign_keys=ON");
}

connection::~connection() {
  for (auto& [sql, s] : cache_) sqlite3_finalize(s);
  sqlite3_close_v2(db_);
}

statement connection::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return statement(it->second);
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
      SQLITE_OK)
    fail(db_, "prepare");
  cache_.emplace(std::string(sql), s);
  return statement(s);
}

void connection::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "exec failed";
    sqlite3_free(err);
    throw store_error("sqlite: " + msg);
  }
}

// BEGIN/COMMIT/ROLLBACK run as cached prepared statements (sqlite3_exec would parse them each time).
write_transaction::write_transaction(connection& c) : c_(c) { c_.prepare("BEGIN IMMEDIATE").run(); }
write_transaction::~write_transaction() {
  if (!done_) {
    try {
      c_.prepare("ROLLBACK").run();
    } catch (const store_error&) {
      // The transaction is gone either way (SQLite rolls back a failed commit itself).
    }
  }
}
void write_transaction::commit() {
  c_.prepare("COMMIT").run();
  done_ = true;
}

std::unique_lock<std::mutex> writer_mutex::lock(hold h) {
  std::unique_lock<std::mutex> l(m_, std::try_to_lock);
  if (!l.owns_lock() && spin_) {
    const auto until = std::chrono::steady_clock::now() + spin_limit;
    while (brief_.load(std::memory_order_relaxed)) {
      // Give the core away between tries instead of burning it: with the load generator or the other
      // I/O thread runnable on this machine's two cores, they get it; otherwise the call returns at
      // once and the wait is a spin as before.
      sched_yield();
      if (l.try_lock() || std::chrono::steady_clock::now() >= until) break;
    }
  }
  if (!l.owns_lock()) l.lock();
  brief_.store(h == hold::brief, std::memory_order_relaxed);
  return l;
}

std::unique_lock<std::mutex> writer_mutex::try_lock(hold h) {
  std::unique_lock<std::mutex> l(m_, std::try_to_lock);
  if (l.owns_lock()) brief_.store(h == hold::brief, std::memory_order_relaxed);
  return l;
}

checkpointer::checkpointer(const std::string& path, int frames, writer_mutex& writer)
    : conn_(path), frames_(frames), writer_(writer) {
  conn_.exec("PRAGMA wal_autocheckpoint=0");
  thread_ = std::thread([this] { loop(); });
}

checkpointer::~checkpointer() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void checkpointer::attach(connection& c) {
  // sqlite3_wal_hook replaces the auto-checkpoint hook; the pragma says so explicitly.
  c.exec("PRAGMA wal_autocheckpoint=0");
  sqlite3_wal_hook(c.handle(), &checkpointer::on_commit, this);
}

int checkpointer::on_commit(void* self, sqlite3*, const char*, int frames) {
  auto* me = static_cast<checkpointer*>(self);
  bool wake = false;
  {
    std::lock_guard lk(me->mu_);
    me->pending_ = true;
    if (frames >= me->frames_ && !me->wake_) wake = me->wake_ = true;
  }
  if (wake) me->cv_.notify_one();
  return SQLITE_OK;
}

void checkpointer::loop() {
  std::unique_lock lk(mu_);
  for (;;) {
    cv_.wait_for(lk, std::chrono::seconds(1), [&] { return wake_ || stop_; });
    if (stop_) return;
    if (!wake_ && !pending_) continue;
    wake_ = pending_ = false;
    lk.unlock();
    round();
    lk.lock();
    // A wake-up from a commit during the round is stale: the round ended with the whole WAL copied
    // (its last pass held the writers off), and the next commit restarts the WAL. Another round now
    // would pause the writers again for a handful of frames. A commit after this that still finds
    // the WAL long (it could not restart) wakes the thread again.
    wake_ = false;
  }
}

checkpointer::counts checkpointer::done() const {
  std::lock_guard lk(mu_);
  return counts_;
}

namespace {
// Syncs one of the connection's files through its VFS (fdatasync, as SQLite's own sync would). A
// failure is left to the paused pass, whose own sync of the same file fails the same way.
void sync_file(sqlite3* db, int op) {
  sqlite3_file* f = nullptr;
  if (sqlite3_file_control(db, "main", op, &f) == SQLITE_OK && f && f->pMethods)
    f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
}
}  // namespace

void checkpointer::round() {
  // Busy (another checkpoint, e.g. from the sqlite3 shell) or an I/O error: the next round retries;
  // the WAL only grows meanwhile, nothing is lost.
  sqlite3* db = conn_.handle();
  int log = 0, copied = 0;
  int rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
  if (rc != SQLITE_OK || log <= 0) return;
  counts c{1, 1, 0};
  // More passes while the writers committed more than a few frames during the last one.
  while (c.unpaused < max_unpaused) {
    const int before = copied;
    rc = sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    ++c.unpaused;
    if (rc != SQLITE_OK || log - before <= small_residue) break;
  }
  if (rc == SQLITE_OK) {
    // The passes copied pages into the database file without syncing it: SQLite syncs it only in a
    // pass that finds the WAL's end unchanged when its copy is done, and under steady writes the
    // end has usually moved (the pass still reports every frame it saw as copied, so that count
    // cannot tell). Sync it, and the WAL so far, before pausing anyone: the paused pass's own syncs
    // then find only its few pages. These syncs add to SQLite's; none of its are skipped.
    sync_file(db, SQLITE_FCNTL_FILE_POINTER);
    sync_file(db, SQLITE_FCNTL_JOURNAL_POINTER);
    // What was committed since, with the writers paused: a few pages.
    auto writing = writer_.lock(writer_mutex::hold::long_);
    sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    writing.unlock();
    ++c.paused;
  }
  std::lock_guard lk(mu_);
  counts_.rounds += c.rounds;
  counts_.unpaused += c.unpaused;
  counts_.paused += c.paused;
}

pool::pool(const std::string& path, std::size_t size, checkpointer* ckpt) {
  if (size == 0) size = 1;
  for (std::size_t i = 0; i < size; ++i) {
    idle_.push_back(std::make_unique<connection>(path));
    if (ckpt) ckpt->attach(*idle_.back());
  }
}

pool::lease pool::acquire() {
  std::unique_lock lk(mu_);
  cv_.wait(lk, [&] { return !idle_.empty(); });
  auto c = std::move(idle_.back());
  idle_.pop_back();
  return lease(*this, std::move(c));
}

void pool::release(std::unique_ptr<connection> c) {
  {
    std::lock_guard lk(mu_);
    idle_.push_back(std::move(c));
  }
  cv_.notify_one();
}

pool::lease::~lease() {
  if (c_) p_->release(std::move(c_));
}

}  // namespace signet::store::sqlite
