#include "signet/store/sqlite/sqlite_store.hpp"
#include "signet/store/sql_columns.hpp"
#include "signet/store/text_list.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "signet/store/challenge_address.hpp"
#include "signet/store/group_commit.hpp"
#include "signet/store/migration.hpp"

#include "connection.hpp"
#include "challenge_cache.hpp"
#include "user_action_cache.hpp"

namespace signet::store::sqlite {
const std::vector<migration>& migrations();  // generated from migrations/*.sql
/// The challenge lookups' subqueries, for the test of their query plans.
std::vector<std::string> challenge_lookups_for_tests();
/// list_credentials' statement, for the test of its query plan.
std::string list_credentials_sql_for_tests();
}

namespace signet::store::sqlite {
namespace {

std::array<core::byte, 32> key_hash(std::string_view secret) {
  std::array<core::byte, 32> h{};
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), h.data());
  return h;
}

constexpr std::string_view k_tenant_cols =
    "id, name, rp_id, rp_name, expected_origins, cors_origins, user_verification, default_action_outcome, "
    "default_passkey_action, token_ttl_seconds, challenge_ttl_seconds, created_at";

tenant read_tenant(const statement& s) {
  tenant t;
  t.id = s.text(0);
  t.name = s.text(1);
  t.rp_id = s.text(2);
  t.rp_name = s.text(3);
  t.expected_origins = split_lines(s.text(4));
  t.cors_origins = split_lines(s.text(5));
  t.user_verification = s.text(6);
  t.default_action_outcome = s.text(7);
  t.default_passkey_action = s.text(8);
  t.token_ttl_seconds = s.integer(9);
  t.challenge_ttl_seconds = s.integer(10);
  t.created_at = s.time(11);
  return t;
}

void load_keys(connection& c, tenant& t) {
  auto s = c.prepare("SELECT secret FROM tenant_keys WHERE tenant_id = ?1 ORDER BY position");
  s.bind(1, t.id);
  while (s.step()) t.secret_keys.push_back(s.text(0));
}

constexpr std::string_view k_user_cols =
    "tenant_id, user_id, email, email_verified, phone_number, phone_number_verified, username, display_name, "
    "custom_json, locale, user_handle, created_at, updated_at";

user read_user(const statement& s) {
  user u;
  u.tenant_id = s.text(0);
  u.user_id = s.text(1);
  u.email = s.opt_text(2);
  u.email_verified = s.integer(3) != 0;
  u.phone_number = s.opt_text(4);
  u.phone_number_verified = s.integer(5) != 0;
  u.username = s.opt_text(6);
  u.display_name = s.opt_text(7);
  u.custom_json = s.opt_text(8);
  u.locale = s.opt_text(9);
  if (!s.is_null(10)) u.handle = core::user_handle(s.blob(10));
  u.created_at = s.time(11);
  u.updated_at = s.time(12);
  return u;
}

std::optional<user> find_user_on(connection& c, std::string_view tenant_id, std::string_view user_id) {
  static const std::string sql =
      "SELECT " + std::string(k_user_cols) + " FROM users WHERE tenant_id = ?1 AND user_id = ?2";
  auto s = c.prepare(sql);
  s.bind(1, tenant_id).bind(2, user_id);
  if (!s.step()) return std::nullopt;
  return read_user(s);
}

constexpr std::string_view k_action_cols =
    "tenant_id, user_id, action_code, idempotency_key, state, state_updated_at, created_at, updated_at, "
    "verification_method, verified_by_authenticator_id, ip_address, user_agent, device_id, custom_json, scope";

action read_action(const statement& s, int c = 0) {
  action a;
  a.tenant_id = s.text(c + 0);
  a.user_id = s.opt_text(c + 1);
  a.action_code = s.text(c + 2);
  a.idempotency_key = s.text(c + 3);
  a.state = s.text(c + 4);
  a.state_updated_at = s.time(c + 5);
  a.created_at = s.time(c + 6);
  a.updated_at = s.time(c + 7);
  a.verification_method = s.opt_text(c + 8);
  a.verified_by_authenticator_id = s.opt_text(c + 9);
  a.ip_address = s.opt_text(c + 10);
  a.user_agent = s.opt_text(c + 11);
  a.device_id = s.opt_text(c + 12);
  a.custom_json = s.opt_text(c + 13);
  a.scope = s.text(c + 14);
  return a;
}

constexpr std::string_view k_auth_cols =
    "id, tenant_id, user_id, verification_method, credential_id, public_key, alg, sign_count, transports, aaguid, "
    "backup_eligible, backup_state, user_verified, authenticator_attachment, device_id, user_agent, username, "
    "display_name, payment_capable, instrument_display_name, created_at, verified_at, last_verified_at";

authenticator read_authenticator(const statement& s) {
  authenticator a;
  a.id = s.text(0);
  a.tenant_id = s.text(1);
  a.user_id = s.text(2);
  a.verification_method = s.text(3);
  a.credential_id = core::credential_id(s.blob(4));
  a.public_key_cose = s.blob(5);
  a.alg = static_cast<std::int32_t>(s.integer(6));
  a.sign_count = static_cast<std::uint32_t>(s.integer(7));
  a.transports = split_lines(s.text(8));
  a.aaguid = s.text(9);
  a.backup_eligible = s.integer(10) != 0;
  a.backup_state = s.integer(11) != 0;
  a.user_verified = s.integer(12) != 0;
  a.authenticator_attachment = s.opt_text(13);
  a.device_id = s.opt_text(14);
  a.user_agent = s.opt_text(15);
  a.username = s.opt_text(16);
  a.display_name = s.opt_text(17);
  a.payment_capable = s.integer(18) != 0;
  a.instrument_display_name = s.opt_text(19);
  a.created_at = s.time(20);
  a.verified_at = s.time(21);
  a.last_verified_at = s.opt_time(22);
  return a;
}

challenge read_challenge(const statement& s) {
  challenge ch;
  ch.id = s.text(0);
  ch.tenant_id = s.text(1);
  ch.type = s.text(2);
  ch.value = s.blob(3);
  ch.user_id = s.opt_text(4);
  ch.action_code = s.opt_text(5);
  ch.idempotency_key = s.opt_text(6);
  ch.options_json = s.text(7);
  ch.created_at = s.time_us(8);  // microseconds (migration 005)
  ch.expires_at = s.time(9);
  return ch;
}

/// The high bits of a challenge's rid (migration 002): its expiry in ms since the epoch, shifted
/// left by 16. Times before the epoch count as 0 (long expired).
std::int64_t expiry_key(time_point t) { return challenge_address::expiry_ms(t) << 16; }

/// The rids of the challenges expiring in millisecond `ms` (migration 002); an empty range when
/// there is no such millisecond (the id or bytes carry no expiry, or one no rid can hold).
struct rid_range {
  std::int64_t lo = 1, hi = 0;
};
rid_range range_of(std::optional<std::int64_t> ms) {
  if (!ms || *ms < 0 || *ms >= (std::int64_t{1} << 47)) return {};
  return {*ms << 16, (*ms << 16) | 0xFFFF};
}

/// The rid of the challenge `id` of tenant ?2, bound at ?1: an addressed challenge (migration 003)
/// is looked for in its expiry's range (?20..?21, no index), any other by the partial id index.
/// `NOT INDEXED` keeps the planner on the rid range: without statistics it would rather walk the
/// tenant's entries in the user index (a test checks the plans).
/// A challenge is not found once its user has been deleted at or after its creation (migration 005).
#define SIGNET_CHALLENGE_LIVE                                                                             \
  " AND NOT EXISTS (SELECT 1 FROM user_deletions d WHERE d.tenant_id = challenges.tenant_id AND d.user_id = " \
  "challenges.user_id AND d.deleted_us >= challenges.created_at)"
constexpr std::string_view k_rid_by_id =
    "(SELECT rid FROM challenges NOT INDEXED WHERE rid BETWEEN ?20 AND ?21 AND addressed = 1 AND id = ?1 AND "
    "tenant_id = ?2" SIGNET_CHALLENGE_LIVE " UNION ALL SELECT rid FROM challenges WHERE id = ?1 AND addressed = 0 AND "
    "tenant_id = ?2" SIGNET_CHALLENGE_LIVE " LIMIT 1)";

/// The same by the challenge bytes (?2) and type (?3) of tenant ?1.
constexpr std::string_view k_rid_by_value =
    "(SELECT rid FROM challenges NOT INDEXED WHERE rid BETWEEN ?20 AND ?21 AND addressed = 1 AND value = ?2 AND "
    "tenant_id = ?1 AND type = ?3" SIGNET_CHALLENGE_LIVE " UNION ALL SELECT rid FROM challenges WHERE tenant_id = ?1 "
    "AND value = ?2 AND addressed = 0 AND type = ?3" SIGNET_CHALLENGE_LIVE " LIMIT 1)";
#undef SIGNET_CHALLENGE_LIVE

void bind_range(statement& s, rid_range r) { s.bind(20, r.lo).bind(21, r.hi); }
void bind_id_range(statement& s, std::string_view challenge_id) {
  bind_range(s, range_of(challenge_address::of_id(challenge_id)));
}

constexpr std::string_view k_challenge_cols =
    "id, tenant_id, type, value, user_id, action_code, idempotency_key, options_json, created_at, expires_at";

std::optional<action> find_action_on(connection& c, std::string_view tenant_id, std::string_view user_id,
                                     std::string_view action_code, std::string_view idempotency_key) {
  static const std::string sql = "SELECT " + std::string(k_action_cols) +
                                 " FROM actions WHERE tenant_id = ?1 AND user_id = ?2 AND action_code = ?3 AND "
                                 "idempotency_key = ?4";
  auto s = c.prepare(sql);
  s.bind(1, tenant_id).bind(2, user_id).bind(3, action_code).bind(4, idempotency_key);
  if (!s.step()) return std::nullopt;
  return read_action(s);
}

/// Deletes the challenge inside the caller's transaction; false when it is no longer there.
bool consume_challenge_on(connection& c, std::string_view tenant_id, std::string_view challenge_id) {
  static const std::string sql = "DELETE FROM challenges WHERE rid = " + std::string(k_rid_by_id);
  auto s = c.prepare(sql);
  s.bind(1, challenge_id).bind(2, tenant_id);
  bind_id_range(s, challenge_id);
  s.run();
  return s.changes() > 0;
}

bool insert_action_on(connection& c, const action& a) {
  static const std::string sql = "INSERT INTO actions (" + std::string(k_action_cols) +
                                 ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) "
                                 "ON CONFLICT DO NOTHING";
  auto s = c.prepare(sql);
  s.bind(1, a.tenant_id).bind(2, a.user_id).bind(3, a.action_code).bind(4, a.idempotency_key).bind(5, a.state);
  s.bind(6, a.state_updated_at).bind(7, a.created_at).bind(8, a.updated_at).bind(9, a.verification_method);
  s.bind(10, a.verified_by_authenticator_id).bind(11, a.ip_address).bind(12, a.user_agent).bind(13, a.device_id);
  s.bind(14, a.custom_json).bind(15, a.scope);
  s.run();
  return s.changes() > 0;
}

/// Completes an action inside the caller's transaction; a pending action (no user) is assigned the
/// completing user. Returns false if the action does not exist (or is no longer pending).
bool complete_action_on(connection& c, std::string_view tenant_id, const action_ref& ref,
                        const action_completion& done) {
  const char* sql =
      ref.user_id
          ? "UPDATE actions SET state = ?5, state_updated_at = ?6, updated_at = ?6, verification_method = ?7, "
            "verified_by_authenticator_id = ?8, device_id = COALESCE(?9, device_id), "
            "user_agent = COALESCE(?10, user_agent) WHERE tenant_id = ?1 AND user_id = ?2 AND action_code = ?3 "
            "AND idempotency_key = ?4"
          : "UPDATE actions SET state = ?5, state_updated_at = ?6, updated_at = ?6, verification_method = ?7, "
            "verified_by_authenticator_id = ?8, device_id = COALESCE(?9, device_id), "
            "user_agent = COALESCE(?10, user_agent), user_id = ?2 WHERE tenant_id = ?1 AND user_id IS NULL AND "
            "action_code = ?3 AND idempotency_key = ?4";
  auto s = c.prepare(sql);
  s.bind(1, tenant_id).bind(2, ref.user_id ? *ref.user_id : done.user_id).bind(3, ref.action_code);
  s.bind(4, ref.idempotency_key).bind(5, done.state).bind(6, done.now).bind(7, done.verification_method);
  s.bind(8, done.verified_by_authenticator_id).bind(9, done.device_id).bind(10, done.user_agent);
  s.run();
  return s.changes() > 0;
}

/// A time as the database gives it back (stored in milliseconds).
time_point as_stored(time_point t) {
  return time_point(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()));
}

/// Writes a committed action completion (and a registration's filled names) into the Bearer-read
/// cache entry of that token, so the next request of the same token (C1 or C3 after a finished
/// ceremony) reads nothing (user_action_cache::rewrite says why this is exact). Declared after the
/// writer's lease and before the touches: it runs after them, with the writer still held. Only for
/// an action already owned by the user and not created by this write (a pending action or a new one
/// has no entry to update).
class completion_rewrite {
 public:
  completion_rewrite(user_action_cache& cache, std::string_view tenant_id, const action_ref& ref)
      : cache_(cache) {
    if (ref.user_id && !ref.create)
      before_ = cache.begin(tenant_id, *ref.user_id, ref.action_code, ref.idempotency_key);
  }
  /// After the commit: what it wrote. `registered` (a registration) also filled the user's names.
  void committed(const action_completion& done, const authenticator* registered = nullptr) {
    done_ = &done;
    registered_ = registered;
  }
  ~completion_rewrite() {
    if (!before_ || !done_) return;
    // Nothing may escape a destructor. If the update throws (allocation), the entry is dropped
    // (user_action_cache::entries::rewrite): the next read goes to the database.
    try {
      rewrite();
    } catch (...) {
    }
  }
  completion_rewrite(const completion_rewrite&) = delete;
  completion_rewrite& operator=(const completion_rewrite&) = delete;

 private:
  void rewrite() {
    cache_.rewrite(*before_, [this](user_with_action& v) {
      if (!v.action) return false;
      if (registered_ && v.user.user_id == registered_->user_id) {
        // UPDATE users SET username = COALESCE(username, ?), display_name = COALESCE(display_name, ?),
        // updated_at = ? — only when one of them gets filled.
        user& u = v.user;
        if ((!u.username && registered_->username) || (!u.display_name && registered_->display_name)) {
          if (!u.username) u.username = registered_->username;
          if (!u.display_name) u.display_name = registered_->display_name;
          u.updated_at = as_stored(registered_->created_at);
        }
      } else if (registered_) {
        return false;
      }
      // complete_action_on's UPDATE, column by column.
      action& a = *v.action;
      a.state = done_->state;
      a.state_updated_at = a.updated_at = as_stored(done_->now);
      a.verification_method = done_->verification_method;
      a.verified_by_authenticator_id = done_->verified_by_authenticator_id;
      if (done_->device_id) a.device_id = done_->device_id;
      if (done_->user_agent) a.user_agent = done_->user_agent;
      return true;
    });
  }

  user_action_cache& cache_;
  std::optional<user_action_cache::ticket> before_;
  const action_completion* done_ = nullptr;
  const authenticator* registered_ = nullptr;
};

/// Adds a committed registration's credential to its user's kept credential list (C1's exclude list,
/// C3's allow list), as completion_rewrite does for the Bearer read: declared after the writer's
/// lease and before the touches, it runs after them with the writer still held.
class credential_append {
 public:
  credential_append(user_action_cache& cache, const authenticator& a)
      : cache_(cache), before_(cache.begin_credentials(a.tenant_id, a.user_id)) {}
  void committed(const authenticator& a) { added_ = &a; }
  ~credential_append() {
    if (!added_) return;
    try {  // as completion_rewrite: on a throw the kept list is dropped
      add();
    } catch (...) {
    }
  }
  credential_append(const credential_append&) = delete;
  credential_append& operator=(const credential_append&) = delete;

 private:
  void add() {
    // The columns list_credentials reads, as the database gives them back.
    user_action_cache::listed_credential l;
    l.created_ms = as_stored(added_->created_at).time_since_epoch() / std::chrono::milliseconds(1);
    l.id = added_->id;
    l.ref.verification_method = added_->verification_method;
    l.ref.credential_id = added_->credential_id;
    l.ref.transports = split_lines(join_lines(added_->transports));
    l.ref.payment_capable = added_->payment_capable;
    l.ref.instrument_display_name = added_->instrument_display_name;
    cache_.add_credential(before_, std::move(l));
  }

  user_action_cache& cache_;
  user_action_cache::ticket before_;
  const authenticator* added_ = nullptr;
};

void migrate(connection& c) {
  write_transaction tx(c);
  c.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
      "applied_at INTEGER NOT NULL)");
  int current = 0;
  {
    auto s = c.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (s.step()) current = static_cast<int>(s.integer(0));
  }
  for (const auto& m : migrations()) {
    if (m.version <= current) continue;
    c.exec(std::string(m.sql).c_str());
    auto s = c.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)");
    s.bind(1, std::int64_t{m.version}).bind(2, m.name).bind(3, std::chrono::system_clock::now());
    s.run();
  }
  tx.commit();
}

}  // namespace

struct sqlite_store::impl {
  explicit impl(const options& o)
      // A round per 500 WAL frames: since the checkpointer syncs before it pauses, the paused pass's
      // length depends little on the round's size, and smaller rounds keep each unpaused burst and
      // the writers' share of it short (seed p99 1000 frames 1.83–2.16 ms, 500 1.63–1.99, 250
      // the same as 500, 2000 2.22–2.27; sign-up +~7 % CPU against 1000: more syncs per second).
      : checkpoints(o.path, 500, writer),
        writing(std::make_unique<connection>(o.path)),
        connections(o.path, o.pool_size, &checkpoints) {
    checkpoints.attach(*writing);
  }
  /// The connection every write statement and write transaction of this process uses, with `writer`
  /// held. SQLite admits one writer per database; serialising them here means two of our threads
  /// never collide on SQLite's write lock (whose busy handler sleeps >= 1 ms). And since no other
  /// connection of ours writes, this one's page cache stays valid from one write to the next (SQLite
  /// drops a connection's whole cache when another connection has committed): the b-tree pages a
  /// write walks are not read back from the file each time. Reads use the pool and never wait for a
  /// writer (WAL).
  struct write_lease {
    std::unique_lock<std::mutex> lock;
    connection* c;
    connection* operator->() const noexcept { return c; }
    connection& operator*() const noexcept { return *c; }
  };
  write_lease write_connection(writer_mutex::hold h = writer_mutex::hold::long_) {
    return write_lease{writer.lock(h), writing.get()};
  }
  /// A read runs on the writer's connection when no write is under way (its cache is warm: no
  /// pages to read back), else on a pooled connection; either way it never waits for a writer.
  struct read_lease {
    std::unique_lock<std::mutex> lock;  // held when `c` is the writer's connection
    std::optional<pool::lease> pooled;
    connection* c;
    connection* operator->() const noexcept { return c; }
    connection& operator*() const noexcept { return *c; }
  };
  read_lease read_connection() {
    std::unique_lock<std::mutex> l = writer.try_lock(writer_mutex::hold::brief);
    if (l.owns_lock()) return read_lease{std::move(l), std::nullopt, writing.get()};
    read_lease r{{}, connections.acquire(), nullptr};
    r.c = &**r.pooled;
    return r;
  }
  writer_mutex writer;
  checkpointer checkpoints;  // declared before the connections: outlives every one that calls it
  std::unique_ptr<connection> writing;
  std::uint32_t challenge_sequence = 0;  // low bits of a new challenge's rid; guarded by `writer`
  // Challenges queued by requests that wait for their commit (group_commit.hpp), and the batch
  // they will be committed in; guarded by pending_mu.
  std::mutex pending_mu;
  std::vector<challenge> pending;
  std::shared_ptr<group_commit::batch> pending_batch;
  user_action_cache user_actions;  // find_user_with_action results (user_action_cache.hpp)
  challenge_cache recent_challenges;  // the challenges created last, for peek_challenge (challenge_cache.hpp)
  pool connections;
};

/// The serving lock (options::serving): an flock on a file beside the database, held until the
/// store closes. A separate file, not the database: closing any descriptor of the database file
/// would drop SQLite's own POSIX locks on it.
struct sqlite_store::serving_guard {
  explicit serving_guard(const std::string& db_path) {
    const std::string path = db_path + ".serve-lock";
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw store_error("sqlite: cannot open " + path + ": " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int e = errno;
      ::close(fd);
      if (e == EWOULDBLOCK)
        throw store_error("sqlite: " + db_path +
                          " is already served by another signet process (one process serves a SQLite "
                          "database; several nodes share PostgreSQL)");
      throw store_error("sqlite: cannot lock " + path + ": " + std::strerror(e));
    }
  }
  ~serving_guard() { ::close(fd); }  // releases the flock
  serving_guard(const serving_guard&) = delete;
  serving_guard& operator=(const serving_guard&) = delete;
  int fd = -1;
};

sqlite_store::sqlite_store(const options& opts) {
  if (opts.serving) serving_ = std::make_unique<serving_guard>(opts.path);
  {
    // Migrate on a dedicated connection first, so pooled connections see the final schema.
    connection c(opts.path);
    migrate(c);
  }
  impl_ = std::make_unique<impl>(opts);
}

sqlite_store::~sqlite_store() = default;

int sqlite_store::schema_version() {
  auto c = impl_->read_connection();
  auto s = c->prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  return s.step() ? static_cast<int>(s.integer(0)) : 0;
}

// ---- tenants ----

bool sqlite_store::create_tenant(const tenant& t) {
  auto c = impl_->write_connection();
  write_transaction tx(*c);
  {
    auto s = c->prepare("SELECT 1 FROM tenants WHERE id = ?1");
    s.bind(1, t.id);
    if (s.step()) return false;
  }
  {
    static const std::string sql = "INSERT INTO tenants (" + std::string(k_tenant_cols) +
                                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
    auto s = c->prepare(sql);
    s.bind(1, t.id).bind(2, t.name).bind(3, t.rp_id).bind(4, t.rp_name);
    s.bind(5, join_lines(t.expected_origins)).bind(6, join_lines(t.cors_origins));
    s.bind(7, t.user_verification).bind(8, t.default_action_outcome).bind(9, t.default_passkey_action);
    s.bind(10, t.token_ttl_seconds).bind(11, t.challenge_ttl_seconds).bind(12, t.created_at);
    s.run();
  }
  std::int64_t pos = 0;
  for (const auto& k : t.secret_keys) {
    auto s = c->prepare(
        "INSERT INTO tenant_keys (tenant_id, position, key_hash, secret, created_at) VALUES (?1, ?2, ?3, ?4, ?5)");
    const auto h = key_hash(k);
    s.bind(1, t.id).bind(2, pos++).bind(3, core::byte_view(h)).bind(4, k).bind(5, t.created_at);
    s.run();
  }
  tx.commit();
  return true;
}

std::optional<tenant> sqlite_store::find_tenant(std::string_view tenant_id) {
  auto c = impl_->read_connection();
  static const std::string sql = "SELECT " + std::string(k_tenant_cols) + " FROM tenants WHERE id = ?1";
  std::optional<tenant> t;
  {
    auto s = c->prepare(sql);
    s.bind(1, tenant_id);
    if (!s.step()) return std::nullopt;
    t = read_tenant(s);
  }
  load_keys(*c, *t);
  return t;
}

std::optional<tenant> sqlite_store::find_tenant_by_secret_key(std::string_view secret_key) {
  std::string tenant_id;
  {
    auto c = impl_->read_connection();
    auto s = c->prepare("SELECT tenant_id, secret FROM tenant_keys WHERE key_hash = ?1");
    const auto h = key_hash(secret_key);
    s.bind(1, core::byte_view(h));
    if (!s.step()) return std::nullopt;
    const std::string stored = s.text(1);
    if (stored.size() != secret_key.size() ||
        CRYPTO_memcmp(stored.data(), secret_key.data(), stored.size()) != 0)
      return std::nullopt;
    tenant_id = s.text(0);
  }
  return find_tenant(tenant_id);
}

std::vector<tenant> sqlite_store::list_tenants() {
  auto c = impl_->read_connection();
  static const std::string sql = "SELECT " + std::string(k_tenant_cols) + " FROM tenants ORDER BY created_at, id";
  std::vector<tenant> out;
  {
    auto s = c->prepare(sql);
    while (s.step()) out.push_back(read_tenant(s));
  }
  for (auto& t : out) load_keys(*c, t);
  return out;
}

// ---- users ----

std::optional<user> sqlite_store::find_user(std::string_view tenant_id, std::string_view user_id) {
  auto c = impl_->read_connection();
  return find_user_on(*c, tenant_id, user_id);
}

std::optional<user_with_action> sqlite_store::find_user_with_action(std::string_view tenant_id,
                                                                   std::string_view user_id,
                                                                   std::string_view action_code,
                                                                   std::string_view idempotency_key) {
  // The generation is taken before the read (user_action_cache.hpp).
  auto ticket = impl_->user_actions.begin(tenant_id, user_id, action_code, idempotency_key);
  if (auto hit = impl_->user_actions.get(ticket)) return hit;
  auto c = impl_->read_connection();
  // One statement, one snapshot: the user's columns, then the action's (NULL when there is none).
  static const std::string sql = "SELECT " + prefixed_columns("u.", k_user_cols) + ", " +
                                 prefixed_columns("a.", k_action_cols) +
                                 " FROM users u LEFT JOIN actions a ON a.tenant_id = u.tenant_id AND "
                                 "a.user_id = u.user_id AND a.action_code = ?3 AND a.idempotency_key = ?4 "
                                 "WHERE u.tenant_id = ?1 AND u.user_id = ?2";
  auto s = c->prepare(sql);
  s.bind(1, tenant_id).bind(2, user_id).bind(3, action_code).bind(4, idempotency_key);
  if (!s.step()) return std::nullopt;
  constexpr int k_user_columns = 13;
  user_with_action out{read_user(s), std::nullopt};
  if (!s.is_null(k_user_columns)) out.action = read_action(s, k_user_columns);
  impl_->user_actions.put(std::move(ticket), out);
  return out;
}

user sqlite_store::upsert_user(std::string_view tenant_id, std::string_view user_id, const user_patch& p,
                               time_point now) {
  auto c = impl_->write_connection();
  touch_on_exit touch(impl_->user_actions, tenant_id, user_id);
  write_transaction tx(*c);
  auto existing = find_user_on(*c, tenant_id, user_id);
  user u;
  if (existing) {
    u = std::move(*existing);
  } else {
    u.tenant_id = std::string(tenant_id);
    u.user_id = std::string(user_id);
    u.created_at = now;
  }
  auto apply = [&](std::optional<std::string>& field, const std::optional<std::optional<std::string>>& change) {
    if (!change) return;
    if (p.only_if_empty && field) return;
    field = *change;
  };
  apply(u.email, p.email);
  apply(u.phone_number, p.phone_number);
  apply(u.username, p.username);
  apply(u.display_name, p.display_name);
  apply(u.custom_json, p.custom_json);
  apply(u.locale, p.locale);
  if (p.email_verified) u.email_verified = *p.email_verified;
  if (p.phone_number_verified) u.phone_number_verified = *p.phone_number_verified;
  u.updated_at = now;
  auto s = c->prepare(
      "INSERT INTO users (tenant_id, user_id, email, email_verified, phone_number, phone_number_verified, username, "
      "display_name, custom_json, locale, user_handle, created_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, ?11, ?12) "
      "ON CONFLICT (tenant_id, user_id) DO UPDATE SET email = excluded.email, email_verified = excluded.email_verified, "
      "phone_number = excluded.phone_number, phone_number_verified = excluded.phone_number_verified, "
      "username = excluded.username, display_name = excluded.display_name, custom_json = excluded.custom_json, "
      "locale = excluded.locale, updated_at = excluded.updated_at");
  s.bind(1, tenant_id).bind(2, user_id).bind(3, u.email).bind(4, u.email_verified).bind(5, u.phone_number);
  s.bind(6, u.phone_number_verified).bind(7, u.username).bind(8, u.display_name).bind(9, u.custom_json);
  s.bind(10, u.locale).bind(11, u.created_at).bind(12, u.updated_at);
  s.run();
  tx.commit();
  return u;
}

core::user_handle sqlite_store::ensure_user_handle(std::string_view tenant_id, std::string_view user_id,
                                                   const core::user_handle& candidate, time_point now) {
  auto c = impl_->write_connection();
  touch_on_exit touch(impl_->user_actions, tenant_id, user_id);
  {
    auto s = c->prepare(
        "UPDATE users SET user_handle = ?3, updated_at = ?4 WHERE tenant_id = ?1 AND user_id = ?2 AND "
        "user_handle IS NULL");
    s.bind(1, tenant_id).bind(2, user_id).bind(3, candidate.view()).bind(4, now);
    s.run();
  }
  auto s = c->prepare("SELECT user_handle FROM users WHERE tenant_id = ?1 AND user_id = ?2");
  s.bind(1, tenant_id).bind(2, user_id);
  if (!s.step() || s.is_null(0)) throw store_error("sqlite: user vanished while setting its handle");
  return core::user_handle(s.blob(0));
}

bool sqlite_store::delete_user(std::string_view tenant_id, std::string_view user_id, time_point now) {
  auto c = impl_->write_connection();
  touch_on_exit touch(impl_->user_actions, tenant_id, user_id);
  touch_credentials_on_exit touch_credentials(impl_->user_actions, tenant_id, user_id);
  impl_->recent_challenges.erase_user(tenant_id, user_id);
  write_transaction tx(*c);
  {
    // The user's challenges are not deleted (challenges have no user index: migration 005) but
    // refused by every lookup from now on; the row lives until the last challenge that exists now
    // has expired (the table's last rid carries the latest expiry).
    auto s = c->prepare(
        "INSERT INTO user_deletions (tenant_id, user_id, deleted_us, until_ms) VALUES (?1, ?2, ?3, max(?4, "
        "coalesce((SELECT max(rid) FROM challenges), 0) >> 16)) ON CONFLICT (tenant_id, user_id) DO UPDATE SET "
        "deleted_us = max(deleted_us, excluded.deleted_us), until_ms = max(until_ms, excluded.until_ms)");
    s.bind(1, tenant_id).bind(2, user_id).bind_us(3, now).bind(4, now);
    s.run();
  }
  bool existed = false;
  {
    auto s = c->prepare("DELETE FROM users WHERE tenant_id = ?1 AND user_id = ?2");
    s.bind(1, tenant_id).bind(2, user_id);
    s.run();
    existed = s.changes() > 0;
  }
  for (const char* sql : {"DELETE FROM authenticators WHERE tenant_id = ?1 AND user_id = ?2",
                          "DELETE FROM actions WHERE tenant_id = ?1 AND user_id = ?2"}) {
    auto s = c->prepare(sql);
    s.bind(1, tenant_id).bind(2, user_id);
    s.run();
  }
  tx.commit();
  return existed;
}

std::vector<user> sqlite_store::query_users(std::string_view tenant_id, const user_query& q) {
  auto c = impl_->read_connection();
  static const std::string sql =
      "SELECT " + std::string(k_user_cols) +
      " FROM users WHERE tenant_id = ?1 AND (?2 IS NULL OR username = ?2) AND (?3 IS NULL OR email = ?3) AND "
      "(?4 IS NULL OR phone_number = ?4) AND (?5 IS NULL OR user_id = ?5) AND (?6 IS NULL OR user_id > ?6) "
      "ORDER BY user_id LIMIT ?7";
  auto s = c->prepare(sql);
  s.bind(1, tenant_id).bind(2, q.username).bind(3, q.email).bind(4, q.phone_number).bind(5, q.user_id);
  s.bind(6, q.after_user_id).bind(7, static_cast<std::int64_t>(q.limit));
  std::vector<user> out;
  while (s.step()) out.push_back(read_user(s));
  return out;
}

// ---- actions ----

bool sqlite_store::create_action(const action& a) {
  auto c = impl_->write_connection();
  // Touched after the write (a pending action, with no user, is in no cached entry).
  std::optional<touch_on_exit> touch;
  if (a.user_id) touch.emplace(impl_->user_actions, a.tenant_id, *a.user_id);
  return insert_action_on(*c, a);
}

std::optional<action> sqlite_store::find_action(std::string_view tenant_id, std::string_view user_id,
                                                std::string_view action_code, std::string_view idempotency_key) {
  auto c = impl_->read_connection();
  return find_action_on(*c, tenant_id, user_id, action_code, idempotency_key);
}

bool sqlite_store::update_action_state(std::string_view tenant_id, std::string_view user_id,
                                       std::string_view action_code, std::string_view idempotency_key,
                                       std::string_view state, time_point now) {
  auto c = impl_->write_connection();
  touch_on_exit touch(impl_->user_actions, tenant_id, user_id);
  auto s = c->prepare(
      "UPDATE actions SET state = ?5, state_updated_at = ?6, updated_at = ?6 WHERE tenant_id = ?1 AND user_id = ?2 "
      "AND action_code = ?3 AND idempotency_key = ?4");
  s.bind(1, tenant_id).bind(2, user_id).bind(3, action_code).bind(4, idempotency_key).bind(5, state).bind(6, now);
  s.run();
  return s.changes() > 0;
}

std::optional<action> sqlite_store::find_pending_action(std::string_view tenant_id, std::string_view action_code,
                                                        std::string_view idempotency_key) {
  auto c = impl_->read_connection();
  static const std::string sql = "SELECT " + std::string(k_action_cols) +
                                 " FROM actions WHERE tenant_id = ?1 AND user_id IS NULL AND action_code = ?2 AND "
                                 "idempotency_key = ?3";
  auto s = c->prepare(sql);
  s.bind(1, tenant_id).bind(2, action_code).bind(3, idempotency_key);
  if (!s.step()) return std::nullopt;
  return read_action(s);
}

std::vector<action> sqlite_store::query_actions(std::string_view tenant_id, std::string_view user_id,
                                                const action_query& q) {
  auto c = impl_->read_connection();
  // The code filter is one bound parameter (",a,b,"), so the statement stays cacheable and LIMIT
  // applies after filtering. Action codes match ^[a-zA-Z0-9_-]+$, so they never contain a comma.
  static const std::string sql = "SELECT " + std::string(k_action_cols) +
                                 " FROM actions WHERE tenant_id = ?1 AND user_id = ?2 AND created_at >= ?3 AND "
                                 "(?4 IS NULL OR state = ?4) AND (?6 IS NULL OR instr(?6, ',' || action_code || ',') > 0) "
                                 "ORDER BY created_at DESC, id DESC LIMIT ?5";
  std::optional<std::string> codes;
  if (!q.codes.empty()) {
    std::string list = ",";
    for (const auto& code : q.codes) {
      if (code.find(',') != std::string::npos) continue;  // cannot be a stored code
      list += code + ",";
    }
    codes = std::move(list);
  }
  auto s = c->prepare(sql);
  s.bind(1, tenant_id).bind(2, user_id).bind(3, q.from).bind(4, q.state);
  s.bind(5, static_cast<std::int64_t>(q.limit)).bind(6, codes);
  std::vector<action> out;
  while (s.step()) out.push_back(read_action(s));
  return out;
}

// ---- challenges ----

namespace {

/// Inserts one challenge on the writer's connection, in the caller's transaction or on its own
/// (autocommit). False when it is not stored because its user was deleted after it was created.
bool insert_challenge_on(connection& c, std::uint32_t& sequence, const challenge& ch) {
  // rid = (expires_at in ms << 16) | a sequence number: the table stays in expiry order (migration
  // 002). A clash with a row of the same millisecond and sequence (another process, a restart) is
  // skipped by OR IGNORE and retried with the next number; so is a clash on the id of a challenge
  // kept in the id index (then, after the retries, it is an error). A challenge found by its expiry
  // (migration 003) has no index entry: its id's 74 random bits are what keep it unique.
  static const std::string sql =
      "INSERT OR IGNORE INTO challenges (rid, id, tenant_id, type, value, user_id, action_code, idempotency_key, "
      "options_json, created_at, expires_at, addressed) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12 "
      "WHERE NOT EXISTS (SELECT 1 FROM user_deletions WHERE tenant_id = ?3 AND user_id = ?6 AND deleted_us >= ?10)";
  // A challenge created before its user's deletion committed (the request raced the deletion) is
  // dead on arrival: not stored, as if it had been stored just before and deleted with the user.
  static const std::string dead =
      "SELECT 1 FROM user_deletions WHERE tenant_id = ?1 AND user_id = ?2 AND deleted_us >= ?3";
  const std::int64_t base = expiry_key(ch.expires_at);
  // Found by its expiry's range (no index entry) only when both its id and its bytes carry it.
  const std::int64_t ms = base >> 16;
  const bool addressed = challenge_address::of_id(ch.id) == ms && challenge_address::of_value(ch.value) == ms;
  for (int attempt = 0; attempt < 16; ++attempt) {
    auto s = c.prepare(sql);
    s.bind(1, base | static_cast<std::int64_t>(sequence++ & 0xFFFFu));
    s.bind(2, ch.id).bind(3, ch.tenant_id).bind(4, ch.type).bind(5, core::byte_view(ch.value)).bind(6, ch.user_id);
    s.bind(7, ch.action_code).bind(8, ch.idempotency_key).bind(9, ch.options_json).bind_us(10, ch.created_at);
    s.bind(11, ch.expires_at).bind(12, std::int64_t{addressed ? 1 : 0});
    s.run();
    if (s.changes() > 0) return true;
    if (ch.user_id && attempt == 0) {  // not stored: a clash, or its user's deletion
      auto d = c.prepare(dead);
      d.bind(1, ch.tenant_id).bind(2, *ch.user_id).bind_us(3, ch.created_at);
      if (d.step()) return false;
    }
  }
  throw store_error("sqlite: the challenge could not be stored (its id already exists)");
}

}  // namespace

void sqlite_store::create_challenge(const challenge& ch) {
  // Serving a request that can wait (group_commit.hpp): queued, and committed with the others that
  // arrived together, after the handler returns and before the response leaves.
  if (const auto* post = group_commit::deferrable()) {
    std::shared_ptr<group_commit::batch> b;
    bool schedule = false;
    {
      std::lock_guard lk(impl_->pending_mu);
      impl_->pending.push_back(ch);
      if (!impl_->pending_batch) {
        impl_->pending_batch = std::make_shared<group_commit::batch>();
        schedule = true;
      }
      b = impl_->pending_batch;
    }
    group_commit::note(std::move(b));
    if (schedule) (*post)([this] { commit_pending_challenges(); });
    return;
  }
  auto c = impl_->write_connection(writer_mutex::hold::brief);  // one challenge row: a brief hold
  if (insert_challenge_on(*c, impl_->challenge_sequence, ch))
    impl_->recent_challenges.put(ch);  // committed (autocommit), the writer still held
}

void sqlite_store::commit_pending_challenges() {
  std::vector<challenge> items;
  std::shared_ptr<group_commit::batch> b;
  {
    std::lock_guard lk(impl_->pending_mu);
    items.swap(impl_->pending);
    b = std::move(impl_->pending_batch);  // the next queued challenge starts a new batch
  }
  if (!b) return;
  bool ok = true;
  try {
    auto c = impl_->write_connection(writer_mutex::hold::brief);  // a few challenge rows
    std::vector<challenge*> stored;
    stored.reserve(items.size());
    {
      write_transaction tx(*c);
      for (auto& ch : items)
        if (insert_challenge_on(*c, impl_->challenge_sequence, ch)) stored.push_back(&ch);
      tx.commit();
    }
    for (auto* ch : stored) impl_->recent_challenges.put(std::move(*ch));  // committed, the writer still held
  } catch (...) {
    ok = false;  // rolled back: every request of the batch is answered with an error
  }
  b->finish(ok);
}

std::optional<challenge> sqlite_store::take_challenge(std::string_view tenant_id, std::string_view challenge_id,
                                                      time_point now) {
  auto c = impl_->write_connection(writer_mutex::hold::brief);  // one challenge row: a brief hold
  // DELETE … RETURNING is one atomic statement: of concurrent callers exactly one sees the row.
  static const std::string sql =
      "DELETE FROM challenges WHERE rid = " + std::string(k_rid_by_id) + " RETURNING " + std::string(k_challenge_cols);
  impl_->recent_challenges.erase(tenant_id, challenge_id);
  auto s = c->prepare(sql);
  s.bind(1, challenge_id).bind(2, tenant_id);
  bind_id_range(s, challenge_id);
  if (!s.step()) return std::nullopt;
  challenge ch = read_challenge(s);
  s.run();  // finish the statement so the delete commits
  if (ch.expires_at <= now) return std::nullopt;
  return ch;
}

std::optional<challenge> sqlite_store::take_challenge_of_type(std::string_view tenant_id,
                                                              std::string_view challenge_id, std::string_view type,
                                                              time_point now) {
  auto c = impl_->write_connection(writer_mutex::hold::brief);  // one challenge row: a brief hold
  static const std::string sql = "DELETE FROM challenges WHERE rid = " + std::string(k_rid_by_id) +
                                 " AND type = ?3 RETURNING " + std::string(k_challenge_cols);
  impl_->recent_challenges.erase(tenant_id, challenge_id);
  auto s = c->prepare(sql);
  s.bind(1, challenge_id).bind(2, tenant_id).bind(3, type);
  bind_id_range(s, challenge_id);
  if (!s.step()) return std::nullopt;
  challenge ch = read_challenge(s);
  s.run();
  if (ch.expires_at <= now) return std::nullopt;
  return ch;
}

std::optional<challenge> sqlite_store::take_challenge_by_value(std::string_view tenant_id, std::string_view type,
                                                               core::byte_view value, time_point now) {
  auto c = impl_->write_connection(writer_mutex::hold::brief);  // one challenge row: a brief hold
  static const std::string sql =
      "DELETE FROM challenges WHERE rid = " + std::string(k_rid_by_value) + " RETURNING " +
      std::string(k_challenge_cols);
  auto s = c->prepare(sql);
  s.bind(1, tenant_id).bind(2, value).bind(3, type);
  bind_range(s, range_of(challenge_address::of_value(value)));
  if (!s.step()) return std::nullopt;
  challenge ch = read_challenge(s);
  s.run();
  impl_->recent_challenges.erase(tenant_id, ch.id);  // known only now; the take has not returned yet
  if (ch.expires_at <= now) return std::nullopt;
  return ch;
}

std::optional<challenge> sqlite_store::take_challenge_if(std::string_view tenant_id, std::string_view challenge_id,
                                                         time_point now,
                                                         const std::function<bool(const challenge&)>& accept) {
  auto c = impl_->write_connection(writer_mutex::hold::brief);  // one challenge row: a brief hold
  impl_->recent_challenges.erase(tenant_id, challenge_id);  // a refused one is read from the database again
  write_transaction tx(*c);  // a refused challenge is put back by the rollback: nothing is written
  std::optional<challenge> ch;
  {
    static const std::string sql = "DELETE FROM challenges WHERE rid = " + std::string(k_rid_by_id) +
                                   " RETURNING " + std::string(k_challenge_cols);
    auto s = c->prepare(sql);
    s.bind(1, challenge_id).bind(2, tenant_id);
    bind_id_range(s, challenge_id);
    if (!s.step()) return std::nullopt;
    ch = read_challenge(s);
    s.run();
  }
  const bool expired = ch->expires_at <= now;
  if (!expired && !accept(*ch)) return std::nullopt;
  tx.commit();
  if (expired) return std::nullopt;  // removed, never returned
  return ch;
}

std::optional<challenge> sqlite_store::peek_challenge(std::string_view tenant_id, std::string_view challenge_id,
                                                      time_point now) {
  if (auto hit = impl_->recent_challenges.get(tenant_id, challenge_id)) {
    if (hit->expires_at <= now) return std::nullopt;
    return hit;
  }
  auto c = impl_->read_connection();
  static const std::string sql =
      "SELECT " + std::string(k_challenge_cols) + " FROM challenges WHERE rid = " + std::string(k_rid_by_id);
  auto s = c->prepare(sql);
  s.bind(1, challenge_id).bind(2, tenant_id);
  bind_id_range(s, challenge_id);
  if (!s.step()) return std::nullopt;
  challenge ch = read_challenge(s);
  if (ch.expires_at <= now) return std::nullopt;
  return ch;
}

std::size_t sqlite_store::reap_expired_challenges(time_point now) {
  auto c = impl_->write_connection();
  // expires_at <= now  ⇔  expires_at < now + 1 ms  ⇔  rid < expiry_key(now + 1 ms): a range at the
  // start of the table, no index needed.
  impl_->recent_challenges.erase_expired(now);
  auto s = c->prepare("DELETE FROM challenges WHERE rid < ?1");
  s.bind(1, expiry_key(now + std::chrono::milliseconds(1)));
  s.run();
  const auto reaped = static_cast<std::size_t>(s.changes());
  // A user's deletion is kept while a challenge it refuses may be unexpired (delete_user).
  auto d = c->prepare("DELETE FROM user_deletions WHERE until_ms <= ?1");
  d.bind(1, now);
  d.run();
  return reaped;
}

// ---- authenticators ----

std::vector<authenticator> sqlite_store::list_authenticators(std::string_view tenant_id, std::string_view user_id) {
  auto c = impl_->read_connection();
  static const std::string sql = "SELECT " + std::string(k_auth_cols) +
                                 " FROM authenticators WHERE tenant_id = ?1 AND user_id = ?2 ORDER BY created_at, id";
  auto s = c->prepare(sql);
  s.bind(1, tenant_id).bind(2, user_id);
  std::vector<authenticator> out;
  while (s.step()) out.push_back(read_authenticator(s));
  return out;
}

constexpr const char* k_list_credentials =
    "SELECT verification_method, credential_id, transports, payment_capable, instrument_display_name, created_at, id "
    "FROM authenticators WHERE tenant_id = ?1 AND user_id = ?2 ORDER BY id";

std::vector<credential_ref> sqlite_store::list_credentials(std::string_view tenant_id, std::string_view user_id) {
  auto ticket = impl_->user_actions.begin_credentials(tenant_id, user_id);
  if (auto hit = impl_->user_actions.get_credentials(ticket)) return std::move(*hit);
  auto c = impl_->read_connection();
  // list_authenticators' order (created_at, id) without a sorter for every call: the user index
  // (tenant, user, id) gives the id order, a stable sort here the creation order.
  auto s = c->prepare(k_list_credentials);
  s.bind(1, tenant_id).bind(2, user_id);
  user_action_cache::credential_list rows;
  while (s.step()) {
    user_action_cache::listed_credential r;
    r.ref.verification_method = s.text(0);
    r.ref.credential_id = core::credential_id(s.blob(1));
    r.ref.transports = split_lines(s.text(2));
    r.ref.payment_capable = s.integer(3) != 0;
    r.ref.instrument_display_name = s.opt_text(4);
    r.created_ms = s.integer(5);
    r.id = s.text(6);
    rows.push_back(std::move(r));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.created_ms < b.created_ms; });
  std::vector<credential_ref> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(r.ref);
  // Kept (up to 64 credentials) until a write adds or removes one of the user's authenticators; a
  // registration adds its credential to the kept list (credential_append).
  impl_->user_actions.put_credentials(std::move(ticket), rows);
  return out;
}

bool sqlite_store::has_authenticator(std::string_view tenant_id, std::string_view user_id) {
  auto c = impl_->read_connection();
  auto s = c->prepare("SELECT 1 FROM authenticators WHERE tenant_id = ?1 AND user_id = ?2 LIMIT 1");
  s.bind(1, tenant_id).bind(2, user_id);
  return s.step();
}

std::optional<authenticator> sqlite_store::find_authenticator(std::string_view tenant_id, std::string_view user_id,
                                                              std::string_view authenticator_id) {
  auto c = impl_->read_connection();
  static const std::string sql = "SELECT " + std::string(k_auth_cols) +
                                 " FROM authenticators WHERE tenant_id = ?1 AND user_id = ?2 AND id = ?3";
  auto s = c->prepare(sql);
  s.bind(1, tenant_id).bind(2, user_id).bind(3, authenticator_id);
  if (!s.step()) return std::nullopt;
  return read_authenticator(s);
}

std::optional<authenticator> sqlite_store::find_authenticator_by_credential(std::string_view tenant_id,
                                                                            const core::credential_id& id) {
  auto c = impl_->read_connection();
  static const std::string sql =
      "SELECT " + std::string(k_auth_cols) + " FROM authenticators WHERE tenant_id = ?1 AND credential_id = ?2";
  auto s = c->prepare(sql);
  s.bind(1, tenant_id).bind(2, id.view());
  if (!s.step()) return std::nullopt;
  return read_authenticator(s);
}

bool sqlite_store::register_authenticator(const authenticator& a, const action_ref& action,
                                          const action_completion& completion, bool* first,
                                          const std::optional<std::string>& consume_challenge_id) {
  auto c = impl_->write_connection();
  completion_rewrite rewrite(impl_->user_actions, a.tenant_id, action);
  credential_append append(impl_->user_actions, a);
  touch_on_exit touch_user(impl_->user_actions, a.tenant_id, a.user_id);
  touch_on_exit touch_action(impl_->user_actions, a.tenant_id, action.user_id ? *action.user_id : completion.user_id);
  touch_credentials_on_exit touch_credentials(impl_->user_actions, a.tenant_id, a.user_id);
  if (consume_challenge_id) impl_->recent_challenges.erase(a.tenant_id, *consume_challenge_id);
  write_transaction tx(*c);
  if (consume_challenge_id && !consume_challenge_on(*c, a.tenant_id, *consume_challenge_id)) return false;
  {
    auto s = c->prepare("SELECT 1 FROM authenticators WHERE tenant_id = ?1 AND credential_id = ?2");
    s.bind(1, a.tenant_id).bind(2, a.credential_id.view());
    if (s.step()) return false;
  }
  if (first) {
    auto s = c->prepare("SELECT 1 FROM authenticators WHERE tenant_id = ?1 AND user_id = ?2 LIMIT 1");
    s.bind(1, a.tenant_id).bind(2, a.user_id);
    *first = !s.step();
  }
  {
    static const std::string sql = "INSERT INTO authenticators (" + std::string(k_auth_cols) +
                                   ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
                                   "?17, ?18, ?19, ?20, ?21, ?22, ?23)";
    auto s = c->prepare(sql);
    s.bind(1, a.id).bind(2, a.tenant_id).bind(3, a.user_id).bind(4, a.verification_method);
    s.bind(5, a.credential_id.view()).bind(6, core::byte_view(a.public_key_cose)).bind(7, std::int64_t{a.alg});
    s.bind(8, std::int64_t{a.sign_count}).bind(9, join_lines(a.transports)).bind(10, a.aaguid);
    s.bind(11, a.backup_eligible).bind(12, a.backup_state).bind(13, a.user_verified);
    s.bind(14, a.authenticator_attachment).bind(15, a.device_id).bind(16, a.user_agent).bind(17, a.username);
    s.bind(18, a.display_name).bind(19, a.payment_capable).bind(20, a.instrument_display_name);
    s.bind(21, a.created_at).bind(22, a.verified_at).bind(23, a.last_verified_at);
    s.run();
  }
  {
    auto s = c->prepare(
        "UPDATE users SET username = COALESCE(username, ?3), display_name = COALESCE(display_name, ?4), "
        "updated_at = ?5 WHERE tenant_id = ?1 AND user_id = ?2 AND ((username IS NULL AND ?3 IS NOT NULL) OR "
        "(display_name IS NULL AND ?4 IS NOT NULL))");  // untouched (no write) when there is nothing to fill
    s.bind(1, a.tenant_id).bind(2, a.user_id).bind(3, a.username).bind(4, a.display_name).bind(5, a.created_at);
    s.run();
  }
  if (!complete_action_on(*c, a.tenant_id, action, completion)) return false;
  tx.commit();
  rewrite.committed(completion, &a);
  append.committed(a);
  return true;
}

bool sqlite_store::record_sign_in(std::string_view tenant_id, const sign_in_update& u, const action_ref& action,
                                  const action_completion& completion) {
  auto c = impl_->write_connection();
  completion_rewrite rewrite(impl_->user_actions, tenant_id, action);
  touch_on_exit touch_user(impl_->user_actions, tenant_id, completion.user_id);
  touch_on_exit touch_action(impl_->user_actions, tenant_id, action.user_id ? *action.user_id : completion.user_id);
  if (u.consume_challenge_id) impl_->recent_challenges.erase(tenant_id, *u.consume_challenge_id);
  write_transaction tx(*c);
  if (u.consume_challenge_id && !consume_challenge_on(*c, tenant_id, *u.consume_challenge_id)) return false;
  {
    auto s = c->prepare(
        "UPDATE authenticators SET sign_count = ?4, backup_state = ?5, user_verified = ?6, last_verified_at = ?7 "
        "WHERE tenant_id = ?1 AND user_id = ?8 AND id = ?2 AND sign_count = ?3");
    s.bind(1, tenant_id).bind(2, u.authenticator_id).bind(3, std::int64_t{u.expected_sign_count});
    s.bind(4, std::int64_t{u.new_sign_count}).bind(5, u.backup_state).bind(6, u.user_verified);
    s.bind(7, completion.now).bind(8, completion.user_id);
    s.run();
    if (s.changes() == 0) return false;
  }
  if (action.create && !insert_action_on(*c, *action.create)) return false;
  if (!complete_action_on(*c, tenant_id, action, completion)) return false;
  tx.commit();
  rewrite.committed(completion);
  return true;
}

bool sqlite_store::delete_authenticator(std::string_view tenant_id, std::string_view user_id,
                                        std::string_view authenticator_id) {
  auto c = impl_->write_connection();
  touch_credentials_on_exit touch(impl_->user_actions, tenant_id, user_id);
  auto s = c->prepare("DELETE FROM authenticators WHERE tenant_id = ?1 AND user_id = ?2 AND id = ?3");
  s.bind(1, tenant_id).bind(2, user_id).bind(3, authenticator_id);
  s.run();
  return s.changes() > 0;
}

std::string list_credentials_sql_for_tests() { return k_list_credentials; }

std::vector<std::string> challenge_lookups_for_tests() {
  return {"SELECT rid FROM challenges WHERE rid = " + std::string(k_rid_by_id),
          "SELECT rid FROM challenges WHERE rid = " + std::string(k_rid_by_value)};
}

}  // namespace signet::store::sqlite
