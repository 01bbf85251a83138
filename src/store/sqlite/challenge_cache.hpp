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
#pragma once

#include <cstdint>
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

  /// After the challenge's insert has committed (the writer held).
  void put(challenge ch) {  // by value: a caller done with its challenge moves it in
    std::string k = key(ch.tenant_id, ch.id);
    std::lock_guard lk(mu_);
    if (order_.size() >= capacity) {
      entries_.erase(order_.front());
      order_.pop_front();
    }
    order_.push_back(k);
    entries_.insert_or_assign(std::move(k), std::move(ch));
  }

  std::optional<challenge> get(std::string_view tenant_id, std::string_view id) const {
    const std::string k = key(tenant_id, id);
    std::lock_guard lk(mu_);
    auto it = entries_.find(k);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
  }

  void erase(std::string_view tenant_id, std::string_view id) {
    const std::string k = key(tenant_id, id);
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

 private:
  // The tenant behind its length: ids are unique per tenant only.
  static std::string key(std::string_view tenant_id, std::string_view id) {
    std::string k;
    k.reserve(tenant_id.size() + id.size() + 4);
    const auto n = static_cast<std::uint32_t>(tenant_id.size());
    for (int shift = 24; shift >= 0; shift -= 8) k.push_back(static_cast<char>((n >> shift) & 0xFF));
    k.append(tenant_id);
    k.append(id);
    return k;
  }

  mutable std::mutex mu_;
  std::unordered_map<std::string, challenge> entries_;
  std::deque<std::string> order_;  // keys in put order, at most `capacity`
};

}  // namespace signet::store::sqlite
