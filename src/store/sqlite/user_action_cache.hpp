// The Bearer check's read (find_user_with_action) and a user's credential list (list_credentials,
// C1's exclude list and C3's allow list) kept in memory until this store writes that user, one of
// their actions or one of their authenticators. The SQLite store is the only writer of its file (one
// process; several nodes use PostgreSQL, which has no such cache), so it knows every change.
//
// Why: a read on a pooled connection starts from an empty page cache whenever anything was written
// since its last read (SQLite drops a connection's whole cache when another connection committed),
// so under load the two-table lookup re-reads ~10 pages from the file each time. The same token is
// checked on every request of a ceremony (and on every seed request that reuses it).
//
// Exactness: every write of a user or action row bumps the generation of that user's stripe after
// its transaction ends (and every write that adds or removes one of their authenticators bumps a
// generation of its own: a sign-in's update of a sign count leaves the credential list alone); a
// reader takes the generation before it reads the database and stores the row with it; an entry
// whose generation is no longer current is never returned. So an entry can
// only be returned if no write of that user ended after the read began: at worst a write makes
// other users of its stripe miss once.
//
// Kept up to date: the writes that end a ceremony (a registration, a sign-in) also write what they
// changed into the entries they would otherwise only make stale (rewrite, add_credential): the
// completed action into the token's read, the new credential into the user's list. So the next
// ceremony of the same token reads nothing either.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "signet/store/ports.hpp"

namespace signet::store::sqlite {

class user_action_cache {
 public:
  static constexpr std::size_t stripes = 65536;  // a write makes the other users of its stripe miss once
  static constexpr std::size_t capacity = 4096;  // Bearer reads; the map is emptied when it is full
  static constexpr std::size_t cached_credentials = 64;  // longer credential lists are not kept
  /// Kept credential lists are packed into one string each (~100 bytes per credential: as objects
  /// they took ~450); past this many bytes (64 more per list) the map is emptied.
  static constexpr std::size_t credential_budget = std::size_t{8} << 20;

  /// A listed credential with what orders the list: list_authenticators' order, (created_at, id),
  /// the id compared as SQLite's BINARY collation does (bytes, unsigned; a prefix first), which is
  /// std::string's order.
  struct listed_credential {
    std::int64_t created_ms = 0;
    std::string id;
    credential_ref ref;
  };
  using credential_list = std::vector<listed_credential>;

  /// Adds a credential registered after the list was read, at its place in the order; nothing when
  /// the list already holds it (read after the registration's commit). False when the list would
  /// grow past what is kept.
  static bool add_listed(credential_list& list, listed_credential added) {
    for (const auto& l : list)
      if (l.id == added.id) return true;
    if (list.size() >= cached_credentials) return false;
    auto before = [](const listed_credential& a, const listed_credential& b) {
      return a.created_ms != b.created_ms ? a.created_ms < b.created_ms : a.id < b.id;
    };
    list.insert(std::upper_bound(list.begin(), list.end(), added, before), std::move(added));
    return true;
  }

  /// The packed form: per credential, created_ms (8 bytes), then id, method, credential id, each
  /// transport and the instrument name as (4-byte length, bytes), with a transport count and two
  /// flag bytes (payment capable, instrument present).
  static std::string pack(const credential_list& list) {
    std::string out;
    auto put_u32 = [&](std::size_t n) {
      const auto v = static_cast<std::uint32_t>(n);
      out.append(reinterpret_cast<const char*>(&v), sizeof v);
    };
    auto put_bytes = [&](const void* p, std::size_t n) {
      put_u32(n);
      out.append(static_cast<const char*>(p), n);
    };
    for (const auto& l : list) {
      out.append(reinterpret_cast<const char*>(&l.created_ms), sizeof l.created_ms);
      put_bytes(l.id.data(), l.id.size());
      put_bytes(l.ref.verification_method.data(), l.ref.verification_method.size());
      const auto id = l.ref.credential_id.view();
      put_bytes(id.data(), id.size());
      put_u32(l.ref.transports.size());
      for (const auto& t : l.ref.transports) put_bytes(t.data(), t.size());
      out.push_back(l.ref.payment_capable ? 1 : 0);
      out.push_back(l.ref.instrument_display_name ? 1 : 0);
      if (l.ref.instrument_display_name)
        put_bytes(l.ref.instrument_display_name->data(), l.ref.instrument_display_name->size());
    }
    return out;
  }
  /// The list `pack` made (the ids too when `with_ids`).
  static credential_list unpack(std::string_view in, bool with_ids = true) {
    credential_list out;
    std::size_t at = 0;
    auto get_u32 = [&] {
      std::uint32_t v = 0;
      std::memcpy(&v, in.data() + at, sizeof v);
      at += sizeof v;
      return std::size_t{v};
    };
    auto get_view = [&] {
      const std::size_t n = get_u32();
      std::string_view v = in.substr(at, n);
      at += n;
      return v;
    };
    while (at < in.size()) {
      listed_credential l;
      std::memcpy(&l.created_ms, in.data() + at, sizeof l.created_ms);
      at += sizeof l.created_ms;
      const std::string_view id = get_view();
      if (with_ids) l.id = std::string(id);
      l.ref.verification_method = std::string(get_view());
      const std::string_view cred = get_view();
      const auto* first = reinterpret_cast<const core::byte*>(cred.data());
      l.ref.credential_id = core::credential_id(core::bytes(first, first + cred.size()));
      const std::size_t transports = get_u32();
      l.ref.transports.reserve(transports);
      for (std::size_t i = 0; i < transports; ++i) l.ref.transports.emplace_back(get_view());
      l.ref.payment_capable = in[at++] != 0;
      if (in[at++] != 0) l.ref.instrument_display_name = std::string(get_view());
      out.push_back(std::move(l));
    }
    return out;
  }

  struct ticket {
    std::string key;
    std::size_t stripe;
    std::uint64_t generation;
  };

  /// Before the database read: the key and the generation the result will be stored under.
  ticket begin(std::string_view tenant_id, std::string_view user_id, std::string_view action_code,
               std::string_view idempotency_key) const {
    return make_ticket({tenant_id, user_id, action_code, idempotency_key}, generations_, tenant_id, user_id);
  }

  /// The same for the user's credential list.
  ticket begin_credentials(std::string_view tenant_id, std::string_view user_id) const {
    return make_ticket({tenant_id, user_id}, credential_generations_, tenant_id, user_id);
  }

  std::optional<user_with_action> get(const ticket& t) { return reads_.get(t); }
  void put(ticket&& t, const user_with_action& v) { reads_.put(std::move(t), v); }
  std::optional<std::vector<credential_ref>> get_credentials(const ticket& t) {
    auto packed = credentials_.get(t);  // a copy of the bytes: unpacked outside the lock
    if (!packed) return std::nullopt;
    auto list = unpack(*packed, false);
    std::vector<credential_ref> out;
    out.reserve(list.size());
    for (auto& l : list) out.push_back(std::move(l.ref));
    return out;
  }
  void put_credentials(ticket&& t, const credential_list& v) {
    if (v.size() <= cached_credentials) credentials_.put(std::move(t), pack(v));
  }

  /// A committed write's changes applied to the entry it would otherwise only have made stale, so the
  /// next Bearer check of that token reads nothing. Called with the writer still held, after the
  /// write's own generation bumps; `before` was taken with the writer held, before the write. Every
  /// bump happens under the writer, so the stripe moved from `before` to now by this write's bumps
  /// alone, and an entry still under `before` was read after the last write before this one ended:
  /// it holds the rows as they were before this write, or as it left them (read after its commit).
  /// `apply` only sets columns to values, so either way it yields the rows as they are now. It
  /// returns false when it cannot say (the entry is then dropped). An entry under any other
  /// generation is left alone (it is stale and is dropped when next looked up).
  template <class Apply>
  void rewrite(const ticket& before, Apply&& apply) {
    const std::uint64_t now = generations_[before.stripe].load(std::memory_order_seq_cst);
    reads_.rewrite(before.key, before.generation, now, apply);
  }
  /// The same for a credential list (`before` from begin_credentials): a registration's credential
  /// added to the list kept for its user (add_listed).
  void add_credential(const ticket& before, listed_credential added) {
    const std::uint64_t now = credential_generations_[before.stripe].load(std::memory_order_seq_cst);
    auto apply = [&](std::string& packed) {
      auto list = unpack(packed);
      if (!add_listed(list, std::move(added))) return false;
      packed = pack(list);
      return true;
    };
    credentials_.rewrite(before.key, before.generation, now, apply);
  }

  /// After a write of this user's row or actions has ended (committed or not).
  void touched(std::string_view tenant_id, std::string_view user_id) {
    generations_[stripe_of(tenant_id, user_id)].fetch_add(1, std::memory_order_seq_cst);
  }
  /// After a write that adds or removes authenticators of this user (committed or not).
  void credentials_touched(std::string_view tenant_id, std::string_view user_id) {
    credential_generations_[stripe_of(tenant_id, user_id)].fetch_add(1, std::memory_order_seq_cst);
  }

 private:
  using generation_array = std::array<std::atomic<std::uint64_t>, stripes>;

  static ticket make_ticket(std::initializer_list<std::string_view> parts, const generation_array& generations,
                            std::string_view tenant_id, std::string_view user_id) {
    ticket t;
    std::size_t size = 0;
    for (std::string_view part : parts) size += part.size() + 4;
    t.key.reserve(size);
    // Each part behind its length: user ids and idempotency keys may hold any character, so no
    // separator could keep two different (user, code, key) triples from making the same key.
    for (std::string_view part : parts) {
      const auto n = static_cast<std::uint32_t>(part.size());
      for (int shift = 24; shift >= 0; shift -= 8) t.key.push_back(static_cast<char>((n >> shift) & 0xFF));
      t.key.append(part);
    }
    t.stripe = stripe_of(tenant_id, user_id);
    t.generation = generations[t.stripe].load(std::memory_order_seq_cst);
    return t;
  }

  static std::size_t stripe_of(std::string_view tenant_id, std::string_view user_id) {
    const std::size_t h = std::hash<std::string_view>{}(tenant_id) * 31u + std::hash<std::string_view>{}(user_id);
    return h % stripes;
  }

  static std::size_t weight(const user_with_action&) { return 1; }
  static std::size_t weight(const std::string& packed) { return 64 + packed.size(); }

  /// Entries stored with the generation they were read under; one of another generation is dropped.
  /// The map is emptied when the entries' weight would pass `budget`.
  template <class Value, std::size_t budget>
  class entries {
   public:
    std::optional<Value> get(const ticket& t) {
      std::lock_guard lk(mu_);
      auto it = map_.find(t.key);
      if (it == map_.end()) return std::nullopt;
      if (it->second.generation != t.generation) {
        erase(it);
        return std::nullopt;
      }
      return it->second.value;
    }
    template <class Apply>
    void rewrite(const std::string& key, std::uint64_t from, std::uint64_t to, Apply& apply) {
      std::lock_guard lk(mu_);
      auto it = map_.find(key);
      if (it == map_.end() || it->second.generation != from) return;
      weight_ -= weight(it->second.value);
      bool keep = false;
      try {
        keep = apply(it->second.value);
      } catch (...) {
        map_.erase(it);  // half updated: gone
        throw;
      }
      if (!keep) {
        map_.erase(it);
        return;
      }
      weight_ += weight(it->second.value);
      it->second.generation = to;
    }
    void put(ticket&& t, Value v) {  // by value: a packed list is moved in, not copied
      std::lock_guard lk(mu_);
      auto it = map_.find(t.key);
      if (it != map_.end()) erase(it);
      const std::size_t w = weight(v);
      if (weight_ + w > budget) {
        map_.clear();
        weight_ = 0;
      }
      map_.emplace(std::move(t.key), entry{t.generation, std::move(v)});
      weight_ += w;
    }

   private:
    struct entry {
      std::uint64_t generation;
      Value value;
    };
    void erase(typename std::unordered_map<std::string, entry>::iterator it) {
      weight_ -= weight(it->second.value);
      map_.erase(it);
    }
    std::mutex mu_;
    std::unordered_map<std::string, entry> map_;
    std::size_t weight_ = 0;
  };

  generation_array generations_{};
  generation_array credential_generations_{};
  entries<user_with_action, capacity> reads_;
  entries<std::string, credential_budget> credentials_;
};

/// Bumps one of the user's generations when it goes out of scope: declare it before the write
/// transaction, so it runs after the transaction has committed or rolled back. Every write of a user
/// or action row has a touch_on_exit; every write that adds or removes an authenticator has a
/// touch_credentials_on_exit.
template <void (user_action_cache::*Bump)(std::string_view, std::string_view)>
class touch_scope {
 public:
  touch_scope(user_action_cache& c, std::string_view tenant_id, std::string_view user_id)
      : cache_(c), tenant_id_(tenant_id), user_id_(user_id) {}
  ~touch_scope() { (cache_.*Bump)(tenant_id_, user_id_); }
  touch_scope(const touch_scope&) = delete;
  touch_scope& operator=(const touch_scope&) = delete;

 private:
  user_action_cache& cache_;
  std::string_view tenant_id_;
  std::string_view user_id_;
};
using touch_on_exit = touch_scope<&user_action_cache::touched>;
using touch_credentials_on_exit = touch_scope<&user_action_cache::credentials_touched>;

}  // namespace signet::store::sqlite
