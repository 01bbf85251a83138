// Credential public keys imported once and kept for later sign-ins (C4): a bounded, thread-safe LRU
// keyed by the exact stored COSE_Key bytes. It only saves work — core::verify_authentication uses a
// cached key only when it was imported from exactly the stored bytes — and never caches a key that
// failed to import, so a cache hit and a miss give the same verdict.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "signet/core/bytes.hpp"
#include "signet/core/cose.hpp"

namespace signet::service {

class public_key_cache {
 public:
  static constexpr std::size_t default_capacity = 4096;

  explicit public_key_cache(std::size_t capacity = default_capacity);
  public_key_cache(const public_key_cache&) = delete;
  public_key_cache& operator=(const public_key_cache&) = delete;

  /// The key imported from exactly `cose`: the cached one (full-bytes match), else core::parse_cose_key's
  /// result, cached on success. nullptr when it does not import (nothing cached; the caller lets core
  /// parse it again and report the error). Thread-safe; the import runs outside the lock.
  std::shared_ptr<const core::public_key> get(core::byte_view cose);

  std::size_t size() const;
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  using lru_list = std::list<std::shared_ptr<const core::public_key>>;  // most recently used first

  std::size_t capacity_;
  mutable std::mutex mutex_;
  lru_list lru_;
  // Keyed by the entry's own COSE bytes (a view into the key the list node owns).
  std::unordered_map<std::string_view, lru_list::iterator> index_;
};

}  // namespace signet::service
