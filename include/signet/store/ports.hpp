// Store ports: the abstract interfaces the service layer uses. Backends (store/sqlite, later
// store/postgres) implement them. Contracts common to every method:
//  * Thread-safe: any method may be called from any thread concurrently.
//  * Synchronous; no Asio types.
//  * Infrastructure failures (I/O error, lost connection, corrupt database) throw store::store_error;
//    "not found" and "already exists" are ordinary return values, never exceptions.
//  * Everything is scoped by tenant id: a record of another tenant is never returned.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "signet/store/model.hpp"

namespace signet::store {

class store_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Exact-match filters of query users (contract §8.11); unset filters match everything.
struct user_query {
  std::optional<std::string> username;
  std::optional<std::string> email;
  std::optional<std::string> phone_number;
  std::optional<std::string> user_id;  // exact user (used for the `token` filter)
  std::optional<std::string> after_user_id;
  std::size_t limit = 100;
};

/// Names one action. `user_id` nullopt names a pending action (created by a token-less C5 before the
/// user is known); completing it assigns the user.
struct action_ref {
  std::optional<std::string> user_id;
  std::string action_code;
  std::string idempotency_key;
  /// When set, this action is inserted in the same transaction before it is completed (the new action
  /// of a token-less sign-in), so a sign-in that loses its compare-and-set leaves no action behind.
  std::optional<action> create;
};

/// What a successful challenge writes onto its action.
struct action_completion {
  std::string state = "CHALLENGE_SUCCEEDED";
  std::string verification_method;  // PASSKEY | SECURITY_KEY
  std::string verified_by_authenticator_id;
  std::optional<std::string> device_id;
  std::optional<std::string> user_agent;
  std::string user_id;  // the authenticated user (assigned to a pending action)
  time_point now{};
};

/// The sign-in write-back of contract §6.4 steps 10–12, applied by compare-and-set.
struct sign_in_update {
  std::string authenticator_id;
  std::uint32_t expected_sign_count = 0;  // the value read before verification
  std::uint32_t new_sign_count = 0;
  bool backup_state = false;
  bool user_verified = false;
  /// When set, this challenge (of the tenant) is consumed in the same transaction: if it is no
  /// longer there (taken by a concurrent attempt), nothing is written and record_sign_in is false.
  std::optional<std::string> consume_challenge_id;
};

/// Filters of query user actions (§8.10).
struct action_query {
  time_point from{};
  std::vector<std::string> codes;  // empty: any
  std::optional<std::string> state;
  std::size_t limit = 1000;
};

class tenant_store {
 public:
  virtual ~tenant_store() = default;
  /// Inserts a tenant with its secret keys. Returns false if the id already exists.
  virtual bool create_tenant(const tenant& t) = 0;
  virtual std::optional<tenant> find_tenant(std::string_view tenant_id) = 0;
  /// The tenant owning `secret_key`. Backends look the key up by its SHA-256 and then compare the
  /// stored key with CRYPTO_memcmp, so the lookup does not leak the key through timing.
  virtual std::optional<tenant> find_tenant_by_secret_key(std::string_view secret_key) = 0;
  virtual std::vector<tenant> list_tenants() = 0;
};

/// A user and one of its actions, read together (what a Bearer token names).
struct user_with_action {
  store::user user;
  std::optional<store::action> action;  // nullopt when the user has no such action
};

class user_store {
 public:
  virtual ~user_store() = default;
  virtual std::optional<user> find_user(std::string_view tenant_id, std::string_view user_id) = 0;
  /// The user and its action (tenant, user, action_code, idempotency_key) from one snapshot, in one
  /// store round (the Bearer check of every Client API call). nullopt when the user is unknown.
  virtual std::optional<user_with_action> find_user_with_action(std::string_view tenant_id, std::string_view user_id,
                                                                std::string_view action_code,
                                                                std::string_view idempotency_key) = 0;
  /// Creates the user if unknown (created_at = now) and applies `patch`. Returns the user after it.
  virtual user upsert_user(std::string_view tenant_id, std::string_view user_id, const user_patch& patch,
                           time_point now) = 0;
  /// Sets the user's WebAuthn handle unless one is already stored; returns the stored handle
  /// (the existing one when two callers race). The user must exist.
  virtual core::user_handle ensure_user_handle(std::string_view tenant_id, std::string_view user_id,
                                               const core::user_handle& candidate, time_point now) = 0;
  /// Deletes the user with all authenticators and actions, and the challenges created for them at or
  /// before `now`: none is found again, and one created before `now` but stored after this returns
  /// is not found either (SQLite; PostgreSQL deletes the rows present). Returns false if unknown.
  virtual bool delete_user(std::string_view tenant_id, std::string_view user_id, time_point now) = 0;
  /// Users matching every set filter (exact match), ordered by user_id, starting after
  /// `after_user_id` (exclusive) when given, at most `limit` of them.
  virtual std::vector<user> query_users(std::string_view tenant_id, const user_query& q) = 0;
};

class action_store {
 public:
  virtual ~action_store() = default;
  /// Inserts an action. Returns false if (tenant, user, action_code, idempotency_key) already exists.
  virtual bool create_action(const action& a) = 0;
  virtual std::optional<action> find_action(std::string_view tenant_id, std::string_view user_id,
                                            std::string_view action_code, std::string_view idempotency_key) = 0;
  /// Sets state; returns false if the action is unknown.
  virtual bool update_action_state(std::string_view tenant_id, std::string_view user_id,
                                   std::string_view action_code, std::string_view idempotency_key,
                                   std::string_view state, time_point now) = 0;
  /// A pending action (user not yet known) by code and key.
  virtual std::optional<action> find_pending_action(std::string_view tenant_id, std::string_view action_code,
                                                    std::string_view idempotency_key) = 0;
  /// The user's actions created at or after q.from, newest first.
  virtual std::vector<action> query_actions(std::string_view tenant_id, std::string_view user_id,
                                            const action_query& q) = 0;
};

class challenge_store {
 public:
  virtual ~challenge_store() = default;
  virtual void create_challenge(const challenge& c) = 0;
  /// Atomically removes and returns the challenge if it exists in `tenant_id` and has not expired at
  /// `now`. Of concurrent callers at most one gets it. An expired challenge is removed and not returned.
  virtual std::optional<challenge> take_challenge(std::string_view tenant_id, std::string_view challenge_id,
                                                  time_point now) = 0;
  /// Same, but only a challenge of `type`: a challenge of another type with that id is left alone.
  virtual std::optional<challenge> take_challenge_of_type(std::string_view tenant_id, std::string_view challenge_id,
                                                          std::string_view type, time_point now) = 0;
  /// Same, found by its type and challenge bytes (ceremonies sent without a challengeId).
  virtual std::optional<challenge> take_challenge_by_value(std::string_view tenant_id, std::string_view type,
                                                           core::byte_view value, time_point now) = 0;
  /// Atomically: reads the challenge `challenge_id` of the tenant and removes it only if `accept`
  /// returns true for it (called at most once, inside the store's transaction, with the row locked;
  /// it must not call the store). Returns the removed challenge; nullopt when it is absent, expired
  /// (an expired one is removed) or refused by `accept` (then it stays as it was, unconsumed).
  virtual std::optional<challenge> take_challenge_if(std::string_view tenant_id, std::string_view challenge_id,
                                                     time_point now,
                                                     const std::function<bool(const challenge&)>& accept) = 0;
  /// Reads without consuming (for checks before a take); nullopt if absent or expired.
  virtual std::optional<challenge> peek_challenge(std::string_view tenant_id, std::string_view challenge_id,
                                                  time_point now) = 0;
  /// Deletes challenges that expired before `now`; returns how many.
  virtual std::size_t reap_expired_challenges(time_point now) = 0;
};

class authenticator_store {
 public:
  virtual ~authenticator_store() = default;
  /// Verified authenticators of a user, oldest first.
  virtual std::vector<authenticator> list_authenticators(std::string_view tenant_id, std::string_view user_id) = 0;
  /// The same authenticators in the same order, with only what an exclude or allow list needs (C1 and
  /// C3 list them on every call; the rest of each row is never decoded).
  virtual std::vector<credential_ref> list_credentials(std::string_view tenant_id, std::string_view user_id) = 0;
  virtual bool has_authenticator(std::string_view tenant_id, std::string_view user_id) = 0;
  virtual std::optional<authenticator> find_authenticator(std::string_view tenant_id, std::string_view user_id,
                                                          std::string_view authenticator_id) = 0;
  virtual std::optional<authenticator> find_authenticator_by_credential(std::string_view tenant_id,
                                                                        const core::credential_id& id) = 0;
  /// In one transaction: inserts the authenticator, fills the user's empty username/displayName from
  /// it, and completes the action. Returns false (and changes nothing) if the credential id is
  /// already registered in the tenant. When `first` is given it is set to whether the user had no
  /// authenticator before this one (read in the same transaction). When `consume_challenge_id` is
  /// given, that challenge of the tenant is consumed in the same transaction: if it is no longer
  /// there (taken by a concurrent attempt), nothing is written and the result is false.
  virtual bool register_authenticator(const authenticator& a, const action_ref& action,
                                      const action_completion& completion, bool* first = nullptr,
                                      const std::optional<std::string>& consume_challenge_id = std::nullopt) = 0;
  /// In one transaction: compare-and-set of the sign count (fails if the stored count is no longer
  /// `expected_sign_count` or the authenticator is gone), lastVerifiedAt/backup state/UV, and the
  /// action's completion. The authenticator is `update.authenticator_id` of `completion.user_id`
  /// (its owner). Returns false when the compare-and-set lost (nothing is written).
  virtual bool record_sign_in(std::string_view tenant_id, const sign_in_update& update, const action_ref& action,
                              const action_completion& completion) = 0;
  /// Returns false if the user has no such authenticator.
  virtual bool delete_authenticator(std::string_view tenant_id, std::string_view user_id,
                                    std::string_view authenticator_id) = 0;
};

/// The ports a backend provides, bundled for injection.
struct stores {
  tenant_store& tenants;
  user_store& users;
  action_store& actions;
  challenge_store& challenges;
  authenticator_store& authenticators;
};

}  // namespace signet::store
