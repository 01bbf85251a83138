#include "signet/service/tenants.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <mutex>

namespace signet::service {
namespace {
std::string key_hash(std::string_view secret) {
  std::array<core::byte, 32> h{};
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), h.data());
  return core::hex_encode(h);
}
bool has_key(const store::tenant& t, std::string_view secret) {
  bool found = false;
  for (const auto& k : t.secret_keys)
    found |= k.size() == secret.size() && CRYPTO_memcmp(k.data(), secret.data(), k.size()) == 0;
  return found;
}
}  // namespace

tenant_directory::tenant_directory(store::tenant_store& store, const clock& clk, std::chrono::seconds ttl)
    : store_(store), clock_(clk), ttl_(ttl) {}

tenant_ptr tenant_directory::by_id(std::string_view tenant_id) {
  const auto now = clock_.now();
  {
    std::shared_lock lk(mu_);
    auto it = by_id_.find(std::string(tenant_id));
    if (it != by_id_.end() && now - it->second.loaded < ttl_) return it->second.tenant;
  }
  auto t = store_.find_tenant(tenant_id);
  if (!t) return nullptr;
  auto ptr = std::make_shared<const store::tenant>(std::move(*t));
  std::unique_lock lk(mu_);
  by_id_[ptr->id] = entry{ptr, now};
  return ptr;
}

tenant_ptr tenant_directory::by_secret_key(std::string_view secret_key) {
  if (secret_key.empty()) return nullptr;
  const std::string h = key_hash(secret_key);
  std::string id;
  {
    std::shared_lock lk(mu_);
    if (auto it = key_hash_to_id_.find(h); it != key_hash_to_id_.end()) id = it->second;
  }
  if (!id.empty()) {
    auto t = by_id(id);
    if (t && has_key(*t, secret_key)) return t;
  }
  auto t = store_.find_tenant_by_secret_key(secret_key);
  if (!t || !has_key(*t, secret_key)) return nullptr;
  auto ptr = std::make_shared<const store::tenant>(std::move(*t));
  std::unique_lock lk(mu_);
  by_id_[ptr->id] = entry{ptr, clock_.now()};
  key_hash_to_id_[h] = ptr->id;
  return ptr;
}

void tenant_directory::refresh_origins_locked(time_point now) {
  cors_origins_.clear();
  for (const auto& t : store_.list_tenants())
    for (const auto& o : t.cors_origins) cors_origins_.insert(o);
  origins_loaded_ = now;
}

bool tenant_directory::cors_origin_allowed(std::string_view origin) {
  if (origin.empty()) return false;
  const auto now = clock_.now();
  {
    std::shared_lock lk(mu_);
    if (cors_origins_.count(std::string(origin))) return true;
    // A miss re-reads the tenant list at most once a second (new tenants, other nodes).
    if (now - origins_loaded_ < std::chrono::seconds(1)) return false;
  }
  std::unique_lock lk(mu_);
  if (now - origins_loaded_ >= std::chrono::seconds(1)) refresh_origins_locked(now);
  return cors_origins_.count(std::string(origin)) > 0;
}

}  // namespace signet::service
