// PostgreSQL backend of every store port, for several Signet nodes sharing one database.
//
// libpq underneath: a bounded pool of connections (one per concurrent caller; size it to the
// server's worker threads), statements prepared once per connection, a transaction around every
// multi-statement method, single-use challenges taken with one `DELETE … RETURNING`, sign counts
// written back by compare-and-set. Numbered migrations (src/store/postgres/migrations/NNN_*.sql,
// same numbers and meaning as SQLite's) are applied by the constructor in one transaction that
// first takes a transaction-scoped advisory lock, so nodes starting at once migrate one at a time
// and the others find the work done.
//
// Connection and credentials. `url` is a libpq connection URI (`postgresql://user@host:port/db`,
// optionally with libpq query parameters such as `?sslmode=verify-full`) or a key=value conninfo
// string. A password inside it is refused (store_error): the URL is usually given on the command
// line, where every local user can read it. The password comes instead from
//   * the environment: PGPASSWORD (read by libpq itself), or
//   * a file: PGPASSFILE / ~/.pgpass (read by libpq itself, mode 0600), or `options::password_file`,
//     or the URL query parameter `password_file=/path` (removed before the URL reaches libpq);
//     the file's first line is the password.
// Other libpq environment variables (PGSSLMODE, PGSSLROOTCERT, …) apply as usual.
//
// Failures. Infrastructure failures (cannot connect, lost connection, SQL error, constraint
// violation that no contract names) throw store::store_error with libpq's message (never the
// password). A pooled connection found broken is re-opened on its next use: the call that hit the
// loss fails, later calls use a fresh connection; a connection that the server closed while it was
// idle is noticed before use and replaced without failing the call.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "signet/store/ports.hpp"

namespace signet::store::postgres {

class postgres_store final : public tenant_store,
                             public user_store,
                             public action_store,
                             public challenge_store,
                             public authenticator_store {
 public:
  struct options {
    std::string url;            // libpq URI or conninfo, without a password
    std::size_t pool_size = 8;  // connections, opened on demand; callers beyond it wait
    std::optional<std::string> password_file;  // first line is the password (overrides the URL's)
  };
  /// Connects, then creates or migrates the schema. Throws store_error on failure.
  explicit postgres_store(const options& opts);
  ~postgres_store() override;
  postgres_store(const postgres_store&) = delete;
  postgres_store& operator=(const postgres_store&) = delete;

  /// Highest applied migration number.
  int schema_version();
  stores ports() { return {*this, *this, *this, *this, *this}; }

  // tenant_store
  bool create_tenant(const tenant& t) override;
  std::optional<tenant> find_tenant(std::string_view tenant_id) override;
  std::optional<tenant> find_tenant_by_secret_key(std::string_view secret_key) override;
  std::vector<tenant> list_tenants() override;
  // user_store
  std::optional<user> find_user(std::string_view tenant_id, std::string_view user_id) override;
  std::optional<user_with_action> find_user_with_action(std::string_view tenant_id, std::string_view user_id,
                                                        std::string_view action_code,
                                                        std::string_view idempotency_key) override;
  user upsert_user(std::string_view tenant_id, std::string_view user_id, const user_patch& patch,
                   time_point now) override;
  core::user_handle ensure_user_handle(std::string_view tenant_id, std::string_view user_id,
                                       const core::user_handle& candidate, time_point now) override;
  bool delete_user(std::string_view tenant_id, std::string_view user_id, time_point now) override;
  std::vector<user> query_users(std::string_view tenant_id, const user_query& q) override;
  // action_store
  bool create_action(const action& a) override;
  std::optional<action> find_action(std::string_view tenant_id, std::string_view user_id,
                                    std::string_view action_code, std::string_view idempotency_key) override;
  bool update_action_state(std::string_view tenant_id, std::string_view user_id, std::string_view action_code,
                           std::string_view idempotency_key, std::string_view state, time_point now) override;
  std::optional<action> find_pending_action(std::string_view tenant_id, std::string_view action_code,
                                            std::string_view idempotency_key) override;
  std::vector<action> query_actions(std::string_view tenant_id, std::string_view user_id,
                                    const action_query& q) override;
  // challenge_store
  void create_challenge(const challenge& c) override;
  std::optional<challenge> take_challenge(std::string_view tenant_id, std::string_view challenge_id,
                                          time_point now) override;
  std::optional<challenge> take_challenge_of_type(std::string_view tenant_id, std::string_view challenge_id,
                                                  std::string_view type, time_point now) override;
  std::optional<challenge> take_challenge_by_value(std::string_view tenant_id, std::string_view type,
                                                   core::byte_view value, time_point now) override;
  std::optional<challenge> take_challenge_if(std::string_view tenant_id, std::string_view challenge_id, time_point now,
                                             const std::function<bool(const challenge&)>& accept) override;
  std::optional<challenge> peek_challenge(std::string_view tenant_id, std::string_view challenge_id,
                                          time_point now) override;
  std::size_t reap_expired_challenges(time_point now) override;
  // authenticator_store
  std::vector<authenticator> list_authenticators(std::string_view tenant_id, std::string_view user_id) override;
  std::vector<credential_ref> list_credentials(std::string_view tenant_id, std::string_view user_id) override;
  bool has_authenticator(std::string_view tenant_id, std::string_view user_id) override;
  std::optional<authenticator> find_authenticator(std::string_view tenant_id, std::string_view user_id,
                                                  std::string_view authenticator_id) override;
  std::optional<authenticator> find_authenticator_by_credential(std::string_view tenant_id,
                                                                const core::credential_id& id) override;
  bool register_authenticator(const authenticator& a, const action_ref& action,
                              const action_completion& completion, bool* first = nullptr,
                              const std::optional<std::string>& consume_challenge_id = std::nullopt) override;
  bool record_sign_in(std::string_view tenant_id, const sign_in_update& update, const action_ref& action,
                      const action_completion& completion) override;
  bool delete_authenticator(std::string_view tenant_id, std::string_view user_id,
                            std::string_view authenticator_id) override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace signet::store::postgres
