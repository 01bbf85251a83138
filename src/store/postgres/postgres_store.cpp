#include "signet/store/postgres/postgres_store.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "signet/store/migration.hpp"
#include "signet/store/sql_columns.hpp"

#include "connection.hpp"
#include "rows.hpp"
#include "store_impl.hpp"

namespace signet::store::postgres {
const std::vector<migration>& migrations();  // generated from migrations/*.sql
}

namespace signet::store::postgres {
namespace {

// The advisory lock that serialises migrations across nodes ("SIGNET" then 1). Taken with
// pg_advisory_xact_lock inside the migration transaction, so it is released by COMMIT/ROLLBACK and
// by the server if the node dies half-way.
constexpr std::int64_t k_migration_lock = 0x5349474e45540001;

std::array<core::byte, 32> key_hash(std::string_view secret) {
  std::array<core::byte, 32> h{};
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), h.data());
  return h;
}

// ---- connection parameters ----

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

/// Removes `password_file=…` from a URI's query string (libpq does not know it) and returns its value.
std::optional<std::string> take_password_file_param(std::string& url) {
  if (url.rfind("postgresql://", 0) != 0 && url.rfind("postgres://", 0) != 0) return std::nullopt;
  const auto q = url.find('?');
  if (q == std::string::npos) return std::nullopt;
  std::optional<std::string> found;
  std::string kept;
  std::string_view rest = std::string_view(url).substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view part = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (part.rfind("password_file=", 0) == 0) {
      found = percent_decode(part.substr(14));
    } else if (!part.empty()) {
      if (!kept.empty()) kept.push_back('&');
      kept += part;
    }
  }
  url = url.substr(0, q) + (kept.empty() ? "" : "?" + kept);
  return found;
}

std::string read_password_file(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) throw store_error("postgres: cannot read the password file " + path);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  return line;
}

struct conn_params {
  std::vector<std::string> keywords;
  std::vector<std::string> values;
};

conn_params make_conn_params(const postgres_store::options& o) {
  std::string url = o.url;
  auto password_file = take_password_file_param(url);
  if (o.password_file) password_file = o.password_file;
  if (url.empty()) throw store_error("postgres: the database URL is empty");

  char* err = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &err);
  if (!parsed) {
    std::string msg = err ? err : "out of memory";
    if (err) PQfreemem(err);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    throw store_error("postgres: invalid database URL: " + msg);
  }
  bool has_password = false;
  for (auto* p = parsed; p->keyword; ++p)
    if (std::strcmp(p->keyword, "password") == 0 && p->val && *p->val) has_password = true;
  PQconninfoFree(parsed);
  if (has_password)
    throw store_error(
        "postgres: the database URL must not contain a password (command lines are visible to every local "
        "user); use PGPASSWORD, PGPASSFILE or password_file=/path");

  conn_params c;
  // Defaults first (keywords of the expanded URL override them), unless the environment sets them.
  if (!std::getenv("PGAPPNAME")) {
    c.keywords.emplace_back("application_name");
    c.values.emplace_back("signet");
  }
  if (!std::getenv("PGCONNECT_TIMEOUT")) {
    c.keywords.emplace_back("connect_timeout");
    c.values.emplace_back("10");
  }
  c.keywords.emplace_back("dbname");
  c.values.push_back(url);
  if (password_file) {
    c.keywords.emplace_back("password");
    c.values.push_back(read_password_file(*password_file));
  }
  return c;
}

void load_keys(connection& c, tenant& t) {
  auto r = c.run("SELECT secret FROM tenant_keys WHERE tenant_id = $1 ORDER BY position", params().add(t.id));
  for (int i = 0; i < r.rows(); ++i) t.secret_keys.push_back(r.text(i, 0));
}

std::optional<user> find_user_on(connection& c, std::string_view tenant_id, std::string_view user_id,
                                 bool for_update) {
  static const std::string plain =
      sql_of("SELECT ", k_user_cols, " FROM users WHERE tenant_id = $1 AND user_id = $2");
  static const std::string locked = plain + " FOR UPDATE";
  auto r = c.run(for_update ? locked : plain, params().add(tenant_id).add(user_id));
  if (r.rows() == 0) return std::nullopt;
  return read_user(r, 0);
}

void migrate(connection& c) {
  transaction tx(c);
  c.run("SELECT pg_advisory_xact_lock($1)", params().add(k_migration_lock));
  // Checked first so that a runtime role without CREATE on the schema can start once an owner role
  // has migrated (CREATE TABLE IF NOT EXISTS would still demand the privilege).
  if (!c.run("SELECT to_regclass('schema_migrations') IS NOT NULL").boolean(0, 0))
    c.exec(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at BIGINT NOT NULL)");
  const auto current = c.run("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").integer(0, 0);
  for (const auto& m : migrations()) {
    if (m.version <= current) continue;
    c.exec(std::string(m.sql).c_str());
    c.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
          params().add(std::int64_t{m.version}).add(m.name).add(std::chrono::system_clock::now()));
  }
  tx.commit();
}

}  // namespace

postgres_store::postgres_store(const options& opts)
    : impl_([&] {
        auto p = make_conn_params(opts);
        return std::make_unique<impl>(std::move(p.keywords), std::move(p.values), opts.pool_size);
      }()) {
  auto c = impl_->connections.acquire();
  migrate(*c);
}

postgres_store::~postgres_store() = default;

int postgres_store::schema_version() {
  auto c = impl_->connections.acquire();
  return static_cast<int>(c->run("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").integer(0, 0));
}

// ---- tenants ----

bool postgres_store::create_tenant(const tenant& t) {
  auto c = impl_->connections.acquire();
  transaction tx(*c);
  {
    static const std::string sql =
        sql_of("INSERT INTO tenants (", k_tenant_cols,
               ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING");
    params p;
    p.add(t.id).add(t.name).add(t.rp_id).add(t.rp_name).add(join_lines(t.expected_origins));
    p.add(join_lines(t.cors_origins)).add(t.user_verification).add(t.default_action_outcome);
    p.add(t.default_passkey_action).add(t.token_ttl_seconds).add(t.challenge_ttl_seconds).add(t.created_at);
    if (c->run(sql, p).affected() == 0) return false;
  }
  std::int64_t pos = 0;
  for (const auto& k : t.secret_keys) {
    const auto h = key_hash(k);
    c->run("INSERT INTO tenant_keys (tenant_id, position, key_hash, secret, created_at) VALUES ($1, $2, $3, $4, $5)",
           params().add(t.id).add(pos++).add(core::byte_view(h)).add(k).add(t.created_at));
  }
  tx.commit();
  return true;
}

std::optional<tenant> postgres_store::find_tenant(std::string_view tenant_id) {
  auto c = impl_->connections.acquire();
  static const std::string sql = sql_of("SELECT ", k_tenant_cols, " FROM tenants WHERE id = $1");
  auto r = c->run(sql, params().add(tenant_id));
  if (r.rows() == 0) return std::nullopt;
  auto t = read_tenant(r, 0);
  load_keys(*c, t);
  return t;
}

std::optional<tenant> postgres_store::find_tenant_by_secret_key(std::string_view secret_key) {
  std::string tenant_id;
  {
    auto c = impl_->connections.acquire();
    const auto h = key_hash(secret_key);
    auto r = c->run("SELECT tenant_id, secret FROM tenant_keys WHERE key_hash = $1", params().add(core::byte_view(h)));
    if (r.rows() == 0) return std::nullopt;
    const std::string stored = r.text(0, 1);
    if (stored.size() != secret_key.size() || CRYPTO_memcmp(stored.data(), secret_key.data(), stored.size()) != 0)
      return std::nullopt;
    tenant_id = r.text(0, 0);
  }
  return find_tenant(tenant_id);
}

std::vector<tenant> postgres_store::list_tenants() {
  auto c = impl_->connections.acquire();
  static const std::string sql = sql_of("SELECT ", k_tenant_cols, " FROM tenants ORDER BY created_at, id");
  std::vector<tenant> out;
  auto r = c->run(sql);
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_tenant(r, i));
  std::map<std::string, std::vector<std::string>, std::less<>> keys;
  auto k = c->run("SELECT tenant_id, secret FROM tenant_keys ORDER BY tenant_id, position");
  for (int i = 0; i < k.rows(); ++i) keys[k.text(i, 0)].push_back(k.text(i, 1));
  for (auto& t : out)
    if (auto it = keys.find(t.id); it != keys.end()) t.secret_keys = it->second;
  return out;
}

// ---- users ----

std::optional<user> postgres_store::find_user(std::string_view tenant_id, std::string_view user_id) {
  auto c = impl_->connections.acquire();
  return find_user_on(*c, tenant_id, user_id, false);
}

std::optional<user_with_action> postgres_store::find_user_with_action(std::string_view tenant_id,
                                                                     std::string_view user_id,
                                                                     std::string_view action_code,
                                                                     std::string_view idempotency_key) {
  auto c = impl_->connections.acquire();
  // One statement, one snapshot: the user's columns, then the action's (NULL when there is none).
  static const std::string sql =
      "SELECT " + prefixed_columns("u.", k_user_cols) + ", " + prefixed_columns("a.", k_action_cols) +
      " FROM users u LEFT JOIN actions a ON a.tenant_id = u.tenant_id AND a.user_id = u.user_id AND "
      "a.action_code = $3 AND a.idempotency_key = $4 WHERE u.tenant_id = $1 AND u.user_id = $2";
  auto r = c->run(sql, params().add(tenant_id).add(user_id).add(action_code).add(idempotency_key));
  if (r.rows() == 0) return std::nullopt;
  user_with_action out{read_user(r, 0), std::nullopt};
  constexpr int k_user_columns = 13;
  if (!r.is_null(0, k_user_columns)) out.action = read_action(r, 0, k_user_columns);
  return out;
}

user postgres_store::upsert_user(std::string_view tenant_id, std::string_view user_id, const user_patch& p,
                                 time_point now) {
  auto c = impl_->connections.acquire();
  transaction tx(*c);
  // Create-if-missing first, then lock the row: concurrent upserts of one user apply one after the
  // other, each to the state the previous one left (only_if_empty stays exact under races).
  c->run(
      "INSERT INTO users (tenant_id, user_id, created_at, updated_at) VALUES ($1, $2, $3, $3) "
      "ON CONFLICT (tenant_id, user_id) DO NOTHING",
      params().add(tenant_id).add(user_id).add(now));
  auto existing = find_user_on(*c, tenant_id, user_id, true);
  if (!existing) throw store_error("postgres: user vanished during upsert");
  user u = std::move(*existing);
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
  params q;
  q.add(tenant_id).add(user_id).add(u.email).add(u.email_verified).add(u.phone_number).add(u.phone_number_verified);
  q.add(u.username).add(u.display_name).add(u.custom_json).add(u.locale).add(u.updated_at);
  c->run(
      "UPDATE users SET email = $3, email_verified = $4, phone_number = $5, phone_number_verified = $6, "
      "username = $7, display_name = $8, custom_json = $9, locale = $10, updated_at = $11 "
      "WHERE tenant_id = $1 AND user_id = $2",
      q);
  tx.commit();
  return u;
}

core::user_handle postgres_store::ensure_user_handle(std::string_view tenant_id, std::string_view user_id,
                                                     const core::user_handle& candidate, time_point now) {
  auto c = impl_->connections.acquire();
  // One statement: sets the handle only if none is stored; a racing caller waits for the row lock,
  // re-checks `user_handle IS NULL`, updates nothing and reads the winner's handle below.
  c->run(
      "UPDATE users SET user_handle = $3, updated_at = $4 WHERE tenant_id = $1 AND user_id = $2 AND "
      "user_handle IS NULL",
      params().add(tenant_id).add(user_id).add(candidate.view()).add(now));
  auto r = c->run("SELECT user_handle FROM users WHERE tenant_id = $1 AND user_id = $2",
                  params().add(tenant_id).add(user_id));
  if (r.rows() == 0 || r.is_null(0, 0)) throw store_error("postgres: user vanished while setting its handle");
  return core::user_handle(r.blob(0, 0));
}

bool postgres_store::delete_user(std::string_view tenant_id, std::string_view user_id, time_point) {
  auto c = impl_->connections.acquire();
  transaction tx(*c);
  const bool existed = c->run("DELETE FROM users WHERE tenant_id = $1 AND user_id = $2",
                              params().add(tenant_id).add(user_id))
                           .affected() > 0;
  for (const char* sql : {"DELETE FROM authenticators WHERE tenant_id = $1 AND user_id = $2",
                          "DELETE FROM actions WHERE tenant_id = $1 AND user_id = $2",
                          "DELETE FROM challenges WHERE tenant_id = $1 AND user_id = $2"})
    c->run(sql, params().add(tenant_id).add(user_id));
  tx.commit();
  return existed;
}

std::vector<user> postgres_store::query_users(std::string_view tenant_id, const user_query& q) {
  auto c = impl_->connections.acquire();
  static const std::string sql = sql_of(
      "SELECT ", k_user_cols,
      " FROM users WHERE tenant_id = $1 AND ($2::text IS NULL OR username = $2) AND ($3::text IS NULL OR email = $3) "
      "AND ($4::text IS NULL OR phone_number = $4) AND ($5::text IS NULL OR user_id = $5) "
      "AND ($6::text IS NULL OR user_id > $6) ORDER BY user_id LIMIT $7");
  params p;
  p.add(tenant_id).add(q.username).add(q.email).add(q.phone_number).add(q.user_id).add(q.after_user_id);
  p.add(static_cast<std::int64_t>(q.limit));
  auto r = c->run(sql, p);
  std::vector<user> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_user(r, i));
  return out;
}

// ---- actions ----

bool postgres_store::create_action(const action& a) {
  auto c = impl_->connections.acquire();
  return insert_action_on(*c, a);
}

std::optional<action> postgres_store::find_action(std::string_view tenant_id, std::string_view user_id,
                                                  std::string_view action_code, std::string_view idempotency_key) {
  auto c = impl_->connections.acquire();
  static const std::string sql =
      sql_of("SELECT ", k_action_cols,
             " FROM actions WHERE tenant_id = $1 AND user_id = $2 AND action_code = $3 AND idempotency_key = $4");
  auto r = c->run(sql, params().add(tenant_id).add(user_id).add(action_code).add(idempotency_key));
  if (r.rows() == 0) return std::nullopt;
  return read_action(r, 0);
}

bool postgres_store::update_action_state(std::string_view tenant_id, std::string_view user_id,
                                         std::string_view action_code, std::string_view idempotency_key,
                                         std::string_view state, time_point now) {
  auto c = impl_->connections.acquire();
  params p;
  p.add(tenant_id).add(user_id).add(action_code).add(idempotency_key).add(state).add(now);
  return c->run(
              "UPDATE actions SET state = $5, state_updated_at = $6, updated_at = $6 WHERE tenant_id = $1 AND "
              "user_id = $2 AND action_code = $3 AND idempotency_key = $4",
              p)
             .affected() > 0;
}

std::optional<action> postgres_store::find_pending_action(std::string_view tenant_id, std::string_view action_code,
                                                          std::string_view idempotency_key) {
  auto c = impl_->connections.acquire();
  static const std::string sql =
      sql_of("SELECT ", k_action_cols,
             " FROM actions WHERE tenant_id = $1 AND user_id IS NULL AND action_code = $2 AND idempotency_key = $3 "
             "ORDER BY id LIMIT 1");
  auto r = c->run(sql, params().add(tenant_id).add(action_code).add(idempotency_key));
  if (r.rows() == 0) return std::nullopt;
  return read_action(r, 0);
}

std::vector<action> postgres_store::query_actions(std::string_view tenant_id, std::string_view user_id,
                                                  const action_query& q) {
  auto c = impl_->connections.acquire();
  // The code filter travels as one newline-joined text (NULL: any code), split server-side.
  static const std::string sql =
      sql_of("SELECT ", k_action_cols,
             " FROM actions WHERE tenant_id = $1 AND user_id = $2 AND created_at >= $3 AND "
             "($4::text IS NULL OR state = $4) AND "
             "($5::text IS NULL OR action_code = ANY (string_to_array($5, E'\\n'))) "
             "ORDER BY created_at DESC, id DESC LIMIT $6");
  params p;
  p.add(tenant_id).add(user_id).add(q.from).add(q.state);
  if (q.codes.empty()) {
    p.add_null_text();
  } else {
    p.add(join_lines(q.codes));
  }
  p.add(static_cast<std::int64_t>(q.limit));
  auto r = c->run(sql, p);
  std::vector<action> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_action(r, i));
  return out;
}

}  // namespace signet::store::postgres
