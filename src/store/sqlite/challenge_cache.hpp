// The challenges this store created most recently, kept in memory so that C2 and C4 find the
// challenge they check (peek_challenge) without a database read. The SQLite store is the only writer
// of its file (one process; several nodes use PostgreSQL, which has no such cache), so it knows
// every change.
//
// Why: C2 and C4 check the challenge before verifying the credential and consume it only in the
// ceremony's own write transaction. The check was a read on a pooled connection whose cache SQLite
// had dropped (another connection committed since), ~4 % of a sign-up.
//
// Exactness: the cache is a hint, never the only copy; a miss reads the database. An entry is put
// after the challenge's insert committed, with the writer held; it is erased, with the writer held,
// before every statement that deletes that challenge by id (take, take_if, the ceremony
// transactions' consume) or makes its user's challenges unfindable (delete_user records the
// deletion; a challenge whose insert raced it is not stored, so never put), and right after a delete
// by the challenge's bytes (whose id is known only then; the take has not returned yet), and
// reaping erases what it deletes first. Nothing else puts an entry: a read never fills the cache,
// so an erased id cannot come back. An expired entry is "not found", as the database read is.
// Bounded: the oldest of the last `capacity` puts is dropped when a new one comes.
// Keyed by a hash of tenant and id (see the members): no key string per entry.
#pragma once

#include <cstdint>
#include <functional>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "signet/store/ports.hpp"

namespace signet::store::sqlite {

class challenge_cache {
 public:
  static constexpr std::size_t capacity = 4096;
  using key_function = std::uint64_t (*)(std::string_view tenant_id, std::string_view id) noexcept;

  /// `slot`: where (tenant, id) is kept; the tests pass one that puts every challenge in one slot.
  explicit challenge_cache(key_function slot = &hash_key) : key_(slot) {}

  /// After the challenge's insert has committed (the writer held).
  void put(challenge ch) {  // by value: a caller done with its challenge moves it in
    const std::uint64_t k = key(ch.tenant_id, ch.id);
    std::lock_guard lk(mu_);
    if (order_.size() >= capacity) {
      // The oldest entry's node is reused for this one: no allocation once the cache is full.
      auto node = entries_.extract(order_.front());
      order_.pop_front();
      if (node && !entries_.contains(k)) {
        node.key() = k;
        node.mapped() = std::move(ch);
        entries_.insert(std::move(node));
        order_.push_back(k);
        return;
      }
    }
    order_.push_back(k);
    entries_.insert_or_assign(k, std::move(ch));
  }

  std::optional<challenge> get(std::string_view tenant_id, std::string_view id) const {
    std::lock_guard lk(mu_);
    auto it = entries_.find(key(tenant_id, id));
    if (it == entries_.end() || it->second.id != id || it->second.tenant_id != tenant_id) return std::nullopt;
    return it->second;
  }

  void erase(std::string_view tenant_id, std::string_view id) {
    const std::uint64_t k = key(tenant_id, id);
    std::lock_guard lk(mu_);
    entries_.erase(k);  // its slot in `order_` stays until it is the oldest (erasing a missing key is a no-op)
  }

  /// Every entry of one user (delete_user): a walk over at most `capacity` entries.
  void erase_user(std::string_view tenant_id, std::string_view user_id) {
    std::lock_guard lk(mu_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->second.tenant_id == tenant_id && it->second.user_id == user_id)
        it = entries_.erase(it);
      else
        ++it;
    }
  }

  /// Every entry with expires_at <= now (reap_expired_challenges, before its delete).
  void erase_expired(time_point now) {
    std::lock_guard lk(mu_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->second.expires_at <= now)
        it = entries_.erase(it);
      else
        ++it;
    }
  }

  std::size_t size() const {
    std::lock_guard lk(mu_);
    return entries_.size();
  }

  /// The slot of (tenant, id).
  static std::uint64_t hash_key(std::string_view tenant_id, std::string_view id) noexcept {
    const std::uint64_t t = std::hash<std::string_view>{}(tenant_id);
    return (t * 0x9E3779B97F4A7C15ull) ^ std::hash<std::string_view>{}(id);
  }

 private:
  // Entries by a hash of tenant and id: one slot per hash. Two challenges that share a hash share
  // the slot (the later put replaces the earlier, which a get then misses and reads from the
  // database); a get answers only for the entry whose tenant and id are the ones asked for, and an
  // erase empties the slot, so the challenge asked about is never left behind in it.
  std::uint64_t key(std::string_view tenant_id, std::string_view id) const noexcept { return key_(tenant_id, id); }

  key_function key_;
  mutable std::mutex mu_;
  std::unordered_map<std::uint64_t, challenge> entries_;
  std::deque<std::uint64_t> order_;  // slots in put order, at most `capacity`
};

}  // namespace signet::store::sqlite
