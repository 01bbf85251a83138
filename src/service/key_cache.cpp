#include "signet/service/key_cache.hpp"

#include <utility>

namespace signet::service {

namespace {

std::string_view view_of(core::byte_view b) { return core::as_chars(b); }

}  // namespace

public_key_cache::public_key_cache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {
  index_.reserve(capacity_);
}

std::shared_ptr<const core::public_key> public_key_cache::get(core::byte_view cose) {
  const std::string_view k = view_of(cose);
  {
    std::lock_guard lock(mutex_);
    // unordered_map compares the whole key (std::string_view ==), not only its hash.
    if (auto it = index_.find(k); it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return *it->second;
    }
  }
  auto parsed = core::parse_cose_key(cose);
  if (!parsed) return nullptr;  // never cached: core parses again and reports the same error
  auto key = std::make_shared<const core::public_key>(std::move(*parsed));

  std::lock_guard lock(mutex_);
  if (auto it = index_.find(k); it != index_.end()) {  // another thread imported it meanwhile
    lru_.splice(lru_.begin(), lru_, it->second);
    return *it->second;
  }
  if (lru_.size() >= capacity_) {
    index_.erase(view_of(lru_.back()->cose()));
    lru_.pop_back();
  }
  lru_.push_front(key);
  index_.emplace(view_of(key->cose()), lru_.begin());
  return key;
}

std::size_t public_key_cache::size() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

}  // namespace signet::service
