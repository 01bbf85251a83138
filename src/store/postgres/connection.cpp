#include "connection.hpp"

#include <array>
#include <cstring>

namespace signet::store::postgres {
namespace {

// Type OIDs of the built-in types we send and read (pg_type.dat; fixed since PostgreSQL 7).
constexpr Oid k_bool = 16;
constexpr Oid k_bytea = 17;
constexpr Oid k_int8 = 20;
constexpr Oid k_int2 = 21;
constexpr Oid k_int4 = 23;
constexpr Oid k_text = 25;
constexpr Oid k_varchar = 1043;

std::int64_t to_ms(time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string big_endian(std::uint64_t v, std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i) out[n - 1 - i] = static_cast<char>((v >> (8 * i)) & 0xffU);
  return out;
}

std::uint64_t read_big_endian(const char* p, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

/// libpq's message without the trailing newline.
std::string trimmed(const char* msg) {
  std::string s = msg ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

// ---- params ----

params& params::push(Oid type, std::optional<std::string> value) {
  types_.push_back(type);
  values_.push_back(std::move(value));
  return *this;
}

params& params::add(std::string_view v) { return push(k_text, std::string(v)); }
params& params::add(const std::optional<std::string>& v) { return push(k_text, v); }
params& params::add(core::byte_view v) { return push(k_bytea, std::string(core::as_chars(v))); }
params& params::add(std::int64_t v) { return push(k_int8, big_endian(static_cast<std::uint64_t>(v), 8)); }
params& params::add(bool v) { return push(k_bool, std::string(1, v ? '\1' : '\0')); }
params& params::add(time_point t) { return add(to_ms(t)); }
params& params::add(const std::optional<time_point>& t) {
  if (!t) return push(k_int8, std::nullopt);
  return add(*t);
}
params& params::add_null_text() { return push(k_text, std::nullopt); }

void params::arrays(std::vector<const char*>& values, std::vector<int>& lengths, std::vector<int>& formats) const {
  values.clear();
  lengths.clear();
  formats.assign(values_.size(), 1);
  for (const auto& v : values_) {
    values.push_back(v ? v->data() : nullptr);
    lengths.push_back(v ? static_cast<int>(v->size()) : 0);
  }
}

// ---- result ----

result::~result() {
  if (r_) PQclear(r_);
}

std::size_t result::affected() const {
  const char* n = PQcmdTuples(r_);
  if (!n || !*n) return 0;
  return static_cast<std::size_t>(std::stoull(n));
}

std::string result::text(int row, int col) const {
  const Oid t = PQftype(r_, col);
  if (t != k_text && t != k_varchar) throw store_error("postgres: column " + std::to_string(col) + " is not text");
  return std::string(PQgetvalue(r_, row, col), static_cast<std::size_t>(PQgetlength(r_, row, col)));
}

std::optional<std::string> result::opt_text(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return text(row, col);
}

core::bytes result::blob(int row, int col) const {
  if (PQftype(r_, col) != k_bytea) throw store_error("postgres: column " + std::to_string(col) + " is not bytea");
  const auto* p = reinterpret_cast<const core::byte*>(PQgetvalue(r_, row, col));
  return core::bytes(p, p + PQgetlength(r_, row, col));
}

std::int64_t result::integer(int row, int col) const {
  const Oid t = PQftype(r_, col);
  const auto len = static_cast<std::size_t>(PQgetlength(r_, row, col));
  const std::size_t want = t == k_int8 ? 8 : t == k_int4 ? 4 : t == k_int2 ? 2 : 0;
  if (want == 0 || len != want || is_null(row, col))
    throw store_error("postgres: column " + std::to_string(col) + " is not a non-null integer");
  const std::uint64_t raw = read_big_endian(PQgetvalue(r_, row, col), len);
  switch (want) {
    case 2: return static_cast<std::int16_t>(static_cast<std::uint16_t>(raw));
    case 4: return static_cast<std::int32_t>(static_cast<std::uint32_t>(raw));
    default: return static_cast<std::int64_t>(raw);
  }
}

bool result::boolean(int row, int col) const {
  if (PQftype(r_, col) != k_bool || PQgetlength(r_, row, col) != 1)
    throw store_error("postgres: column " + std::to_string(col) + " is not a non-null boolean");
  return PQgetvalue(r_, row, col)[0] != 0;
}

std::optional<time_point> result::opt_time(int row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return time(row, col);
}

// ---- connection ----

connection::connection(std::vector<std::string> keywords, std::vector<std::string> values)
    : keywords_(std::move(keywords)), values_(std::move(values)) {
  open();
}

connection::~connection() {
  if (c_) PQfinish(c_);
}

void connection::open() {
  std::vector<const char*> k;
  std::vector<const char*> v;
  for (std::size_t i = 0; i < keywords_.size(); ++i) {
    k.push_back(keywords_[i].c_str());
    v.push_back(values_[i].c_str());
  }
  k.push_back(nullptr);
  v.push_back(nullptr);
  c_ = PQconnectdbParams(k.data(), v.data(), 1);
  if (!c_) throw store_error("postgres: out of memory while connecting");
  // Server notices (and the FATAL message of a connection closed while idle) are not printed on
  // stderr: failures reach the caller as store_error.
  PQsetNoticeProcessor(c_, [](void*, const char*) {}, nullptr);
  if (PQstatus(c_) != CONNECTION_OK) {
    std::string msg = trimmed(PQerrorMessage(c_));
    PQfinish(c_);
    c_ = nullptr;
    throw store_error("postgres: cannot connect: " + msg);
  }
}

void connection::reopen() {
  if (c_) PQfinish(c_);
  c_ = nullptr;
  prepared_.clear();
  open();
}

bool connection::usable() {
  if (!c_ || PQstatus(c_) != CONNECTION_OK) return false;
  if (PQtransactionStatus(c_) != PQTRANS_IDLE) return false;
  // Reads whatever arrived while idle without blocking (libpq's socket is non-blocking): a server
  // that closed the connection (restart, pg_terminate_backend, idle_session_timeout) first sends a
  // FATAL message, which one call consumes, and then EOF, which the next call turns into
  // CONNECTION_BAD. Each call is one recv() that returns EAGAIN when nothing is pending.
  for (int i = 0; i < 3; ++i)
    if (!PQconsumeInput(c_) || PQstatus(c_) != CONNECTION_OK) return false;
  return true;
}

void connection::fail(std::string_view what, const PGresult* r) {
  std::string msg = r ? trimmed(PQresultErrorMessage(r)) : "";
  if (msg.empty() && c_) msg = trimmed(PQerrorMessage(c_));
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string full = "postgres: " + std::string(what) + ": " + msg;
  if (state) full += " (SQLSTATE " + std::string(state) + ")";
  throw store_error(full);
}

result connection::run(std::string_view sql, const params& p) {
  if (!c_) throw store_error("postgres: connection is closed");
  auto it = prepared_.find(std::string(sql));
  if (it == prepared_.end()) {
    std::string name = "signet_" + std::to_string(prepared_.size() + 1);
    PGresult* prep = PQprepare(c_, name.c_str(), std::string(sql).c_str(), p.size(), p.types().data());
    const auto status = prep ? PQresultStatus(prep) : PGRES_FATAL_ERROR;
    result guard(prep);
    if (status != PGRES_COMMAND_OK) fail("prepare failed", prep);
    it = prepared_.emplace(std::string(sql), std::move(name)).first;
  }
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  p.arrays(values, lengths, formats);
  PGresult* raw = PQexecPrepared(c_, it->second.c_str(), p.size(), values.data(), lengths.data(), formats.data(), 1);
  const auto status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    result guard(raw);
    fail("statement failed", raw);
  }
  return result(raw);
}

void connection::exec(const char* sql) {
  if (!c_) throw store_error("postgres: connection is closed");
  PGresult* raw = PQexec(c_, sql);
  const auto status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  result guard(raw);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail("command failed", raw);
}

// ---- transaction ----

transaction::transaction(connection& c) : c_(c) { c_.exec("BEGIN"); }

transaction::~transaction() {
  if (done_) return;
  try {
    c_.exec("ROLLBACK");
  } catch (...) {
    // The connection is then still inside a transaction or lost: usable() is false and the pool
    // re-opens it before its next use.
  }
}

void transaction::commit() {
  c_.exec("COMMIT");
  done_ = true;
}

// ---- pool ----

pool::pool(std::vector<std::string> keywords, std::vector<std::string> values, std::size_t size)
    : keywords_(std::move(keywords)), values_(std::move(values)), free_slots_(size == 0 ? 1 : size) {}

pool::lease::~lease() {
  if (c_) p_->release(std::move(c_));
}

pool::lease pool::acquire() {
  std::unique_ptr<connection> c;
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || free_slots_ > 0; });
    if (!idle_.empty()) {
      c = std::move(idle_.back());
      idle_.pop_back();
    } else {
      --free_slots_;
    }
  }
  try {
    if (!c) {
      c = std::make_unique<connection>(keywords_, values_);
    } else if (!c->usable()) {
      c->reopen();
    }
  } catch (...) {
    // Give the slot back (the broken connection, if any, is dropped) so another caller can retry.
    std::lock_guard lock(mu_);
    ++free_slots_;
    cv_.notify_one();
    throw;
  }
  return lease(*this, std::move(c));
}

void pool::release(std::unique_ptr<connection> c) noexcept {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(c));
  cv_.notify_one();
}

}  // namespace signet::store::postgres
