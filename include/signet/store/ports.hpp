// Store ports: the abstract interfaces the service layer uses. Backends (store/sqlite, later
// store/postgres) implement them. Contracts common to every method:
//  * Thread-safe: any method may be called from any thread concurrently.
//  * Synchronous; no Asio types.
//  * Infrastructure failures (I/O error, lost connection, corrupt database) throw store::store_error;
//    "not found" and "already exists" are ordinary return values, never exceptions.
//  * Everything is scoped by tenant id: a record of another tenant is never returned.
#pragma once

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

class user_store {
 public:
  virtual ~user_store() = default;
  virtual std::optional<user> find_user(std::string_view tenant_id, std::string_view user_id) = 0;
  /// Creates the user if unknown (created_at = now) and applies `patch`. Returns the user after it.
  virtual user upsert_user(std::string_view tenant_id, std::string_view user_id, const user_patch& patch,
                           time_point now) = 0;
  /// Sets the user's WebAuthn handle unless one is already stored; returns the stored handle
  /// (the existing one when two callers race). The user must exist.
  virtual core::user_handle ensure_user_handle(std::string_view tenant_id, std::string_view user_id,
                                               const core::user_handle& candidate, time_point now) = 0;
  /// Deletes the user with all authenticators, actions and challenges. Returns false if unknown.
  virtual bool delete_user(std::string_view tenant_id, std::string_view user_id) = 0;
};

class action_store {
 public:
  virtual ~action_store() = default;
  /// Inserts an action. Returns false if (tenant, user, action_code, idempotency_key) already exists.
  virtual bool create_action(const action& a) = 0;
  virtual std::optional<action> find_action(std::string_view tenant_id, std::string_view user_id,
                                            std::string_view action_code, std::string_view idempotency_key) = 0;
  /// Sets state (and the verification fields when given); returns false if the action is unknown.
  virtual bool update_action_state(std::string_view tenant_id, std::string_view user_id,
                                   std::string_view action_code, std::string_view idempotency_key,
                                   std::string_view state, time_point now) = 0;
};

class challenge_store {
 public:
  virtual ~challenge_store() = default;
  virtual void create_challenge(const challenge& c) = 0;
  /// Atomically removes and returns the challenge if it exists in `tenant_id` and has not expired at
  /// `now`. Of concurrent callers at most one gets it. An expired challenge is removed and not returned.
  virtual std::optional<challenge> take_challenge(std::string_view tenant_id, std::string_view challenge_id,
                                                  time_point now) = 0;
  /// Deletes challenges that expired before `now`; returns how many.
  virtual std::size_t reap_expired_challenges(time_point now) = 0;
};

class authenticator_store {
 public:
  virtual ~authenticator_store() = default;
  /// Verified authenticators of a user, oldest first.
  virtual std::vector<authenticator> list_authenticators(std::string_view tenant_id, std::string_view user_id) = 0;
  virtual bool has_authenticator(std::string_view tenant_id, std::string_view user_id) = 0;
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
