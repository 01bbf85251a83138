// The Bearer check's read (find_user_with_action) kept in memory until this store writes that user
// or one of their actions. The SQLite store is the only writer of its file (one process; several
// nodes use PostgreSQL, which has no such cache), so it knows every change.
//
// Why: a read on a pooled connection starts from an empty page cache whenever anything was written
// since its last read (SQLite drops a connection's whole cache when another connection committed),
// so under load the two-table lookup re-reads ~10 pages from the file each time. The same token is
// checked on every request of a ceremony (and on every seed request that reuses it).
//
// Exactness: every write of a user or action row bumps the generation of that user's stripe after
// its transaction ends; a reader takes the generation before it reads the database and stores the
// row with it; an entry whose generation is no longer current is never returned. So an entry can
// only be returned if no write of that user ended after the read began: at worst a write makes
// other users of its stripe miss once.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "signet/store/ports.hpp"

namespace signet::store::sqlite {

class user_action_cache {
 public:
  static constexpr std::size_t stripes = 4096;
  static constexpr std::size_t capacity = 4096;  // entries; the map is emptied when it is full

  struct ticket {
    std::string key;
    std::size_t stripe;
    std::uint64_t generation;
  };

  /// Before the database read: the key and the generation the result will be stored under.
  ticket begin(std::string_view tenant_id, std::string_view user_id, std::string_view action_code,
               std::string_view idempotency_key) const {
    ticket t;
    t.key.reserve(tenant_id.size() + user_id.size() + action_code.size() + idempotency_key.size() + 16);
    // Each part behind its length: user ids and idempotency keys may hold any character, so no
    // separator could keep two different (user, code, key) triples from making the same key.
    for (std::string_view part : {tenant_id, user_id, action_code, idempotency_key}) {
      const auto n = static_cast<std::uint32_t>(part.size());
      for (int shift = 24; shift >= 0; shift -= 8) t.key.push_back(static_cast<char>((n >> shift) & 0xFF));
      t.key.append(part);
    }
    t.stripe = stripe_of(tenant_id, user_id);
    t.generation = generations_[t.stripe].load(std::memory_order_seq_cst);
    return t;
  }

  std::optional<user_with_action> get(const ticket& t) {
    std::lock_guard lk(mu_);
    auto it = entries_.find(t.key);
    if (it == entries_.end()) return std::nullopt;
    if (it->second.generation != t.generation) {
      entries_.erase(it);
      return std::nullopt;
    }
    return it->second.value;
  }

  void put(ticket&& t, const user_with_action& v) {
    std::lock_guard lk(mu_);
    if (entries_.size() >= capacity) entries_.clear();
    entries_.insert_or_assign(std::move(t.key), entry{t.generation, v});
  }

  /// After a write of this user's row or actions has ended (committed or not).
  void touched(std::string_view tenant_id, std::string_view user_id) {
    generations_[stripe_of(tenant_id, user_id)].fetch_add(1, std::memory_order_seq_cst);
  }

 private:
  static std::size_t stripe_of(std::string_view tenant_id, std::string_view user_id) {
    const std::size_t h = std::hash<std::string_view>{}(tenant_id) * 31u + std::hash<std::string_view>{}(user_id);
    return h % stripes;
  }

  struct entry {
    std::uint64_t generation;
    user_with_action value;
  };
  std::array<std::atomic<std::uint64_t>, stripes> generations_{};
  std::mutex mu_;
  std::unordered_map<std::string, entry> entries_;
};

/// Bumps the user's generation when it goes out of scope: declare it before the write transaction,
/// so it runs after the transaction has committed or rolled back.
class touch_on_exit {
 public:
  touch_on_exit(user_action_cache& c, std::string_view tenant_id, std::string_view user_id)
      : cache_(c), tenant_id_(tenant_id), user_id_(user_id) {}
  ~touch_on_exit() { cache_.touched(tenant_id_, user_id_); }
  touch_on_exit(const touch_on_exit&) = delete;
  touch_on_exit& operator=(const touch_on_exit&) = delete;

 private:
  user_action_cache& cache_;
  std::string_view tenant_id_;
  std::string_view user_id_;
};

}  // namespace signet::store::sqlite
