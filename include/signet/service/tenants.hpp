// A read-through cache of tenants in front of store::tenant_store, shared by every request.
// Tenants may be created by `signet tenant create` while servers run (and on other nodes), so misses
// go to the store and cached entries expire after a short time.
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "signet/service/env.hpp"
#include "signet/store/ports.hpp"

namespace signet::service {

using tenant_ptr = std::shared_ptr<const store::tenant>;

class tenant_directory {
 public:
  /// `ttl`: how long a cached tenant is trusted before it is read again.
  tenant_directory(store::tenant_store& store, const clock& clk, std::chrono::seconds ttl = std::chrono::seconds(30));

  /// Thread-safe. nullptr if unknown.
  tenant_ptr by_id(std::string_view tenant_id);
  /// The tenant owning this Server API secret key (constant-time comparison), or nullptr.
  tenant_ptr by_secret_key(std::string_view secret_key);
  /// True if `origin` is in some tenant's CORS origins (contract §2.8: preflights carry no tenant).
  bool cors_origin_allowed(std::string_view origin);

 private:
  struct entry {
    tenant_ptr tenant;
    time_point loaded;
  };
  void refresh_origins_locked(time_point now);

  store::tenant_store& store_;
  const clock& clock_;
  std::chrono::seconds ttl_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, entry> by_id_;
  std::unordered_map<std::string, std::string> key_hash_to_id_;  // hex SHA-256 of a secret -> tenant id
  std::unordered_set<std::string> cors_origins_;
  time_point origins_loaded_{};
};

}  // namespace signet::service
