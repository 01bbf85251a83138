// SQLite backend of every store port (the embedded default). WAL journal, one connection per
// concurrent caller from a bounded pool, prepared statements cached per connection, numbered
// migrations applied on open inside an IMMEDIATE transaction.
#pragma once

#include <memory>
#include <string>

#include "signet/store/ports.hpp"

namespace signet::store::sqlite {

class sqlite_store final : public tenant_store,
                           public user_store,
                           public action_store,
                           public challenge_store,
                           public authenticator_store {
 public:
  struct options {
    std::string path;           // file path; parent directory must exist
    std::size_t pool_size = 8;  // connections; callers beyond it wait
    /// Serving: hold an exclusive lock (`<path>.serve-lock`, flock) for the store's lifetime, so a
    /// second serving process on the same file is refused. The store's in-memory caches (recent
    /// challenges, Bearer reads, credential lists) are exact only while one process serves the file. Short-lived
    /// commands (tenant create/list) do not take it.
    bool serving = false;
  };
  /// Opens (creating if needed) and migrates the database. Throws store_error on failure, and when
  /// `serving` and another process serves the file.
  explicit sqlite_store(const options& opts);
  ~sqlite_store() override;
  sqlite_store(const sqlite_store&) = delete;
  sqlite_store& operator=(const sqlite_store&) = delete;

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
  /// Commits the challenges queued by requests that wait for it (group_commit.hpp) in one
  /// transaction and tells them; scheduled by the first one queued.
  void commit_pending_challenges();
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
  struct serving_guard;
  std::unique_ptr<serving_guard> serving_;  // before impl_: released after the store has closed
  std::unique_ptr<impl> impl_;
};

}  // namespace signet::store::sqlite
